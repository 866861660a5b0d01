"""Ports of the job and result repositories (implemented in :mod:`madlab.store.repositories`)."""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from madlab.domain.docking import LigandResult
from madlab.domain.jobs import Job, JobEvent, JobStatus
from madlab.domain.paging import Page
from madlab.domain.results import StoredResult

#: Orders of a job listing (``sort=``) and what each means. Ties are broken
#: by creation time, then id, in the same direction, so that every order is
#: total and each page is one index range.
JOB_SORTS: dict[str, str] = {
    "-created_at": "newest first (the default)",
    "created_at": "oldest first",
    "-updated_at": "most recently changed first",
    "updated_at": "least recently changed first",
    "status": "by status name from A to Z, oldest first within one",
    "-status": "by status name from Z to A, newest first within one",
    "-priority": "highest priority first, newest first within one",
    "priority": "lowest priority first, oldest first within one",
}

#: The order of a listing that names none.
DEFAULT_JOB_SORT = "-created_at"


@dataclass(frozen=True)
class NewJob:
    """A job to record with :meth:`JobRepository.add_many` (fields as in :meth:`JobRepository.add`).

    ``queued`` records it straight in state ``queued``: two events (its
    submission and the move to ``queued``) with one time stamp, as if
    :meth:`JobRepository.transition` had followed at once.
    ``execution_metrics`` and ``resource_usage`` are its first measurements
    (for example the resources it asks for).
    """

    organization_id: str
    user: str
    task_id: str
    task_version: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    engine: str | None = None
    queue: str = "default"
    priority: int = 0
    name: str | None = None
    pipeline_id: str | None = None
    parent_id: str | None = None
    job_id: str | None = None
    detail: str | None = None
    queued: bool = False
    execution_metrics: Mapping[str, Any] = field(default_factory=dict)
    resource_usage: Mapping[str, Any] = field(default_factory=dict)


class JobRepository(ABC):
    """Task executions (jobs) of one store, always scoped to an organization.

    A job of another organization is reported as not found, never revealed.
    Every status change goes through :meth:`transition`, which checks the
    state machine (:data:`madlab.domain.jobs.TRANSITIONS`) and writes one
    :class:`~madlab.domain.jobs.JobEvent`.
    """

    @abstractmethod
    def add(
        self,
        *,
        organization_id: str,
        user: str,
        task_id: str,
        task_version: str,
        parameters: Mapping[str, Any] | None = None,
        engine: str | None = None,
        queue: str = "default",
        priority: int = 0,
        name: str | None = None,
        pipeline_id: str | None = None,
        parent_id: str | None = None,
        job_id: str | None = None,
        detail: str | None = None,
    ) -> Job:
        """Record a new job in state ``submitted`` (and its first event).

        Parameters
        ----------
        organization_id
            Owner; must exist (see ``organizations.ensure``).
        user
            Who submits it.
        task_id, task_version
            The task definition it runs.
        parameters
            The task's input; must be JSON (no NaN or infinity).
        engine
            Docking engine chosen for it, if any (stored as ``engine_used``).
        queue, priority
            Where it waits, and its order there (higher first).
        name
            Optional label.
        pipeline_id, parent_id
            The saved pipeline and the parent job (pipeline run) it belongs
            to; both must belong to the same organization.
        job_id
            A UUID chosen by the caller (for example a queue's task id);
            a new one by default.
        detail
            Note kept with the ``submitted`` event.

        Returns
        -------
        Job
            The stored job.

        Raises
        ------
        madlab.errors.NotFoundError
            Unknown organization, pipeline or parent job.
        madlab.errors.ConflictError
            ``job_id`` already used.
        madlab.errors.ValidationError
            Parameters that are not JSON, a malformed ``job_id``.
        """

    @abstractmethod
    def add_many(self, jobs: Sequence[NewJob]) -> builtins.list[Job]:
        """Record several new jobs at once: a few statements for all of them.

        What a batch of submissions uses (one transaction, one insert per
        table); each job is checked as :meth:`add` checks it. The jobs are
        stamped a microsecond apart in the order given, so that every order
        by time keeps theirs.

        Returns
        -------
        list[Job]
            The stored jobs, in the order given.

        Raises
        ------
        madlab.errors.NotFoundError, madlab.errors.ConflictError, madlab.errors.ValidationError
            As :meth:`add`, for the first job that breaks a rule; nothing is
            written then (the caller may record the others one by one).
        """

    @abstractmethod
    def get(self, organization_id: str, job_id: str) -> Job:
        """The job ``job_id`` of the organization (``NotFoundError`` otherwise)."""

    @abstractmethod
    def transition(
        self,
        organization_id: str,
        job_id: str,
        status: JobStatus | str,
        *,
        detail: str | None = None,
        error: Mapping[str, Any] | None = None,
        engine: str | None = None,
    ) -> Job:
        """Move a job to ``status``, stamping times and writing one event.

        ``running`` sets ``started_at`` and counts an attempt; a final state
        sets ``finished_at``; ``succeeded`` clears an error left by an earlier
        attempt.

        Parameters
        ----------
        organization_id, job_id
            The job.
        status
            Target state.
        detail
            Note kept with the event (for example the worker's name).
        error
            ``code``/``message``/``hint`` of a failure
            (:meth:`madlab.errors.MadlabError.to_dict`).
        engine
            The engine that actually runs it, when it changed.

        Returns
        -------
        Job
            The job after the move.

        Raises
        ------
        madlab.errors.ConflictError
            An illegal move, or a concurrent change of the same job; nothing
            is written.
        madlab.errors.NotFoundError
            No such job in this organization.
        """

    @abstractmethod
    def fail(
        self,
        organization_id: str,
        job_id: str,
        *,
        error: Mapping[str, Any],
        detail: str | None = None,
    ) -> Job:
        """Move a job to ``failed`` with its error (``detail`` defaults to the message)."""

    @abstractmethod
    def set_progress(
        self, organization_id: str, job_id: str, *, done: int, total: int | None = None
    ) -> Job:
        """Record how much of a job is done (``0 <= done <= total``).

        Raises ``ConflictError`` once the job is final, ``ValidationError`` for
        impossible numbers.
        """

    @abstractmethod
    def set_metrics(
        self,
        organization_id: str,
        job_id: str,
        *,
        execution_metrics: Mapping[str, Any] | None = None,
        resource_usage: Mapping[str, Any] | None = None,
    ) -> Job:
        """Merge measurements into the job's ``execution_metrics`` / ``resource_usage``."""

    @abstractmethod
    def list(
        self,
        organization_id: str,
        *,
        status: JobStatus | str | Iterable[JobStatus | str] | None = None,
        task_id: str | None = None,
        engine: str | None = None,
        user: str | None = None,
        parent_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        text: str | None = None,
        limit: int = 50,
        after: str | None = None,
        sort: str = DEFAULT_JOB_SORT,
    ) -> Page[Job]:
        """One page of the organization's jobs, newest first unless ``sort`` says otherwise.

        Parameters
        ----------
        organization_id
            Whose jobs.
        status
            One state or several.
        task_id, engine, user, parent_id
            Exact matches.
        since, until
            ``since <= created_at < until`` (timezone-aware).
        text
            Case-insensitive substring of the job's id, name, task or user.
        limit
            Page size, 1 to 1000.
        after
            ``next_cursor`` of the previous page (of the same ``sort``).
        sort
            One of :data:`JOB_SORTS`.

        Returns
        -------
        Page[Job]
            The jobs and the cursor of the next page (keyset pagination on
            the sort key: a job submitted meanwhile never shifts or repeats
            a page).

        Raises
        ------
        madlab.errors.ValidationError
            An unknown ``sort`` (field ``sort``, naming the allowed ones), a
            ``limit`` out of range, or a cursor of another listing.
        """

    @abstractmethod
    def events(self, organization_id: str, job_id: str) -> builtins.list[JobEvent]:
        """The job's status history, oldest first."""

    @abstractmethod
    def counts(self, organization_id: str) -> dict[JobStatus, int]:
        """How many of the organization's jobs are in each state (absent: zero)."""

    @abstractmethod
    def list_stale(
        self, *, updated_before: datetime, status: JobStatus = JobStatus.RUNNING, limit: int = 100
    ) -> builtins.list[Job]:
        """Jobs of every organization left in ``status`` since before ``updated_before``.

        For the recovery of jobs whose worker died (system use, not per user).
        """

    @abstractmethod
    def delete(self, organization_id: str, job_id: str) -> None:
        """Delete a final job, its events, results and poses (``ConflictError`` if not final)."""


class ResultRepository(ABC):
    """Docking results (one per ligand per job) and their poses."""

    @abstractmethod
    def add(
        self,
        organization_id: str,
        job_id: str,
        result: LigandResult,
        *,
        files: Mapping[str, str] | None = None,
        visualization: Mapping[str, Any] | None = None,
    ) -> int:
        """Store one ligand's result and one row per pose.

        Idempotent per (job, ligand): a result of the same ligand stored
        earlier for the job (by an attempt whose worker died) is replaced.

        Parameters
        ----------
        organization_id, job_id
            The job the result belongs to.
        result
            What the engine returned; the best pose's affinity and RMSD are
            copied to the result row for ranking.
        files
            Artifact keys by role (``poses_sdf``...).
        visualization
            Data for the viewers.

        Returns
        -------
        int
            The result's id.

        Raises
        ------
        madlab.errors.NotFoundError
            No such job in this organization.
        madlab.errors.ValidationError
            Duplicate pose ranks, a non-finite score, or values that are not JSON.
        """

    @abstractmethod
    def get(self, organization_id: str, result_id: int) -> StoredResult:
        """One result with its poses (``NotFoundError`` for another organization's)."""

    @abstractmethod
    def for_job(
        self,
        organization_id: str,
        job_id: str,
        *,
        with_poses: bool = True,
        limit: int | None = None,
    ) -> builtins.list[StoredResult]:
        """The job's results, best binding affinity first (failed ligands last).

        Poses come ranked (rank 1 first); ``with_poses=False`` skips them for
        large screens.
        """
