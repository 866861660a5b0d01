"""Recovery: jobs of dead workers go back to the queue; retrying jobs come back after backoff."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

from madlab.bootstrap import Services
from madlab.domain.jobs import Job, JobStatus
from madlab.domain.workers import Worker, WorkerStatus
from madlab.runtime.executor import move
from madlab.runtime.recovery import holder_alive, promote_retrying, recover_lost_jobs

from .conftest import ORG


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def running_job(services: Services, usage: dict[str, object]) -> Job:
    job = services.jobs.submit(ORG, "alice", "echo", {})
    moved = move(services.store, services.events, job, JobStatus.RUNNING, usage=usage)
    assert moved is not None
    return moved


def test_jobs_of_dead_processes_are_requeued_and_live_ones_kept(
    runtime_services: Services,
) -> None:
    import socket

    host = socket.gethostname()
    lost = running_job(runtime_services, {"worker": "w1", "host": host, "pid": dead_pid()})
    alive = running_job(runtime_services, {"worker": "w2", "host": host, "pid": 1})
    moved = recover_lost_jobs(
        runtime_services.store, runtime_services.events, timeout_s=30, max_attempts=3
    )
    assert [j.id for j in moved] == [lost.id]
    assert moved[0].status is JobStatus.QUEUED
    assert runtime_services.jobs.history(ORG, lost.id)[-1].detail == "worker w1 was lost"
    assert runtime_services.jobs.get(ORG, alive.id).status is JobStatus.RUNNING


def test_a_job_that_used_all_its_attempts_is_dead_lettered(runtime_services: Services) -> None:
    job = running_job(runtime_services, {"worker": "w1", "host": "elsewhere", "pid": 5})
    moved = recover_lost_jobs(
        runtime_services.store,
        runtime_services.events,
        timeout_s=30,
        max_attempts=1,
        is_alive=lambda job, workers: False,
    )
    assert moved[0].status is JobStatus.DEAD_LETTERED
    final = runtime_services.jobs.get(ORG, job.id)
    assert final.error is not None and final.error["code"] == "worker_lost"


def test_holders_on_other_hosts_are_judged_by_their_heartbeat() -> None:
    now = datetime.now(timezone.utc)
    job = Job(
        id="j",
        organization_id=ORG,
        user="a",
        task_id="t",
        task_version="1",
        parameters={},
        status=JobStatus.RUNNING,
        created_at=now,
        updated_at=now - timedelta(seconds=100),
        resource_usage={"worker": "far", "host": "elsewhere", "pid": 1},
    )
    fresh = Worker("far", WorkerStatus.ONLINE, now - timedelta(seconds=1), now)
    silent = Worker("far", WorkerStatus.ONLINE, now - timedelta(seconds=60), now)
    assert holder_alive(job, {"far": fresh}, timeout_s=30, now=now)
    assert not holder_alive(job, {"far": silent}, timeout_s=30, now=now)
    assert not holder_alive(job, {}, timeout_s=30, now=now)  # unknown and quiet
    unowned = Job(**{**job.__dict__, "resource_usage": {}})
    assert holder_alive(unowned, {}, timeout_s=30, now=now)  # run by `madlab dock` itself


def test_retrying_jobs_return_to_the_queue_after_their_backoff(
    runtime_services: Services,
) -> None:
    job = running_job(runtime_services, {})
    retrying = move(
        runtime_services.store,
        runtime_services.events,
        job,
        JobStatus.RETRYING,
        error={"code": "transient_error", "message": "busy"},
    )
    assert retrying is not None
    assert promote_retrying(runtime_services.store, runtime_services.events) == []
    import time

    time.sleep(2.1)
    back = promote_retrying(runtime_services.store, runtime_services.events)
    assert [j.status for j in back] == [JobStatus.QUEUED]
