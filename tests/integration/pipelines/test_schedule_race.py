"""Two schedulers on one database (SQLite file, PostgreSQL) start a due run exactly once."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest

from madlab.pipelines.schedules import Scheduler, ScheduleRunner
from madlab.pipelines.service import PipelineService
from madlab.pipelines.task import StoreFedQueue
from madlab.runtime.bus_memory import InMemoryEventBus
from madlab.runtime.service import JobService
from madlab.store.database import Store
from madlab.tasks.registry import TaskRegistry

SPEC = {"name": "nightly", "steps": [{"id": "a", "task": "dock", "parameters": {}}]}
POSTGRES_URLS = [
    os.environ.get("MADLAB_TEST_POSTGRES_URL", ""),
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
]


def _postgres() -> str | None:
    for url in filter(None, POSTGRES_URLS):
        try:
            psycopg.connect(url, connect_timeout=3).close()
        except psycopg.OperationalError:
            continue
        return url
    return None


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'madlab.db'}"
        return
    base = _postgres()
    if base is None:
        pytest.skip("no PostgreSQL server at 127.0.0.1:5432 (database test)")
    schema = f"sched_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


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
