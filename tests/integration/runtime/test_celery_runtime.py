"""Distributed mode: real Celery workers on Redis and PostgreSQL, and the faults they survive."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from madlab.domain.jobs import JobStatus
from madlab.runtime.celery_queue import CeleryQueue

from .conftest import ORG, Cluster, restart_redis, wait_for

pytestmark = pytest.mark.postgres


def test_jobs_run_once_each_on_the_workers(cluster: Cluster) -> None:
    jobs = cluster.services.jobs
    assert isinstance(cluster.services.queue, CeleryQueue)
    ids = [jobs.submit(ORG, "alice", "echo", {"n": i}).id for i in range(12)]
    ids.append(jobs.submit(ORG, "alice", "echo", {"n": 99}, priority="high").id)
    finals = [jobs.wait(ORG, i, timeout=120) for i in ids]
    assert {j.status for j in finals} == {JobStatus.SUCCEEDED}
    assert {j.attempt for j in finals} == {1}
    assert {j.resource_usage["worker"] for j in finals} <= {"alpha@test", "beta@test"}
    with cluster.services.store.unit_of_work() as uow:
        worker = uow.workers.get("alpha@test")
    assert worker.capabilities["engines"]["vina"]["backends"]["vina-python"] == "1.2.7"
    assert worker.capabilities["cores"] >= 1


def test_a_worker_killed_mid_docking_loses_nothing_and_results_are_stored_once(
    cluster: Cluster, complexes: Path
) -> None:
    jobs = cluster.services.jobs
    c = complexes / "184l"
    ligand = str(c / "ligand.sdf")
    params = {
        "receptor": str(c / "receptor.pdb"),
        "ligand_files": [ligand, ligand, ligand, ligand],
        "autobox_ligand": ligand,
        "exhaustiveness": 4,
        "num_poses": 3,
        "cpu": 1,
    }
    job = jobs.submit(ORG, "alice", "dock", params)
    wait_for(lambda: jobs.get(ORG, job.id).progress_done >= 1, 180, "the first ligand")
    running = jobs.get(ORG, job.id)
    holder = running.resource_usage["worker"]
    if running.is_final:
        pytest.skip("the docking ended before the worker could be killed")
    cluster.kill(holder)  # kill -9 of the worker's whole process group
    final = jobs.wait(ORG, job.id, timeout=240)
    assert final.status is JobStatus.SUCCEEDED, final.error
    assert final.attempt == 2
    assert final.resource_usage["worker"] != holder
    with cluster.services.store.unit_of_work() as uow:
        results = uow.results.for_job(ORG, job.id)
    names = sorted(r.ligand for r in results)
    assert len(names) == 4 and len(set(names)) == 4  # each ligand stored exactly once
    assert all(r.binding_affinity is not None for r in results)
    cluster.start_worker(holder)  # back to two workers for the next tests


def test_jobs_queued_while_redis_restarts_are_not_lost(cluster: Cluster) -> None:
    jobs = cluster.services.jobs
    try:
        ids = [jobs.submit(ORG, "alice", "sleep", {"seconds": 0.5}).id for i in range(10)]
        restart_redis()  # Redis keeps nothing: every queued message is gone
    finally:
        from .conftest import ensure_redis

        ensure_redis()
    finals = [jobs.wait(ORG, i, timeout=180) for i in ids]
    assert [j.status for j in finals] == [JobStatus.SUCCEEDED] * 10
    assert cluster.alive("alpha@test") and cluster.alive("beta@test")


def test_memory_limit_fails_the_job_and_the_worker_lives_on(cluster: Cluster) -> None:
    jobs = cluster.services.jobs
    hog = jobs.submit(ORG, "alice", "allocate", {"mb": 400, "hold": 3})
    failed = jobs.wait(ORG, hog.id, timeout=120)
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert failed.error["message"].startswith("job exceeded its memory limit of 128 MB")
    assert cluster.alive(failed.resource_usage["worker"])
    after = jobs.submit(ORG, "alice", "echo", {})
    assert jobs.wait(ORG, after.id, timeout=60).status is JobStatus.SUCCEEDED


def test_cancel_stops_a_running_job(cluster: Cluster, tmp_path: Path) -> None:
    jobs = cluster.services.jobs
    marker = tmp_path / "started"
    job = jobs.submit(ORG, "alice", "sleep", {"seconds": 120, "marker": str(marker)})
    wait_for(marker.exists, 60, "the job to start")
    child = int(marker.read_text())
    jobs.cancel(ORG, job.id, user="alice")
    wait_for(
        lambda: not psutil.pid_exists(child) or psutil.Process(child).status() == "zombie",
        15,
        "the job's process to be stopped",
    )
    assert jobs.get(ORG, job.id).status is JobStatus.CANCELLED
    queued = jobs.submit(ORG, "alice", "gpu_only", {})
    assert jobs.cancel(ORG, queued.id).status is JobStatus.CANCELLED


def test_a_job_needing_a_gpu_waits_visibly_until_a_gpu_worker_comes(cluster: Cluster) -> None:
    jobs = cluster.services.jobs
    job = jobs.submit(ORG, "alice", "gpu_only", {"word": "cuda"})
    assert job.queue == "docking.standard.gpu"
    assert job.execution_metrics["waiting"] == "no online worker offers gpu; the job waits for one"
    echo = jobs.submit(ORG, "alice", "echo", {})
    assert jobs.wait(ORG, echo.id, timeout=60).status is JobStatus.SUCCEEDED
    assert jobs.get(ORG, job.id).status is JobStatus.QUEUED  # no worker took it
    cluster.start_worker("gamma@test", "--capability", "gpu")
    final = jobs.wait(ORG, job.id, timeout=120)
    assert final.status is JobStatus.SUCCEEDED
    assert final.resource_usage["worker"] == "gamma@test"
    cluster.kill("gamma@test")
