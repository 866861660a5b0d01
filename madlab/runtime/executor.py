"""Runs one job: claim it, run its task held to its limits, record the end.

A worker (embedded or Celery) hands the executor the id of a ``queued`` job.
The executor claims it with the ``queued -> running`` transition, which only
one process can win, so a job delivered twice runs once. It builds the
:class:`~madlab.tasks.context.TaskContext`, runs the task's implementation in
a child process held to the job's CPUs, memory and time
(:func:`madlab.runtime.limits.run_limited`), and records the outputs and the
final state. Every transition is written to the store first, then published.
The job's working folder is removed when the job ends.

Failures end as follows: a :class:`~madlab.errors.TransientError` moves the
job to ``retrying`` (the queue runs it again after a backoff) or, after its
last attempt, to ``dead_lettered``; any other error fails it with the error's
message; a job over its memory or time is killed and failed with a
:class:`~madlab.errors.ResourceLimitError`; a cancelled job's process is
killed as soon as the cancellation is seen in the store.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from madlab.domain.jobs import Job, JobStatus
from madlab.domain.tasks import TaskDefinition
from madlab.engines.base import DockingEngine
from madlab.errors import (
    ConflictError,
    MadlabError,
    NotFoundError,
    ResourceLimitError,
    TransientError,
)
from madlab.runtime.events import Event, EventBus, EventType, Subscription
from madlab.runtime.limits import ChildExit, ResourceLimits, Send, quota_reason, run_limited
from madlab.runtime.queue import TaskCatalog, job_requires
from madlab.storage.artifacts import ArtifactStore
from madlab.store.database import Store
from madlab.tasks.context import TaskContext

log = logging.getLogger(__name__)

#: Seconds before a job's first retry; doubled for each further attempt.
RETRY_BACKOFF_S = 2.0
#: Longest wait between two attempts.
RETRY_BACKOFF_MAX_S = 300.0


def default_worker_name(prefix: str = "worker") -> str:
    """``prefix@host:pid``, unique among the running workers."""
    return f"{prefix}@{socket.gethostname()}:{os.getpid()}"


def retry_delay(job: Job, definition_config: Mapping[str, Any] | None = None) -> float:
    """Seconds to wait before running a ``retrying`` job again (exponential backoff)."""
    base = float((definition_config or {}).get("retry_backoff_s", RETRY_BACKOFF_S))
    return float(min(base * 2 ** max(job.attempt - 1, 0), RETRY_BACKOFF_MAX_S))


def state_event(job: Job, previous: JobStatus | None, **extra: Any) -> Event:
    """The ``job.state`` event of a transition that was just stored."""
    payload: dict[str, Any] = {
        "status": job.status.value,
        "previous": previous.value if previous else None,
        "attempt": job.attempt,
    }
    if job.error and job.status in (
        JobStatus.FAILED,
        JobStatus.RETRYING,
        JobStatus.DEAD_LETTERED,
    ):
        payload["error"] = job.error
    payload.update({k: v for k, v in extra.items() if v is not None})
    return Event(
        EventType.JOB_STATE,
        job.organization_id,
        job.id,
        payload,
        pipeline_id=job.pipeline_id,
    )


def move(
    store: Store,
    events: EventBus,
    job: Job,
    status: JobStatus,
    *,
    detail: str | None = None,
    error: Mapping[str, Any] | None = None,
    metrics: Mapping[str, Any] | None = None,
    usage: Mapping[str, Any] | None = None,
) -> Job | None:
    """Store a transition (with optional measurements), then publish it.

    Returns the moved job, or ``None`` when the job was meanwhile moved by
    someone else (cancelled, claimed) so that this move no longer applies.
    """
    try:
        with store.unit_of_work() as uow:
            current = uow.jobs.get(job.organization_id, job.id)
            if metrics or usage:
                uow.jobs.set_metrics(
                    job.organization_id, job.id, execution_metrics=metrics, resource_usage=usage
                )
            moved = uow.jobs.transition(
                job.organization_id, job.id, status, detail=detail, error=error
            )
    except ConflictError:
        return None
    _publish(events, state_event(moved, current.status, detail=detail))
    return moved


def _publish(events: EventBus, event: Event) -> None:
    try:
        events.publish(event)
    except Exception as err:  # the store has it; a lost notification is not a lost job
        log.warning("could not publish %s of job %s: %s", event.type, event.job_id, err)


@dataclass(frozen=True)
class Claim:
    """The answer to a claim: the running job, or why the job must wait."""

    job: Job | None = None
    wait_reason: str | None = None


class PipeBus(EventBus):
    """Publishes by sending each event to the parent process (used in job children)."""

    def __init__(self, send: Send) -> None:
        self._send = send

    def publish(self, event: Event) -> None:
        """Send ``event`` up the pipe."""
        self._send({"event": event.to_dict()})

    def subscribe(
        self,
        organization_id: str,
        *,
        job_id: str | None = None,
        pipeline_id: str | None = None,
    ) -> Subscription:
        """Not available in a job's process."""
        raise NotImplementedError("a job's process publishes events; it does not follow them")


class JobExecutor:
    """Claims and runs jobs in one worker process.

    Parameters
    ----------
    store, artifacts
        Where jobs, results and files are recorded.
    engine_factory
        Returns the docking engine adapter of a name.
    tasks
        The task registry (definitions and implementations).
    events
        Where transitions, progress and partial results are published.
    work_root
        Parent of the jobs' working folders.
    worker
        This worker's name in the service registry (recorded with each job).
    capabilities
        Capability names this worker offers (``None``: it runs every job).
    org_concurrency
        Most running jobs per organization.
    max_attempts
        Runs of a job before it is dead-lettered (a task's
        ``service_config["max_attempts"]`` overrides it).
    isolate
        Run each job in a limited child process (the default); ``False`` runs
        it in this process, with no limits (for tests and notebooks).
    """

    def __init__(
        self,
        *,
        store: Store,
        artifacts: ArtifactStore,
        engine_factory: Callable[[str], DockingEngine],
        tasks: TaskCatalog,
        events: EventBus,
        work_root: Path,
        worker: str | None = None,
        capabilities: Iterable[str] | None = None,
        org_concurrency: int = 100,
        max_attempts: int = 3,
        isolate: bool = True,
    ) -> None:
        self.store = store
        self.artifacts = artifacts
        self.engine_factory = engine_factory
        self.tasks = tasks
        self.events = events
        self.work_root = Path(work_root)
        self.worker = worker or default_worker_name()
        self.capabilities = None if capabilities is None else frozenset(capabilities)
        self.org_concurrency = org_concurrency
        self.max_attempts = max_attempts
        self.isolate = isolate
        #: Set by the worker when it shuts down: the running job is re-queued.
        self.stopping: Callable[[], bool] = lambda: False

    # -- claiming -----------------------------------------------------------

    def missing_capabilities(self, job: Job) -> list[str]:
        """Capabilities the job needs that this worker lacks."""
        if self.capabilities is None:
            return []
        return [c for c in job_requires(job) if c not in self.capabilities]

    def claim(self, organization_id: str, job_id: str) -> Claim:
        """Move a ``queued`` job to ``running`` for this worker.

        Returns an empty :class:`Claim` when the job is no longer queued (it
        ran, was cancelled, or another worker won it), and a claim with a
        ``wait_reason`` when it may not run here now (missing capabilities,
        the organization's quota); the reason is stored with the job.
        """
        with self.store.unit_of_work() as uow:
            job = uow.jobs.get(organization_id, job_id)
            if job.status is not JobStatus.QUEUED:
                return Claim()
            missing = self.missing_capabilities(job)
            running = uow.jobs.counts(organization_id).get(JobStatus.RUNNING, 0)
        reason = (
            f"this worker lacks {', '.join(missing)}"
            if missing
            else quota_reason(running, self.org_concurrency, organization_id)
        )
        if reason is not None:
            self.note_waiting(job, reason)
            return Claim(wait_reason=reason)
        usage = {"worker": self.worker, "host": socket.gethostname(), "pid": os.getpid()}
        claimed = move(
            self.store,
            self.events,
            job,
            JobStatus.RUNNING,
            detail=f"worker {self.worker}",
            metrics={"waiting": None},
            usage=usage,
        )
        return Claim(job=claimed)

    def note_waiting(self, job: Job, reason: str) -> None:
        """Record (once) why a queued job waits, and publish it."""
        if job.execution_metrics.get("waiting") == reason:
            return
        try:
            with self.store.unit_of_work() as uow:
                job = uow.jobs.set_metrics(
                    job.organization_id, job.id, execution_metrics={"waiting": reason}
                )
        except (ConflictError, NotFoundError):
            return
        _publish(self.events, state_event(job, job.status, waiting=reason))

    # -- running ------------------------------------------------------------

    def run(self, organization_id: str, job_id: str) -> Claim:
        """Claim the job and, when won, run it to its end.

        Returns
        -------
        Claim
            With the job as it ended, empty when there was nothing to run, or
            with the reason the job waits.
        """
        claim = self.claim(organization_id, job_id)
        if claim.job is None:
            return claim
        return Claim(job=self.execute(claim.job))

    def execute(self, job: Job) -> Job:
        """Run a job this worker claimed, and return it as it ended."""
        try:
            definition = self.tasks.get(
                job.task_id, job.task_version, organization_id=job.organization_id
            )
        except MadlabError as err:
            move(self.store, self.events, job, JobStatus.FAILED, error=err.to_dict())
            return self._reload(job)
        requested = dict(job.resource_usage.get("requested") or {})
        limits = (
            ResourceLimits.from_dict(requested)
            if requested
            else ResourceLimits.from_config(definition.service_config, job.parameters)
        )
        workdir = Path(tempfile.mkdtemp(prefix=f"job-{job.id[:8]}-", dir=self._work_root()))
        try:
            if self.isolate:
                self.store.engine.dispose()  # the child must not share our connections
                ended = run_limited(
                    lambda send: self._body(job, definition, workdir, PipeBus(send)),
                    limits,
                    on_message=self._relay,
                    should_stop=lambda: self._should_stop(job),
                )
                self._after_child(job, ended, limits)
            else:
                self._body(job, definition, workdir, self.events)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return self._reload(job)

    def _work_root(self) -> Path:
        self.work_root.mkdir(parents=True, exist_ok=True)
        return self.work_root

    def _reload(self, job: Job) -> Job:
        with self.store.unit_of_work() as uow:
            return uow.jobs.get(job.organization_id, job.id)

    def _relay(self, message: dict[str, Any]) -> None:
        if "event" in message:
            _publish(self.events, Event.from_dict(message["event"]))

    def _still_ours(self, job: Job) -> bool:
        try:
            current = self._reload(job)
        except MadlabError:
            return True  # the store is unreachable: keep going, the end is written later
        return current.status is JobStatus.RUNNING and current.attempt == job.attempt

    def _should_stop(self, job: Job) -> bool:
        return self.stopping() or not self._still_ours(job)

    def _body(self, job: Job, definition: TaskDefinition, workdir: Path, bus: EventBus) -> None:
        """Run the task and record its end (in the job's child process)."""
        org, job_id = job.organization_id, job.id

        def progress(done: int, total: int) -> None:
            _publish(
                bus, Event(EventType.JOB_PROGRESS, org, job_id, {"done": done, "total": total})
            )

        def partial(payload: dict[str, Any]) -> None:
            _publish(bus, Event(EventType.JOB_PARTIAL, org, job_id, payload))

        ctx = TaskContext(
            organization_id=org,
            job_id=job_id,
            user=job.user,
            store=self.store,
            artifacts=self.artifacts,
            engine_factory=self.engine_factory,
            workdir=workdir,
            on_progress=progress,
            on_partial=partial,
            is_cancelled=lambda: not self._still_ours(job),
        )
        started = time.perf_counter()
        try:
            implementation = self.tasks.implementation(definition)
            outputs = implementation(ctx, dict(job.parameters))
        except TransientError as err:
            self._retry_or_dead_letter(job, definition, err.to_dict(), bus)
            return
        except MemoryError:
            limit = (job.resource_usage.get("requested") or {}).get("memory_mb")
            err2 = ResourceLimitError(
                f"job exceeded its memory limit of {limit} MB"
                if limit
                else "job ran out of memory",
                resource="memory",
                limit=float(limit or 0),
                hint="ask for more memory in the task's resources, or split the job",
            )
            move(self.store, bus, job, JobStatus.FAILED, error=err2.to_dict())
            return
        except MadlabError as err:
            move(self.store, bus, job, JobStatus.FAILED, error=err.to_dict())
            return
        except Exception as err:
            log.exception("job %s failed", job_id)
            error = {"code": "internal_error", "message": f"{type(err).__name__}: {err}"}
            move(self.store, bus, job, JobStatus.FAILED, error=error)
            return
        seconds = round(time.perf_counter() - started, 3)
        metrics = {"seconds": seconds, "outputs": outputs if isinstance(outputs, dict) else {}}
        failure = outputs.get("error") if isinstance(outputs, dict) else None
        if isinstance(failure, dict) and failure.get("code") and failure.get("message"):
            move(self.store, bus, job, JobStatus.FAILED, error=failure, metrics=metrics)
        else:
            move(self.store, bus, job, JobStatus.SUCCEEDED, metrics=metrics)

    def _retry_or_dead_letter(
        self, job: Job, definition: TaskDefinition, error: dict[str, Any], bus: EventBus
    ) -> None:
        attempts = int(definition.service_config.get("max_attempts", self.max_attempts))
        detail = f"attempt {job.attempt} of {attempts} failed: {error['message']}"
        retrying = move(self.store, bus, job, JobStatus.RETRYING, error=error, detail=detail)
        if retrying is not None and job.attempt >= attempts:
            move(
                self.store,
                bus,
                retrying,
                JobStatus.DEAD_LETTERED,
                detail=f"gave up after {job.attempt} attempts",
            )

    def _after_child(self, job: Job, ended: ChildExit, limits: ResourceLimits) -> None:
        usage = {"peak_rss_mb": ended.peak_rss_mb, "seconds": round(ended.seconds, 3)}
        try:
            with self.store.unit_of_work() as uow:
                uow.jobs.set_metrics(job.organization_id, job.id, resource_usage=usage)
        except MadlabError as err:
            log.warning("could not record the resources of job %s: %s", job.id, err)
        if ended.reason == "stopped":
            if self.stopping() and self._still_ours(job):
                move(
                    self.store,
                    self.events,
                    job,
                    JobStatus.QUEUED,
                    detail=f"worker {self.worker} stopped; the job waits for another run",
                )
            return
        error: dict[str, Any] | None = None
        if ended.reason == "memory":
            error = ResourceLimitError(
                f"job exceeded its memory limit of {limits.memory_mb} MB "
                f"(it reached {ended.peak_rss_mb:.0f} MB)",
                resource="memory",
                limit=float(limits.memory_mb or 0),
                hint="ask for more memory in the task's resources, or split the job",
            ).to_dict()
        elif ended.reason == "time":
            error = ResourceLimitError(
                f"job exceeded its time limit of {limits.time_limit_s:g} s",
                resource="time",
                limit=float(limits.time_limit_s or 0),
                hint="ask for a longer time limit in the task's resources, or split the job",
            ).to_dict()
        elif ended.reason == "crashed":
            name = signal.Signals(ended.signal).name if ended.signal else "a signal"
            error = {
                "code": "job_crashed",
                "message": f"the job's process was killed by {name}",
                "hint": "the machine may have run out of memory; see the worker's log"
                if ended.signal == signal.SIGKILL
                else "the task's code or a program it runs crashed; see the worker's log",
            }
        elif self._still_ours(job):
            error = {
                "code": "internal_error",
                "message": f"the job's process ended (status {ended.exit_code}) "
                "without recording the job's end",
                "hint": "see the worker's log",
            }
        if error is not None:
            move(self.store, self.events, job, JobStatus.FAILED, error=error)
