"""Schedules: CRON parsing, due runs started once and recorded like any other run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from madlab.errors import NotFoundError, ValidationError
from madlab.pipelines.schedules import Scheduler, next_time
from madlab.pipelines.service import PipelineService
from madlab.pipelines.task import StoreFedQueue
from madlab.runtime.bus_memory import InMemoryEventBus
from madlab.runtime.service import JobService
from madlab.store.database import Store
from madlab.tasks.registry import TaskRegistry

SPEC = {"name": "nightly", "steps": [{"id": "a", "task": "dock", "parameters": {}}]}
START = datetime(2026, 1, 1, 0, 30, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture()
def pipelines(tmp_path: Path) -> Iterator[PipelineService]:
    store = Store(f"sqlite:///{tmp_path / 'madlab.db'}")
    store.upgrade()
    with store.unit_of_work() as uow:
        uow.organizations.ensure("acme")
    jobs = JobService(
        store=store, tasks=TaskRegistry(store), queue=StoreFedQueue(), events=InMemoryEventBus()
    )
    yield PipelineService(store, jobs)
    store.dispose()


def test_next_time() -> None:
    assert next_time("0 2 * * *", START) == START.replace(hour=2, minute=0)
    with pytest.raises(ValidationError, match="not a CRON expression"):
        next_time("every night", START)


def test_due_schedules_start_one_run_each(pipelines: PipelineService) -> None:
    clock = Clock()
    scheduler = Scheduler(pipelines, clock=clock)
    saved = pipelines.create("acme", "alice", SPEC)
    schedule = scheduler.add("acme", "alice", "0 2 * * *", saved.id, {"x": 1})
    assert schedule.next_run_at == START.replace(hour=2, minute=0)
    assert scheduler.run_due() == []
    clock.now = START + timedelta(hours=2)
    started = scheduler.run_due()
    assert len(started) == 1
    run = started[0]
    assert run.task_id == "pipeline" and run.pipeline_id == saved.id
    assert run.parameters["inputs"] == {"x": 1} and run.user == "alice"
    assert scheduler.run_due() == []  # moved on to the next night
    [after] = scheduler.list("acme")
    assert after.last_job_id == run.id
    assert after.next_run_at == START.replace(day=2, hour=2, minute=0)
    assert after.to_dict()["cron"] == "0 2 * * *"
    scheduler.remove("acme", schedule.id)
    assert scheduler.list("acme") == []
    with pytest.raises(NotFoundError):
        scheduler.remove("acme", schedule.id)


def test_loop_runs_until_stopped(pipelines: PipelineService) -> None:
    clock = Clock()
    scheduler = Scheduler(pipelines, clock=clock)
    saved = pipelines.create("acme", "alice", SPEC)
    scheduler.add("acme", "alice", "* * * * *", saved.id)
    clock.now = START + timedelta(minutes=5)
    stop = threading.Event()
    thread = threading.Thread(target=scheduler.loop, args=(stop,), kwargs={"interval_s": 0.05})
    thread.start()
    try:
        deadline = datetime.now() + timedelta(seconds=10)
        while not scheduler.list("acme")[0].last_job_id and datetime.now() < deadline:
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(5)
    assert scheduler.list("acme")[0].last_job_id is not None
    assert len(pipelines.jobs.list("acme", task_id="pipeline").items) == 1
