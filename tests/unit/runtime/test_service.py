"""The job service: what a user sees when submitting, cancelling, following and waiting."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from sqlalchemy import event as sql

from madlab.bootstrap import Services
from madlab.domain.jobs import Job, JobStatus
from madlab.domain.workers import WorkerStatus
from madlab.errors import ConflictError, NotFoundError, TimedOutError, ValidationError
from madlab.runtime.events import Event, EventBus, EventType, Subscription
from madlab.runtime.executor import move
from madlab.runtime.queue import HIGH_PRIORITY_QUEUE, STANDARD_QUEUE
from madlab.runtime.service import Submission

from .conftest import ORG
from .sample_tasks import definition


def drain(sub: Subscription) -> list[Event]:
    out = []
    while (event := sub.get(timeout=0.05)) is not None:
        out.append(event)
    return out


def test_submit_stores_a_queued_job_then_publishes_each_transition(
    runtime_services: Services,
) -> None:
    jobs = runtime_services.jobs
    with runtime_services.events.subscribe(ORG) as sub:
        job = jobs.submit(ORG, "alice", "echo", {"word": "hi"}, name="first")
        events = drain(sub)
    assert job.status is JobStatus.QUEUED
    assert job.queue == STANDARD_QUEUE and job.priority == 0
    assert job.name == "first" and job.user == "alice"
    assert job.resource_usage["requested"] == {
        "cpus": 1,
        "memory_mb": 1024,
        "time_limit_s": None,
        "requires": [],
    }
    assert [e.payload["status"] for e in events] == ["submitted", "queued"]
    assert all(e.job_id == job.id and e.type == EventType.JOB_STATE for e in events)
    history = jobs.history(ORG, job.id)
    assert [e.to_status for e in history] == [JobStatus.SUBMITTED, JobStatus.QUEUED]
    assert jobs.get(ORG, job.id) == job
    assert [j.id for j in jobs.list(ORG).items] == [job.id]


def test_bad_parameters_are_refused_before_anything_is_stored(runtime_services: Services) -> None:
    with pytest.raises(ValidationError) as info:
        runtime_services.jobs.submit(ORG, "alice", "echo", {"word": 3, "n": "x"})
    fields = {e["field"] for e in info.value.details["errors"]}
    assert fields == {"word", "n"}
    assert runtime_services.jobs.list(ORG).items == []


def test_unknown_task_priority_or_capability_are_named(runtime_services: Services) -> None:
    jobs = runtime_services.jobs
    with pytest.raises(NotFoundError):
        jobs.submit(ORG, "alice", "nope", {})
    with pytest.raises(NotFoundError):
        jobs.submit("other", "bob", "echo", {})  # another organization's task
    with pytest.raises(ValidationError, match="unknown priority 'urgent'"):
        jobs.submit(ORG, "alice", "echo", {}, priority="urgent")
    with pytest.raises(ValidationError, match="cannot contain"):
        jobs.submit(ORG, "alice", "echo", {}, requires=["two words"])
    with pytest.raises(ValidationError, match="JSON object"):
        jobs.submit(ORG, "alice", "echo", [1, 2])  # type: ignore[arg-type]


def test_a_deprecated_version_takes_no_new_jobs(runtime_services: Services) -> None:
    tasks = runtime_services.tasks
    tasks.register(
        definition("echo", "echo").__class__(
            **{**definition("echo", "echo").__dict__, "version": "2"}
        ),
        organization_id=ORG,
    )
    tasks.deprecate("echo", "1", organization_id=ORG)
    with pytest.raises(ConflictError, match="deprecated"):
        runtime_services.jobs.submit(ORG, "alice", "echo", {}, version="1")
    job = runtime_services.jobs.submit(ORG, "alice", "echo", {})
    assert job.task_version == "2"


def test_high_priority_and_capabilities_choose_the_queue(runtime_services: Services) -> None:
    jobs = runtime_services.jobs
    high = jobs.submit(ORG, "alice", "echo", {}, priority="high")
    assert high.queue == HIGH_PRIORITY_QUEUE and high.priority == 9
    gpu = jobs.submit(ORG, "alice", "gpu_only", {}, requires=["engine:gnina"])
    assert gpu.queue == f"{STANDARD_QUEUE}.engine:gnina+gpu"
    assert gpu.resource_usage["requested"]["requires"] == ["engine:gnina", "gpu"]
    assert gpu.execution_metrics["waiting"] == (
        "no online worker offers engine:gnina, gpu; the job waits for one"
    )


def test_no_waiting_reason_when_an_online_worker_has_the_capability(
    runtime_services: Services,
) -> None:
    with runtime_services.store.unit_of_work() as uow:
        uow.workers.heartbeat("gpu-box", capabilities={"gpu": True, "gpus": ["H100"]})
        uow.workers.heartbeat("old-gpu", capabilities={"gpu": True}, status=WorkerStatus.OFFLINE)
    job = runtime_services.jobs.submit(ORG, "alice", "gpu_only", {})
    assert "waiting" not in job.execution_metrics


def test_a_batch_is_recorded_in_one_transaction_and_each_bad_one_gets_its_own_error(
    runtime_services: Services,
) -> None:
    jobs = runtime_services.jobs
    statements: list[str] = []
    sql.listen(
        runtime_services.store.engine, "before_cursor_execute", lambda *a: statements.append(a[2])
    )
    batch = [Submission(ORG, "alice", "echo", {"word": f"w{i}"}, name=f"n{i}") for i in range(20)]
    batch[3] = Submission(ORG, "alice", "echo", {"word": 3})
    batch[7] = Submission(ORG, "alice", "nope", {})
    batch[9] = Submission("other", "bob", "echo", {})
    batch[12] = Submission(ORG, "alice", "gpu_only", {}, priority="high")
    batch[15] = Submission(ORG, "alice", "echo", {}, priority="urgent")
    with runtime_services.events.subscribe(ORG) as sub:
        outcomes = jobs.submit_many(batch)
        events = drain(sub)
    # task definitions read once each, workers once, then one insert per table
    assert len(statements) <= 8
    errors = {i: o for i, o in enumerate(outcomes) if not isinstance(o, Job)}
    assert set(errors) == {3, 7, 9, 15}
    assert isinstance(errors[3], ValidationError) and errors[3].field == "word"
    assert isinstance(errors[7], NotFoundError) and isinstance(errors[9], NotFoundError)
    assert "urgent" in str(errors[15])
    recorded = [o for o in outcomes if isinstance(o, Job)]
    assert [j.name for j in recorded if j.task_id == "echo"] == [
        f"n{i}" for i in range(20) if i not in {3, 7, 9, 12, 15}
    ]
    assert all(j.status is JobStatus.QUEUED for j in recorded)
    gpu = outcomes[12]
    assert isinstance(gpu, Job) and gpu.queue.startswith(HIGH_PRIORITY_QUEUE)
    assert "no online worker offers gpu" in gpu.execution_metrics["waiting"]
    assert {j.id for j in jobs.list(ORG, limit=100).items} == {j.id for j in recorded}
    for job in recorded:
        mine = [e.payload["status"] for e in events if e.job_id == job.id]
        assert mine == ["submitted", "queued"]
        assert [e.to_status for e in jobs.history(ORG, job.id)] == [
            JobStatus.SUBMITTED,
            JobStatus.QUEUED,
        ]
    waiting = next(e for e in events if e.job_id == gpu.id and e.payload["status"] == "queued")
    assert "gpu" in waiting.payload["waiting"]


def test_a_batch_whose_transaction_fails_is_recorded_one_by_one(
    runtime_services: Services,
) -> None:
    jobs = runtime_services.jobs
    good = Submission(ORG, "alice", "echo", {"word": "kept"})
    lost = Submission(ORG, "alice", "echo", {}, pipeline_id=str(uuid.uuid4()))
    first, second, third = jobs.submit_many([good, lost, good])
    assert isinstance(first, Job) and isinstance(third, Job)
    assert isinstance(second, NotFoundError) and "pipeline" in str(second)
    assert {j.id for j in jobs.list(ORG).items} == {first.id, third.id}
    with pytest.raises(NotFoundError, match="pipeline"):
        jobs.submit(ORG, "alice", "echo", {}, pipeline_id=str(uuid.uuid4()))


def test_cancel_a_queued_job_at_once_and_refuse_ended_ones(runtime_services: Services) -> None:
    jobs = runtime_services.jobs
    job = jobs.submit(ORG, "alice", "echo", {})
    with runtime_services.events.subscribe(ORG, job_id=job.id) as sub:
        cancelled = jobs.cancel(ORG, job.id, user="alice")
        events = drain(sub)
    assert cancelled.status is JobStatus.CANCELLED
    assert events[0].payload["status"] == "cancelled"
    assert jobs.history(ORG, job.id)[-1].detail == "cancelled by alice"
    assert jobs.cancel(ORG, job.id).status is JobStatus.CANCELLED  # again: no change
    done = jobs.submit(ORG, "alice", "echo", {})
    move(runtime_services.store, runtime_services.events, done, JobStatus.RUNNING)
    move(runtime_services.store, runtime_services.events, done, JobStatus.SUCCEEDED)
    with pytest.raises(ConflictError, match="already succeeded"):
        jobs.cancel(ORG, done.id)
    with pytest.raises(NotFoundError):
        jobs.cancel("other", job.id)


def test_wait_times_out_with_a_typed_error(runtime_services: Services) -> None:
    job = runtime_services.jobs.submit(ORG, "alice", "echo", {})
    started = time.monotonic()
    with pytest.raises(TimedOutError, match=r"still queued after 0\.3 s"):
        runtime_services.jobs.wait(ORG, job.id, timeout=0.3)
    assert time.monotonic() - started < 3


class UnreachableBus(EventBus):
    """A bus whose server cannot be reached: publishing and subscribing fail."""

    def publish(self, event: Event) -> None:
        raise ConnectionError("bus down")

    def subscribe(self, organization_id: str, **_: Any) -> Subscription:
        raise ConnectionError("bus down")


def test_follow_falls_back_to_the_store_when_no_bus_is_reachable(
    runtime_services: Services,
) -> None:
    runtime_services.events = UnreachableBus()
    jobs = runtime_services.jobs
    job = jobs.submit(ORG, "alice", "echo", {})  # publishing fails: the job is stored anyway
    assert jobs.get(ORG, job.id).status is JobStatus.QUEUED
    seen: list[str] = []
    for event in jobs.follow(ORG, job.id, timeout=10, poll_s=0.05):
        seen.append(f"{event.type}:{event.payload.get('status', event.payload.get('done'))}")
        if len(seen) == 1:
            store, bus = runtime_services.store, runtime_services.events
            running = move(store, bus, job, JobStatus.RUNNING)
            assert running is not None
        elif len(seen) == 2:
            with runtime_services.store.unit_of_work() as uow:
                uow.jobs.set_progress(ORG, job.id, done=1, total=2)
        elif len(seen) == 3:
            move(runtime_services.store, runtime_services.events, running, JobStatus.SUCCEEDED)
    assert seen == [
        "job.state:queued",
        "job.state:running",
        "job.progress:1",
        "job.state:succeeded",
    ]
    assert jobs.wait(ORG, job.id, timeout=1).status is JobStatus.SUCCEEDED
