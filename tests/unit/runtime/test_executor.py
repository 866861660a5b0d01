"""The executor: a job runs once, in its own limited process, and always ends in a clear state."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import psutil
import pytest

from madlab.bootstrap import Services
from madlab.domain.jobs import JobStatus
from madlab.runtime.events import Event, EventType
from madlab.runtime.executor import default_worker_name, move, retry_delay

from .conftest import ORG, make_executor


def collect(services: Services, job_id: str) -> tuple[list[Event], threading.Event]:
    events: list[Event] = []
    stop = threading.Event()
    sub = services.events.subscribe(ORG, job_id=job_id)

    def loop() -> None:
        while not stop.is_set():
            event = sub.get(timeout=0.05)
            if event is not None:
                events.append(event)
        sub.close()

    threading.Thread(target=loop, daemon=True).start()
    return events, stop


@pytest.mark.parametrize("isolate", [True, False], ids=["child-process", "in-process"])
def test_a_job_runs_to_success_with_outputs_progress_and_no_working_files(
    runtime_services: Services, isolate: bool
) -> None:
    job = runtime_services.jobs.submit(ORG, "alice", "echo", {"word": "hi"})
    events, stop = collect(runtime_services, job.id)
    done = make_executor(runtime_services, isolate=isolate).run(ORG, job.id).job
    time.sleep(0.2)
    stop.set()
    assert done is not None and done.status is JobStatus.SUCCEEDED
    outputs = done.execution_metrics["outputs"]
    assert outputs["echo"] == {"word": "hi"}
    assert not Path(outputs["workdir"]).exists()  # the working folder is removed
    assert (done.progress_done, done.progress_total, done.attempt) == (1, 1, 1)
    assert done.resource_usage["worker"] == "test-worker"
    kinds = [(e.type, e.payload.get("status", e.payload.get("done"))) for e in events]
    assert kinds == [
        (EventType.JOB_STATE, "running"),
        (EventType.JOB_PROGRESS, 1),
        (EventType.JOB_STATE, "succeeded"),
    ]
    if isolate:
        assert done.resource_usage["peak_rss_mb"] > 10


def test_a_job_is_claimed_by_one_worker_only(runtime_services: Services) -> None:
    job = runtime_services.jobs.submit(ORG, "alice", "echo", {})
    first, second = make_executor(runtime_services), make_executor(runtime_services, worker="b")
    claim = first.claim(ORG, job.id)
    assert claim.job is not None and claim.job.status is JobStatus.RUNNING
    assert second.claim(ORG, job.id).job is None  # already running elsewhere
    assert second.run(ORG, job.id).job is None


def test_a_task_error_fails_the_job_with_its_message(runtime_services: Services) -> None:
    job = runtime_services.jobs.submit(ORG, "alice", "invalid", {})
    done = make_executor(runtime_services).run(ORG, job.id).job
    assert done is not None and done.status is JobStatus.FAILED
    assert done.error == {
        "code": "validation_error",
        "message": "receptor.pdb: no protein atoms",
        "field": "receptor",
    }


def test_transient_errors_retry_with_backoff_then_dead_letter(
    runtime_services: Services, tmp_path: Path
) -> None:
    counter = tmp_path / "count"
    job = runtime_services.jobs.submit(ORG, "alice", "flaky", {"counter": str(counter)})
    executor = make_executor(runtime_services)
    statuses = []
    for _ in range(3):
        ended = executor.run(ORG, job.id).job
        assert ended is not None
        statuses.append(ended.status)
        if ended.status is JobStatus.RETRYING:
            assert retry_delay(ended) == 2.0 * 2 ** (ended.attempt - 1)
            move(runtime_services.store, runtime_services.events, ended, JobStatus.QUEUED)
    assert statuses == [JobStatus.RETRYING, JobStatus.RETRYING, JobStatus.DEAD_LETTERED]
    final = runtime_services.jobs.get(ORG, job.id)
    assert final.attempt == 3 and counter.read_text() == "3"
    assert final.error is not None and final.error["code"] == "transient_error"
    details = [e.detail for e in runtime_services.jobs.history(ORG, job.id)]
    assert "gave up after 3 attempts" in details


def test_a_job_over_its_memory_fails_clearly_and_the_worker_lives_on(
    runtime_services: Services,
) -> None:
    job = runtime_services.jobs.submit(ORG, "alice", "allocate", {"mb": 400, "hold": 3})
    done = make_executor(runtime_services).run(ORG, job.id).job
    assert done is not None and done.status is JobStatus.FAILED
    assert done.error is not None
    assert done.error["code"] == "resource_limit_exceeded"
    assert done.error["message"].startswith("job exceeded its memory limit of 128 MB")
    assert done.error["resource"] == "memory"
    # this process (the worker) is fine and runs the next job
    ok = runtime_services.jobs.submit(ORG, "alice", "allocate", {"mb": 16, "hold": 0})
    after = make_executor(runtime_services).run(ORG, ok.id).job
    assert after is not None and after.status is JobStatus.SUCCEEDED


def test_a_job_over_its_time_is_stopped(runtime_services: Services) -> None:
    job = runtime_services.jobs.submit(ORG, "alice", "slow", {"seconds": 20})
    started = time.monotonic()
    done = make_executor(runtime_services).run(ORG, job.id).job
    assert time.monotonic() - started < 10
    assert done is not None and done.status is JobStatus.FAILED
    assert done.error is not None
    assert done.error["message"] == "job exceeded its time limit of 1 s"


def test_a_crashing_task_fails_the_job_and_names_the_signal(runtime_services: Services) -> None:
    job = runtime_services.jobs.submit(ORG, "alice", "crash", {})
    done = make_executor(runtime_services).run(ORG, job.id).job
    assert done is not None and done.status is JobStatus.FAILED
    assert done.error is not None
    assert done.error["code"] == "job_crashed"
    assert "SIGSEGV" in done.error["message"]


def test_cancelling_a_running_job_kills_its_process(
    runtime_services: Services, tmp_path: Path
) -> None:
    marker = tmp_path / "pid"
    job = runtime_services.jobs.submit(
        ORG, "alice", "sleep", {"seconds": 30, "marker": str(marker)}
    )
    executor = make_executor(runtime_services)
    result: dict[str, object] = {}
    thread = threading.Thread(target=lambda: result.update(claim=executor.run(ORG, job.id)))
    thread.start()
    deadline = time.monotonic() + 20
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(marker.read_text())
    assert psutil.pid_exists(child)
    runtime_services.jobs.cancel(ORG, job.id, user="alice")
    started = time.monotonic()
    thread.join(15)
    assert not thread.is_alive() and time.monotonic() - started < 5
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == "zombie"
    assert runtime_services.jobs.get(ORG, job.id).status is JobStatus.CANCELLED


def test_a_stopping_worker_hands_its_job_back_to_the_queue(runtime_services: Services) -> None:
    job = runtime_services.jobs.submit(ORG, "alice", "sleep", {"seconds": 30})
    executor = make_executor(runtime_services)
    executor.stopping = lambda: True
    ended = executor.run(ORG, job.id).job
    assert ended is not None and ended.status is JobStatus.QUEUED
    assert "stopped" in (runtime_services.jobs.history(ORG, job.id)[-1].detail or "")


def test_quota_and_capabilities_make_a_job_wait_with_a_reason(runtime_services: Services) -> None:
    jobs = runtime_services.jobs
    first = jobs.submit(ORG, "alice", "echo", {})
    second = jobs.submit(ORG, "alice", "echo", {})
    busy = make_executor(runtime_services, org_concurrency=1)
    assert busy.claim(ORG, first.id).job is not None
    claim = busy.claim(ORG, second.id)
    assert claim.job is None
    assert claim.wait_reason == "organization acme already runs 1 jobs (its quota is 1 at once)"
    assert jobs.get(ORG, second.id).execution_metrics["waiting"] == claim.wait_reason
    gpu = jobs.submit(ORG, "alice", "gpu_only", {})
    cpu_only = make_executor(runtime_services, capabilities={"engine:vina"})
    assert cpu_only.claim(ORG, gpu.id).wait_reason == "this worker lacks gpu"
    assert make_executor(runtime_services, capabilities={"gpu"}).claim(ORG, gpu.id).job


def test_default_quota_allows_a_hundred_running_jobs_per_organization(
    runtime_services: Services,
) -> None:
    executor = make_executor(runtime_services)
    assert executor.org_concurrency >= 100
    claimed = 0
    for _ in range(101):
        job = runtime_services.jobs.submit(ORG, "alice", "echo", {})
        claimed += executor.claim(ORG, job.id).job is not None
    assert claimed == 100


def test_worker_names_are_unique_per_process() -> None:
    name = default_worker_name()
    assert name.startswith("worker@") and name.endswith(f":{os.getpid()}")
