"""The embedded queue: local worker processes fed from the store, supervised, with no job lost."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import psutil

from madlab.bootstrap import Services
from madlab.domain.jobs import JobStatus
from madlab.runtime.events import EventType
from madlab.runtime.executor import move
from madlab.runtime.local import LocalQueue

from .conftest import ORG, wait_for


def test_jobs_run_in_the_pool_and_their_events_reach_this_process(
    embedded: tuple[Services, LocalQueue],
) -> None:
    services, queue = embedded
    queue.start()
    with services.events.subscribe(ORG) as sub:
        ids = [services.jobs.submit(ORG, "alice", "echo", {"n": i}).id for i in range(6)]
        finals = [services.jobs.wait(ORG, i, timeout=90) for i in ids]
        events = []
        while (event := sub.get(timeout=0.5)) is not None:
            events.append(event)
    assert {j.status for j in finals} == {JobStatus.SUCCEEDED}
    assert {j.attempt for j in finals} == {1}  # each ran once
    assert {j.resource_usage["worker"] for j in finals} <= set(queue.names)
    states = [(e.job_id, e.payload["status"]) for e in events if e.type == EventType.JOB_STATE]
    for job_id in ids:  # workers' events are relayed to this process's bus
        assert (job_id, "running") in states and (job_id, "succeeded") in states
    with services.store.unit_of_work() as uow:
        workers = {w.name: w for w in uow.workers.list()}
    assert set(queue.names) <= set(workers)
    assert workers[queue.names[0]].capabilities["engines"]["vina"]["backends"]


def test_a_killed_worker_is_replaced_and_its_job_runs_again(
    embedded: tuple[Services, LocalQueue], tmp_path: Path
) -> None:
    services, queue = embedded
    queue.start()
    marker = tmp_path / "started"
    job = services.jobs.submit(ORG, "alice", "sleep", {"seconds": 3, "marker": str(marker)})
    wait_for(marker.exists, 60, "the job to start")
    holder = services.jobs.get(ORG, job.id).resource_usage["pid"]
    child = int(marker.read_text())
    os.kill(holder, signal.SIGKILL)  # the worker process dies in the middle of the job
    final = services.jobs.wait(ORG, job.id, timeout=90)
    assert final.status is JobStatus.SUCCEEDED
    assert final.attempt == 2 and final.resource_usage["pid"] != holder
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == "zombie"
    assert queue.restarts >= 1
    wait_for(lambda: len(queue.worker_pids()) == 2, 30, "the pool to be whole again")
    details = [e.detail for e in services.jobs.history(ORG, job.id)]
    assert any(d and d.endswith("was lost") for d in details)


def test_jobs_left_running_by_a_stopped_server_are_requeued_on_start(
    embedded: tuple[Services, LocalQueue],
) -> None:
    services, queue = embedded
    job = services.jobs.submit(ORG, "alice", "echo", {})
    import socket
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    usage = {"worker": "local@old/0", "host": socket.gethostname(), "pid": gone.pid}
    assert move(services.store, services.events, job, JobStatus.RUNNING, usage=usage)
    queue.start()
    final = services.jobs.wait(ORG, job.id, timeout=90)
    assert final.status is JobStatus.SUCCEEDED and final.attempt == 2


def test_memory_limit_and_cancel_in_the_pool_leave_the_workers_alive(
    embedded: tuple[Services, LocalQueue], tmp_path: Path
) -> None:
    services, queue = embedded
    queue.start()
    wait_for(lambda: len(queue.worker_pids()) == 2, 30, "the pool")
    pids = set(queue.worker_pids())
    hog = services.jobs.submit(ORG, "alice", "allocate", {"mb": 400, "hold": 3})
    failed = services.jobs.wait(ORG, hog.id, timeout=90)
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert failed.error["message"].startswith("job exceeded its memory limit of 128 MB")
    marker = tmp_path / "started"
    long = services.jobs.submit(ORG, "alice", "sleep", {"seconds": 60, "marker": str(marker)})
    wait_for(marker.exists, 60, "the long job to start")
    services.jobs.cancel(ORG, long.id, user="alice")
    child = int(marker.read_text())
    wait_for(
        lambda: not psutil.pid_exists(child) or psutil.Process(child).status() == "zombie",
        10,
        "the cancelled job's process to end",
    )
    assert services.jobs.get(ORG, long.id).status is JobStatus.CANCELLED
    assert set(queue.worker_pids()) == pids  # no worker died
    after = services.jobs.submit(ORG, "alice", "echo", {})
    assert services.jobs.wait(ORG, after.id, timeout=60).status is JobStatus.SUCCEEDED


def test_closing_the_pool_hands_running_jobs_back(
    embedded: tuple[Services, LocalQueue], tmp_path: Path
) -> None:
    services, queue = embedded
    queue.start()
    marker = tmp_path / "started"
    job = services.jobs.submit(ORG, "alice", "sleep", {"seconds": 60, "marker": str(marker)})
    wait_for(marker.exists, 60, "the job to start")
    queue.close()
    assert services.jobs.get(ORG, job.id).status is JobStatus.QUEUED
    with services.store.unit_of_work() as uow:
        assert {w.status.value for w in uow.workers.list()} == {"offline"}


def test_a_docking_job_runs_in_the_pool_with_progress_and_results(
    embedded: tuple[Services, LocalQueue], complexes: Path
) -> None:
    services, queue = embedded
    queue.start()
    c = complexes / "184l"
    params = {
        "receptor": str(c / "receptor.pdb"),
        "ligand_files": [str(c / "ligand.sdf")],
        "autobox_ligand": str(c / "ligand.sdf"),
        "exhaustiveness": 1,
        "num_poses": 3,
        "cpu": 1,
    }
    job = services.jobs.submit(ORG, "alice", "dock", params)
    final = services.jobs.wait(ORG, job.id, timeout=180)
    assert final.status is JobStatus.SUCCEEDED, final.error
    assert (final.progress_done, final.progress_total) == (1, 1)
    assert final.engine == "vina"
    with services.store.unit_of_work() as uow:
        results = uow.results.for_job(ORG, job.id)
    assert len(results) == 1 and results[0].binding_affinity is not None
    assert results[0].binding_affinity < -4
