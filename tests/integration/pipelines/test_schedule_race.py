"""Two schedulers on one database (SQLite file, PostgreSQL) start a due run exactly once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from madlab.pipelines.schedules import Scheduler, ScheduleRunner
from madlab.pipelines.service import PipelineService
from madlab.pipelines.task import StoreFedQueue
from madlab.runtime.bus_memory import InMemoryEventBus
from madlab.runtime.service import JobService
from madlab.store.database import Store
from madlab.tasks.registry import TaskRegistry
from tests.postgres import UNREACHABLE, fresh_schema, reachable_postgres

SPEC = {"name": "nightly", "steps": [{"id": "a", "task": "dock", "parameters": {}}]}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'madlab.db'}"
        return
    base = reachable_postgres() or pytest.skip(UNREACHABLE)
    with fresh_schema(base, "sched") as url:
        yield url


def service(url: str) -> PipelineService:
    """A process's own pipeline service: its own engine and connections."""
    store = Store(url)
    jobs = JobService(
        store=store, tasks=TaskRegistry(store), queue=StoreFedQueue(), events=InMemoryEventBus()
    )
    return PipelineService(store, jobs)


def test_a_due_schedule_fires_exactly_once_with_two_schedulers(database_url: str) -> None:
    first, second = service(database_url), service(database_url)
    first.store.upgrade()
    with first.store.unit_of_work() as uow:
        uow.organizations.ensure("acme")
    saved = first.create("acme", "alice", SPEC)
    # due a minute ago; the next time is tomorrow at 02:00, after the test
    planted = Scheduler(first, clock=lambda: datetime.now(timezone.utc) - timedelta(days=1))
    schedules = [planted.add("acme", "alice", "0 2 * * *", saved.id, {"k": k}) for k in range(4)]
    runners = [ScheduleRunner(Scheduler(s), interval_s=0.01) for s in (first, second)]
    both = threading.Barrier(2)
    for runner in runners:  # start together, to race for the same due times
        threading.Thread(target=lambda r=runner: (both.wait(), r.start())).start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            done = [s for s in Scheduler(first).list("acme") if s.last_job_id]
            if len(done) == len(schedules):
                break
            time.sleep(0.05)
        time.sleep(0.3)  # both loops look again: nothing more is due
        assert all(r.running for r in runners)
    finally:
        for runner in runners:
            runner.stop()
    runs = first.jobs.list("acme", task_id="pipeline").items
    assert sorted(r.parameters["inputs"]["k"] for r in runs) == [0, 1, 2, 3]
    after = {s.id: s for s in Scheduler(first).list("acme")}
    for schedule in schedules:  # each recorded its one run and moved on to tomorrow
        assert after[schedule.id].last_job_id in {r.id for r in runs}
        assert after[schedule.id].next_run_at > datetime.now(timezone.utc)
    for s in (first, second):
        s.store.dispose()
