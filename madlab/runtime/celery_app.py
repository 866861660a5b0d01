"""The Celery application of distributed mode, and its one task: run a job.

``celery -A madlab.runtime.celery_app worker`` (or ``madlab worker``) runs it.
The broker is ``MADLAB_BROKER_URL`` (Redis). Messages are acknowledged late
and rejected back to the queue when the worker process dies, so a job whose
worker was killed is delivered again; the claim in the store
(:meth:`~madlab.runtime.executor.JobExecutor.claim`) makes sure a job runs
once however often it is delivered. Results are not kept by Celery: the store
has them.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from celery import Celery, Task
from celery.exceptions import SoftTimeLimitExceeded
from kombu import Exchange, Queue
from pydantic import BaseModel, ConfigDict

from madlab.domain.jobs import JobStatus
from madlab.errors import ResourceLimitError
from madlab.runtime.executor import JobExecutor, move, retry_delay
from madlab.runtime.queue import HIGH_PRIORITY_QUEUE, STANDARD_QUEUE
from madlab.settings import Settings

log = logging.getLogger(__name__)

TASK_NAME = "madlab.run_job"

#: Seconds before a job that must wait (quota, capability) is offered again.
WAIT_COUNTDOWN_S = 5.0

#: Seconds an unacknowledged message stays reserved by a worker before the
#: broker hands it to another one (longer than any job: lost workers are
#: detected by the store's recovery instead).
VISIBILITY_TIMEOUT_S = 12 * 3600


class JobMessage(BaseModel):
    """The payload of a ``madlab.run_job`` message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organization_id: str
    job_id: str


def _queue(name: str) -> Queue:
    """A queue with its own direct exchange, as Celery makes for capability queues."""
    return Queue(name, Exchange(name, type="direct"), routing_key=name)


def make_app(settings: Settings | None = None) -> Celery:
    """The Celery application for ``settings`` (``MADLAB_*`` by default)."""
    settings = settings or Settings.from_env()
    broker = settings.broker_url or "redis://127.0.0.1:6379/0"
    app = Celery("madlab", broker=broker, set_as_current=False)
    app.conf.update(
        task_queues=[_queue(HIGH_PRIORITY_QUEUE), _queue(STANDARD_QUEUE)],
        task_default_queue=STANDARD_QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": VISIBILITY_TIMEOUT_S,
            "queue_order_strategy": "priority",
            "priority_steps": list(range(10)),
            "sep": ":",
            "socket_connect_timeout": 3,
            "socket_timeout": 10,
        },
        task_publish_retry=True,
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0.2,
            "interval_step": 0.5,
            "interval_max": 1.0,
        },
    )
    app.register_task(RunJob())
    return app


class _WorkerState:
    """The executor of this worker process, built on first use."""

    def __init__(self) -> None:
        self.executor: JobExecutor | None = None
        self.pid = 0
        self.lock = threading.Lock()


_state = _WorkerState()


def worker_executor() -> JobExecutor:
    """The executor of this process, built from the environment on first use."""
    with _state.lock:
        if _state.executor is None or _state.pid != os.getpid():
            from madlab.runtime.worker import build_worker_executor

            _state.executor = build_worker_executor(Settings.from_env())
            _state.pid = os.getpid()
        return _state.executor


def set_worker_executor(executor: JobExecutor | None) -> None:
    """Use ``executor`` for the jobs of this process (``None``: build from settings)."""
    with _state.lock:
        _state.executor = executor
        _state.pid = os.getpid()


class RunJob(Task):
    """Run one job: claim it in the store, run it, retry or dead-letter on transient errors."""

    name = TASK_NAME
    acks_late = True
    reject_on_worker_lost = True
    max_retries = None
    ignore_result = True

    def run(self, *args: Any, **kwargs: Any) -> str:
        """Run the job named by the message; returns the state it ended in."""
        message = JobMessage.model_validate(kwargs)
        executor = worker_executor()
        try:
            claim = executor.run(message.organization_id, message.job_id)
        except SoftTimeLimitExceeded:
            _fail_time_limit(executor, message)
            return JobStatus.FAILED.value
        if claim.wait_reason is not None:
            raise self.retry(countdown=WAIT_COUNTDOWN_S, max_retries=None)
        job = claim.job
        if job is None:
            return "skipped"
        if job.status is JobStatus.RETRYING:
            delay = retry_delay(job)
            queued = move(
                executor.store,
                executor.events,
                job,
                JobStatus.QUEUED,
                detail=f"retry in {delay:g} s",
            )
            if queued is not None:
                raise self.retry(countdown=delay, max_retries=None)
        return job.status.value


def _fail_time_limit(executor: JobExecutor, message: JobMessage) -> None:
    with executor.store.unit_of_work() as uow:
        job = uow.jobs.get(message.organization_id, message.job_id)
    limit = (job.resource_usage.get("requested") or {}).get("time_limit_s") or 0
    error = ResourceLimitError(
        f"job exceeded its time limit of {limit:g} s",
        resource="time",
        limit=float(limit),
        hint="ask for a longer time limit in the task's resources, or split the job",
    )
    move(executor.store, executor.events, job, JobStatus.FAILED, error=error.to_dict())


#: The application ``celery -A madlab.runtime.celery_app`` finds.
app = make_app()
celery = app


def _install() -> None:
    from madlab.runtime.worker import install_signal_handlers

    install_signal_handlers()


_install()
