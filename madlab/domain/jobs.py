"""Jobs: the state machine of a task execution and what the store returns about it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from madlab.errors import ConflictError


class JobStatus(str, Enum):
    """The one state machine of a task execution (a job)."""

    SUBMITTED = "submitted"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    RETRYING = "retrying"
    DEAD_LETTERED = "dead_lettered"

    @property
    def is_final(self) -> bool:
        """True for states a job never leaves."""
        return self in {
            JobStatus.SUCCEEDED,
            JobStatus.FAILED,
            JobStatus.CANCELLED,
            JobStatus.DEAD_LETTERED,
        }


#: The legal moves of the job state machine: ``TRANSITIONS[a]`` holds every
#: state a job in state ``a`` may move to. Final states have none. A running job
#: may go back to ``queued`` when its worker died and the job is re-queued.
TRANSITIONS: Mapping[JobStatus, frozenset[JobStatus]] = {
    JobStatus.SUBMITTED: frozenset({JobStatus.QUEUED, JobStatus.CANCELLED}),
    JobStatus.QUEUED: frozenset({JobStatus.RUNNING, JobStatus.CANCELLED}),
    JobStatus.RUNNING: frozenset(
        {
            JobStatus.SUCCEEDED,
            JobStatus.FAILED,
            JobStatus.CANCELLED,
            JobStatus.RETRYING,
            JobStatus.QUEUED,
        }
    ),
    JobStatus.RETRYING: frozenset({JobStatus.QUEUED, JobStatus.DEAD_LETTERED}),
    JobStatus.SUCCEEDED: frozenset(),
    JobStatus.FAILED: frozenset(),
    JobStatus.CANCELLED: frozenset(),
    JobStatus.DEAD_LETTERED: frozenset(),
}


def can_transition(current: JobStatus, target: JobStatus) -> bool:
    """Whether a job in state ``current`` may move to ``target``.

    Parameters
    ----------
    current, target
        The state the job is in and the state asked for.

    Returns
    -------
    bool
        True when the move is in :data:`TRANSITIONS`.
    """
    return target in TRANSITIONS[current]


def check_transition(current: JobStatus, target: JobStatus, *, job_id: str | None = None) -> None:
    """Refuse an illegal move of the job state machine.

    Parameters
    ----------
    current, target
        The state the job is in and the state asked for.
    job_id
        Named in the error, when known.

    Raises
    ------
    madlab.errors.ConflictError
        When ``target`` cannot follow ``current``; the error lists the legal moves.
    """
    if can_transition(current, target):
        return
    allowed = sorted(s.value for s in TRANSITIONS[current])
    who = f"job {job_id}" if job_id else "a job"
    hint = (
        f"from {current.value} a job may move to: {', '.join(allowed)}"
        if allowed
        else f"{current.value} is final; submit a new job instead"
    )
    raise ConflictError(
        f"{who} cannot move from {current.value} to {target.value}",
        hint=hint,
        job_id=job_id,
        current=current.value,
        target=target.value,
    )


@dataclass(frozen=True)
class Job:
    """A task execution as recorded in the store.

    Attributes
    ----------
    id
        UUID string.
    organization_id
        The organization that owns the job; every query is scoped to it.
    user
        Who submitted it.
    task_id, task_version
        The task definition it runs.
    parameters
        The task's input as JSON.
    status
        Where it stands in the state machine (:data:`TRANSITIONS`).
    engine
        The docking engine that runs (or ran) it, when the task docks
        (stored as ``engine_used``).
    queue, priority
        Where it waits and in which order (higher first).
    progress_done, progress_total
        Units of work done and to do (ligands for docking); total is ``None``
        until known.
    error
        For failed, retrying and dead-lettered jobs: ``code``, ``message`` and
        ``hint`` (see :meth:`madlab.errors.MadlabError.to_dict`).
    execution_metrics, resource_usage
        Free-form measurements (seconds, poses, peak memory...).
    attempt
        How many times it started running (1 on the first run).
    name
        An optional label for people.
    pipeline_id, parent_id
        The pipeline and the parent job (a pipeline run) it belongs to, if any.
    created_at, started_at, finished_at, updated_at
        Timezone-aware UTC timestamps; ``started_at`` is the latest start.
    """

    id: str
    organization_id: str
    user: str
    task_id: str
    task_version: str
    parameters: dict[str, Any]
    status: JobStatus
    created_at: datetime
    updated_at: datetime
    engine: str | None = None
    queue: str = "default"
    priority: int = 0
    progress_done: int = 0
    progress_total: int | None = None
    error: dict[str, Any] | None = None
    execution_metrics: dict[str, Any] = field(default_factory=dict)
    resource_usage: dict[str, Any] = field(default_factory=dict)
    attempt: int = 0
    name: str | None = None
    pipeline_id: str | None = None
    parent_id: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def is_final(self) -> bool:
        """True once the job reached a state it never leaves."""
        return self.status.is_final

    @property
    def progress(self) -> float | None:
        """Fraction done in [0, 1], or ``None`` while the total is unknown."""
        if not self.progress_total:
            return None
        return self.progress_done / self.progress_total

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (status as its value, times in ISO 8601).

        Written out field by field: it answers every job request, and
        ``dataclasses.asdict`` (a recursive deep copy) was a tenth of an
        execute request's time. The dicts are copies; what they hold is
        JSON, shared with the job.
        """
        return {
            "id": self.id,
            "organization_id": self.organization_id,
            "user": self.user,
            "task_id": self.task_id,
            "task_version": self.task_version,
            "parameters": dict(self.parameters),
            "status": self.status.value,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "engine": self.engine,
            "queue": self.queue,
            "priority": self.priority,
            "progress_done": self.progress_done,
            "progress_total": self.progress_total,
            "error": dict(self.error) if self.error is not None else None,
            "execution_metrics": dict(self.execution_metrics),
            "resource_usage": dict(self.resource_usage),
            "attempt": self.attempt,
            "name": self.name,
            "pipeline_id": self.pipeline_id,
            "parent_id": self.parent_id,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
        }


@dataclass(frozen=True)
class JobEvent:
    """One transition of a job, as written to the store when it happened.

    ``from_status`` is ``None`` for the first event (the submission).
    """

    id: int
    job_id: str
    from_status: JobStatus | None
    to_status: JobStatus
    at: datetime
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "job_id": self.job_id,
            "from_status": self.from_status.value if self.from_status else None,
            "to_status": self.to_status.value,
            "at": self.at.isoformat(),
            "detail": self.detail,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
