"""The Celery adapter in this process: messages in Redis, the reconciler, the task's outcomes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from madlab.bootstrap import Services, build_services
from madlab.domain.jobs import JobStatus
from madlab.errors import TransientError
from madlab.runtime import celery_app as celery_module
from madlab.runtime.bus_memory import InMemoryEventBus
from madlab.runtime.celery_app import TASK_NAME, JobMessage, make_app, set_worker_executor
from madlab.runtime.celery_queue import CeleryQueue
from madlab.runtime.executor import JobExecutor, move
from madlab.settings import Settings

from .conftest import ORG, ensure_redis, register_samples

BROKER = "redis://127.0.0.1:6379/6"


@pytest.fixture()
def distributed(tmp_path: Path) -> Iterator[Services]:
    """Services whose queue is Celery on Redis database 6 (emptied), over a SQLite store."""
    ensure_redis()
    redis.Redis.from_url(BROKER).flushdb()
    settings = Settings.from_env(
        {"MADLAB_HOME": str(tmp_path / "home"), "MADLAB_BROKER_URL": BROKER}
    )
    services = build_services(settings)
    services.events = InMemoryEventBus()
    register_samples(services)
    yield services
    redis.Redis.from_url(BROKER).flushdb()
    services.store.dispose()


def test_each_job_is_one_message_in_its_queue_and_lost_ones_are_sent_again(
    distributed: Services,
) -> None:
    queue = distributed.queue
    assert isinstance(queue, CeleryQueue)
    jobs = distributed.jobs
    ids = {jobs.submit(ORG, "alice", "echo", {"n": i}).id for i in range(3)}
    gpu = jobs.submit(ORG, "alice", "gpu_only", {}, priority="high")
    assert queue.broker_job_ids() == ids | {gpu.id}
    client = redis.Redis.from_url(BROKER)
    assert client.llen("docking.standard:9") == 3  # standard jobs: Redis priority 9
    assert client.llen("docking.high_priority.gpu") == 1  # high priority: Redis priority 0
    client.flushdb()  # the broker forgets everything, as after a restart
    assert queue.broker_job_ids() == set()
    none_yet = queue.reconcile(
        distributed.store, distributed.events, worker_timeout_s=30, max_attempts=3
    )
    assert none_yet == []  # too recent: their messages may still be on the way
    with distributed.store.unit_of_work() as uow:  # age the jobs past the grace period
        from sqlalchemy import text

        uow.session.execute(text("UPDATE task_executions SET updated_at = '2000-01-01 00:00:00'"))
    sent = queue.reconcile(
        distributed.store, distributed.events, worker_timeout_s=30, max_attempts=3
    )
    assert {j.id for j in sent} == ids | {gpu.id}
    assert queue.broker_job_ids() == ids | {gpu.id}


def test_an_unreachable_broker_keeps_the_job_queued_in_the_store(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"MADLAB_HOME": str(tmp_path / "home"), "MADLAB_BROKER_URL": "redis://127.0.0.1:1/0"}
    )
    services = build_services(settings)
    services.events = InMemoryEventBus()
    register_samples(services)
    queue = services.queue
    assert isinstance(queue, CeleryQueue)
    job = services.jobs.submit(ORG, "alice", "echo", {})
    assert services.jobs.get(ORG, job.id).status is JobStatus.QUEUED
    with pytest.raises(TransientError, match="cannot send job"):
        queue.enqueue(job)
    queue.revoke(job)  # best effort: logs, never raises
    services.store.dispose()


def run_task(job_id: str) -> object:
    task = make_app(Settings.from_env({"MADLAB_BROKER_URL": BROKER})).tasks[TASK_NAME]
    return task.apply(kwargs=JobMessage(organization_id=ORG, job_id=job_id).model_dump()).get()


def test_the_task_runs_retries_and_dead_letters_jobs(distributed: Services, tmp_path: Path) -> None:
    executor = JobExecutor(
        store=distributed.store,
        artifacts=distributed.artifacts,
        engine_factory=distributed.engine,
        tasks=distributed.tasks,
        events=distributed.events,
        work_root=distributed.work_root,
        worker="eager@test",
    )
    set_worker_executor(executor)
    try:
        ok = distributed.jobs.submit(ORG, "alice", "echo", {})
        assert run_task(ok.id) == "succeeded"
        assert run_task(ok.id) == "skipped"  # delivered again: it runs once
        flaky = distributed.jobs.submit(ORG, "alice", "flaky", {"counter": str(tmp_path / "n")})
        run_task(flaky.id)  # eager retries run at once
        final = distributed.jobs.get(ORG, flaky.id)
        assert final.status is JobStatus.DEAD_LETTERED and final.attempt == 3
        details = [e.detail for e in distributed.jobs.history(ORG, flaky.id)]
        assert "retry in 0.5 s" in details or "retry in 2 s" in details
        executor.org_concurrency = 0
        waiting = distributed.jobs.submit(ORG, "alice", "echo", {})
        with pytest.raises(Exception, match="Retry"):
            task = make_app(Settings.from_env({"MADLAB_BROKER_URL": BROKER})).tasks[TASK_NAME]
            task.apply(
                kwargs={"organization_id": ORG, "job_id": waiting.id}, throw=True, retries=0
            ).get()
        executor.org_concurrency = 100
        celery_module._fail_time_limit(executor, JobMessage(organization_id=ORG, job_id=waiting.id))
        assert distributed.jobs.get(ORG, waiting.id).status is JobStatus.QUEUED  # not running
        running = move(distributed.store, distributed.events, waiting, JobStatus.RUNNING)
        assert running is not None
        celery_module._fail_time_limit(executor, JobMessage(organization_id=ORG, job_id=waiting.id))
        timed_out = distributed.jobs.get(ORG, waiting.id)
        assert timed_out.error is not None and timed_out.error["resource"] == "time"
    finally:
        set_worker_executor(None)
