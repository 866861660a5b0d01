"""Recovery of jobs whose worker died, and of jobs due for another attempt.

The store is the truth. A ``running`` job records the worker that claimed it
(name, host and process id, in its ``resource_usage``); when that worker is
gone — its process no longer exists on this host, or it has been silent in the
service registry for longer than the worker timeout — the job is moved back
to ``queued`` for another worker, or dead-lettered once it has used all its
attempts (a job that keeps killing its workers). ``retrying`` jobs go back to
``queued`` when their backoff has passed.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import psutil

from madlab.domain.jobs import Job, JobStatus
from madlab.domain.workers import Worker
from madlab.runtime.events import EventBus
from madlab.runtime.executor import move, retry_delay
from madlab.store.database import Store

log = logging.getLogger(__name__)

#: A running job that records no worker (one run by ``madlab dock`` in its own
#: process) is only taken back after this long without any update.
UNOWNED_AFTER_S = 3600.0

#: Most jobs handled by one recovery pass.
BATCH = 1000


def _now() -> datetime:
    return datetime.now(timezone.utc)


def holder_alive(
    job: Job,
    workers: dict[str, Worker],
    *,
    timeout_s: float,
    now: datetime | None = None,
    host: str | None = None,
) -> bool:
    """Whether the worker that claimed a running job may still be running it."""
    now = now or _now()
    host = host or socket.gethostname()
    usage = job.resource_usage
    name, pid, where = usage.get("worker"), usage.get("pid"), usage.get("host")
    if name is None:
        return now - job.updated_at < timedelta(seconds=max(timeout_s, UNOWNED_AFTER_S))
    if where == host and isinstance(pid, int):
        return psutil.pid_exists(pid)
    worker = workers.get(str(name))
    if worker is None:
        return now - job.updated_at < timedelta(seconds=timeout_s)
    return now - worker.last_heartbeat < timedelta(seconds=timeout_s)


def requeue(
    store: Store, events: EventBus, job: Job, *, reason: str, max_attempts: int
) -> Job | None:
    """Take a running job back from its lost worker.

    Returns the job ``queued`` again, or ``dead_lettered`` when it already ran
    ``max_attempts`` times; ``None`` when it changed meanwhile.
    """
    if job.attempt < max_attempts:
        return move(store, events, job, JobStatus.QUEUED, detail=reason)
    error = {
        "code": "worker_lost",
        "message": f"{reason}; the job ran {job.attempt} times without finishing",
        "hint": "the job may kill its workers (memory?); check its parameters and resources",
    }
    retrying = move(store, events, job, JobStatus.RETRYING, detail=reason, error=error)
    if retrying is None:
        return None
    return move(
        store,
        events,
        retrying,
        JobStatus.DEAD_LETTERED,
        detail=f"gave up after {job.attempt} attempts",
    )


def recover_lost_jobs(
    store: Store,
    events: EventBus,
    *,
    timeout_s: float,
    max_attempts: int,
    is_alive: Callable[[Job, dict[str, Worker]], bool] | None = None,
) -> list[Job]:
    """Re-queue (or dead-letter) every running job whose worker is gone.

    Parameters
    ----------
    store, events
        Where jobs are recorded and their transitions published.
    timeout_s
        Silence after which a worker on another host counts as gone.
    max_attempts
        Runs after which a job is dead-lettered instead.
    is_alive
        Overrides :func:`holder_alive` (tests, other schedulers).

    Returns
    -------
    list[Job]
        The jobs moved, as they are now.
    """
    now = _now()
    with store.unit_of_work() as uow:
        running = uow.jobs.list_stale(
            updated_before=now + timedelta(seconds=1), status=JobStatus.RUNNING, limit=BATCH
        )
        workers = {w.name: w for w in uow.workers.list()} if running else {}
    moved: list[Job] = []
    for job in running:
        alive = (
            is_alive(job, workers)
            if is_alive is not None
            else holder_alive(job, workers, timeout_s=timeout_s, now=now)
        )
        if alive:
            continue
        holder = job.resource_usage.get("worker") or "its process"
        done = requeue(
            store, events, job, reason=f"worker {holder} was lost", max_attempts=max_attempts
        )
        if done is not None:
            log.warning("job %s: worker %s was lost; now %s", job.id, holder, done.status.value)
            moved.append(done)
    return moved


def promote_retrying(store: Store, events: EventBus) -> list[Job]:
    """Move ``retrying`` jobs whose backoff has passed back to ``queued``."""
    now = _now()
    with store.unit_of_work() as uow:
        waiting = uow.jobs.list_stale(updated_before=now, status=JobStatus.RETRYING, limit=BATCH)
    out: list[Job] = []
    for job in waiting:
        delay = retry_delay(job)
        if now - job.updated_at < timedelta(seconds=delay):
            continue
        moved = move(store, events, job, JobStatus.QUEUED, detail=f"retry after {delay:g} s")
        if moved is not None:
            out.append(moved)
    return out
