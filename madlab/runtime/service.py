"""The job service: submit, cancel, follow and wait for jobs.

Every entry point (REST handler, CLI, notebook, pipeline executor) makes one
call here. The service validates the parameters against the task's schema,
records the job, moves it to ``queued`` (the store first, then the event) and
hands it to the queue. The store stays the truth: a job whose queue cannot be
reached stays ``queued`` and is delivered by the queue's reconciler later.
"""

from __future__ import annotations

import builtins
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from madlab.domain.jobs import Job, JobEvent, JobStatus
from madlab.domain.paging import Page
from madlab.domain.tasks import TaskDefinition, TaskStatus
from madlab.errors import ConflictError, MadlabError, TimedOutError, ValidationError
from madlab.runtime.events import Event, EventBus, EventType, Subscription
from madlab.runtime.executor import move, state_event
from madlab.runtime.limits import ResourceLimits
from madlab.runtime.queue import (
    JobQueue,
    TaskCatalog,
    capability_tags,
    normalize_requires,
    priority_value,
    queue_for,
)
from madlab.store.database import Store
from madlab.store.ports import NewJob, UnitOfWork

log = logging.getLogger(__name__)


class JobService:
    """Use cases over jobs, for one store, task registry, queue and event bus.

    Parameters
    ----------
    store
        Where jobs are recorded.
    tasks
        The task registry: definitions, schemas, implementations.
    queue
        The job queue adapter (embedded or Celery).
    events
        Where transitions are published.
    worker_timeout_s
        Silence after which a worker no longer counts as able to take a job
        (for the waiting reason of jobs that need a capability).
    """

    def __init__(
        self,
        *,
        store: Store,
        tasks: TaskCatalog,
        queue: JobQueue,
        events: EventBus,
        worker_timeout_s: float = 60.0,
    ) -> None:
        self.store = store
        self.tasks = tasks
        self.queue = queue
        self.events = events
        self.worker_timeout_s = worker_timeout_s

    # -- commands -----------------------------------------------------------

    def submit(
        self,
        organization_id: str,
        user: str,
        task_id: str,
        params: dict[str, Any],
        *,
        version: str | None = None,
        priority: str = "standard",
        requires: Iterable[str] | None = None,
        name: str | None = None,
        pipeline_id: str | None = None,
        parent_id: str | None = None,
    ) -> Job:
        """Validate, record and queue a job.

        Parameters
        ----------
        organization_id, user
            Who submits it (the organization must exist).
        task_id, version
            The task to run; its newest active version by default.
        params
            The task's parameters (JSON), checked against its schema.
        priority
            ``standard`` or ``high`` (the ``docking.high_priority`` queue).
        requires
            Capabilities the job needs beyond those its task declares
            (``gpu``, ``engine:gnina``...).
        name
            An optional label.
        pipeline_id, parent_id
            The saved pipeline and the parent job (a pipeline run) the job
            belongs to, when it is a pipeline step.

        Returns
        -------
        Job
            The job, ``queued``.

        Raises
        ------
        madlab.errors.ValidationError
            Parameters that break the task's schema (every bad field named),
            an unknown priority or a malformed capability.
        madlab.errors.NotFoundError
            Unknown task, version or organization.
        madlab.errors.ConflictError
            A deprecated task version.
        """
        submission = Submission(
            organization_id,
            user,
            task_id,
            params,
            version=version,
            priority=priority,
            requires=tuple(requires or ()),
            name=name,
            pipeline_id=pipeline_id,
            parent_id=parent_id,
        )
        (outcome,) = self.submit_many([submission])
        if isinstance(outcome, MadlabError):
            raise outcome
        return outcome

    def submit_many(self, submissions: Sequence[Submission]) -> builtins.list[Job | MadlabError]:
        """Validate, record and queue several jobs in one transaction.

        What the server does with the execute requests that arrive while the
        store is busy (group commit): the task definitions are read once, the
        jobs written with one insert per table and one commit, however many
        there are. Each submission is checked on its own, as :meth:`submit`
        checks it: a bad one gets its error in its place in the list and the
        others are recorded. When the transaction as a whole fails (the store,
        or an organization deleted meanwhile), each submission is tried alone,
        so that no submission fails because of another.

        Returns
        -------
        list
            For each submission, in order, its ``queued`` job or the
            :class:`~madlab.errors.MadlabError` that refused it.
        """
        try:
            recorded = self._record(submissions)
        except MadlabError as err:
            if len(submissions) == 1:
                return [err]
            recorded = []
            for submission in submissions:
                try:
                    recorded.extend(self._record([submission]))
                except MadlabError as alone:
                    recorded.append(alone)
        outcomes: builtins.list[Job | MadlabError] = []
        for outcome in recorded:
            if isinstance(outcome, MadlabError):
                outcomes.append(outcome)
                continue
            job, waiting = outcome
            self._publish(state_event(replace(job, status=JobStatus.SUBMITTED), None))
            self._publish(state_event(job, JobStatus.SUBMITTED, waiting=waiting))
            try:
                self.queue.enqueue(job)
            except MadlabError as err:  # the store has it: the reconciler sends it later
                log.warning("job %s stays queued: %s", job.id, err)
            outcomes.append(job)
        return outcomes

    def cancel(self, organization_id: str, job_id: str, *, user: str | None = None) -> Job:
        """Cancel a job: a queued one at once, a running one is stopped.

        The job is ``cancelled`` in the store first; the worker running it
        sees that and kills the job's process (the engine stops), and the
        queue is told to drop it. Cancelling a cancelled job returns it.

        Raises
        ------
        madlab.errors.ConflictError
            For a job that already ended otherwise (succeeded, failed...).
        madlab.errors.NotFoundError
            No such job in the organization.
        """
        detail = f"cancelled by {user}" if user else "cancelled"
        for _ in range(5):
            job = self.get(organization_id, job_id)
            if job.status is JobStatus.CANCELLED:
                return job
            if job.status.is_final:
                raise ConflictError(
                    f"job {job_id} already {job.status.value}; there is nothing to cancel",
                    job_id=job_id,
                    current=job.status.value,
                )
            moved = move(self.store, self.events, job, JobStatus.CANCELLED, detail=detail)
            if moved is not None:
                try:
                    self.queue.revoke(moved)
                except MadlabError as err:
                    log.warning("could not revoke job %s: %s", job_id, err)
                return moved
        raise ConflictError(f"job {job_id} keeps changing; try cancelling it again", job_id=job_id)

    # -- queries ------------------------------------------------------------

    def get(self, organization_id: str, job_id: str) -> Job:
        """The job (``NotFoundError`` when the organization has no such job)."""
        with self.store.unit_of_work() as uow:
            return uow.jobs.get(organization_id, job_id)

    def list(self, organization_id: str, **filters: Any) -> Page[Job]:
        """One page of the organization's jobs (filters of ``uow.jobs.list``)."""
        with self.store.unit_of_work() as uow:
            return uow.jobs.list(organization_id, **filters)

    def history(self, organization_id: str, job_id: str) -> builtins.list[JobEvent]:
        """The job's transitions as stored, oldest first."""
        with self.store.unit_of_work() as uow:
            return uow.jobs.events(organization_id, job_id)

    def follow(
        self,
        organization_id: str,
        job_id: str,
        *,
        timeout: float | None = None,
        poll_s: float = 1.0,
    ) -> Iterator[Event]:
        """Events of one job, live, until it ends.

        Events come from the bus as they are published; the store is read
        every ``poll_s`` seconds as well, so that a change whose notification
        did not arrive (no bus reachable, another process's in-process bus)
        still shows, as a ``job.state`` or ``job.progress`` event built from
        the store. The first event is the job's current state.

        Raises
        ------
        madlab.errors.TimedOutError
            When the job has not ended after ``timeout`` seconds.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        subscription = self._subscribe(organization_id, job_id)
        try:
            job = self.get(organization_id, job_id)
            seen = (job.status, job.progress_done)
            yield state_event(job, None)
            last_poll = time.monotonic()
            while not job.is_final:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise TimedOutError(
                        f"job {job_id} is still {job.status.value} after {timeout:g} s",
                        hint="follow it again later, or cancel it",
                        job_id=job_id,
                    )
                wait = poll_s if left is None else min(poll_s, left)
                event = subscription.get(timeout=wait) if subscription else None
                if subscription is None:
                    time.sleep(wait)
                if event is not None:
                    yield event
                    if event.type == EventType.JOB_STATE:
                        status = JobStatus(event.payload.get("status", seen[0].value))
                        if status.is_final:
                            return
                        seen = (status, seen[1])
                    elif event.type == EventType.JOB_PROGRESS:
                        seen = (seen[0], int(event.payload.get("done", seen[1])))
                    if time.monotonic() - last_poll < poll_s:
                        continue
                last_poll = time.monotonic()
                job = self.get(organization_id, job_id)
                now = (job.status, job.progress_done)
                if now != seen:
                    if now[0] != seen[0]:
                        yield state_event(job, seen[0])
                    elif job.progress_total is not None:
                        yield Event(
                            EventType.JOB_PROGRESS,
                            organization_id,
                            job_id,
                            {"done": job.progress_done, "total": job.progress_total},
                        )
                    seen = now
        finally:
            if subscription is not None:
                subscription.close()

    def wait(self, organization_id: str, job_id: str, timeout: float | None = None) -> Job:
        """Block until the job ends, and return it.

        Raises
        ------
        madlab.errors.TimedOutError
            When it has not ended after ``timeout`` seconds.
        """
        for _ in self.follow(organization_id, job_id, timeout=timeout, poll_s=0.5):
            pass
        return self.get(organization_id, job_id)

    # -- helpers ------------------------------------------------------------

    def _subscribe(self, organization_id: str, job_id: str) -> Subscription | None:
        try:
            return self.events.subscribe(organization_id, job_id=job_id)
        except Exception as err:  # no bus reachable: the store is read instead
            log.info("following job %s from the store only: %s", job_id, err)
            return None

    def _publish(self, event: Event) -> None:
        try:
            self.events.publish(event)
        except Exception as err:
            log.warning("could not publish %s of job %s: %s", event.type, event.job_id, err)

    def _record(
        self, submissions: Sequence[Submission]
    ) -> builtins.list[tuple[Job, str | None] | MadlabError]:
        """One transaction: each submission checked, the good ones recorded ``queued``.

        Raises the error of the transaction itself (store, organization);
        a submission's own error takes its place in the list.
        """
        with self.store.unit_of_work() as uow:
            check = _Checks(self, uow)
            prepared: builtins.list[tuple[NewJob, str | None] | MadlabError] = []
            for submission in submissions:
                try:
                    prepared.append(check.prepare(submission))
                except MadlabError as err:
                    prepared.append(err)
            news = [p[0] for p in prepared if not isinstance(p, MadlabError)]
            jobs = iter(uow.jobs.add_many(news))
            return [p if isinstance(p, MadlabError) else (next(jobs), p[1]) for p in prepared]


@dataclass(frozen=True)
class Submission:
    """One job to submit: the arguments of :meth:`JobService.submit`."""

    organization_id: str
    user: str
    task_id: str
    params: Any
    version: str | None = None
    priority: str | int = "standard"
    requires: tuple[str, ...] = ()
    name: str | None = None
    pipeline_id: str | None = None
    parent_id: str | None = None


class _Checks:
    """The checks of the submissions of one transaction, reading each thing once.

    Task definitions are read once per (organization, task, version), and
    the online workers once, for the waiting reason of jobs that need a
    capability.
    """

    def __init__(self, service: JobService, uow: UnitOfWork) -> None:
        self._service = service
        self._uow = uow
        self._definitions: dict[tuple[str, str, str | None], TaskDefinition] = {}
        self._offers: builtins.list[set[str]] | None = None

    def prepare(self, submission: Submission) -> tuple[NewJob, str | None]:
        """The job to record for ``submission`` and why it may wait (``MadlabError`` if bad)."""
        definition = self._definition(submission)
        if definition.status is TaskStatus.DEPRECATED:
            raise ConflictError(
                f"task {definition.task_id} version {definition.version} is deprecated "
                "and takes no new jobs",
                hint="submit without a version to use the newest active one",
                task_id=definition.task_id,
                version=definition.version,
            )
        if not isinstance(submission.params, dict):
            raise ValidationError("parameters must be a JSON object", field="params")
        checked = self._service.tasks.validate(definition, submission.params)
        level = priority_value(submission.priority)
        config = definition.service_config
        needs = normalize_requires([*(config.get("requires") or []), *submission.requires])
        limits = ResourceLimits.from_config(config, checked)
        engine = checked.get("engine") if isinstance(checked.get("engine"), str) else None
        waiting = self._waiting_reason(needs)
        new = NewJob(
            organization_id=submission.organization_id,
            user=submission.user,
            task_id=definition.task_id,
            task_version=definition.version,
            parameters=checked,
            engine=engine or config.get("engine"),
            queue=queue_for(level, needs),
            priority=level,
            name=submission.name,
            pipeline_id=submission.pipeline_id,
            parent_id=submission.parent_id,
            queued=True,
            resource_usage={"requested": {**limits.to_dict(), "requires": needs}},
            execution_metrics={"waiting": waiting} if waiting is not None else {},
        )
        return new, waiting

    def _definition(self, submission: Submission) -> TaskDefinition:
        key = (submission.organization_id, submission.task_id, submission.version)
        found = self._definitions.get(key)
        if found is None:  # an unknown task is looked up again: each gets its own error
            found = self._service.tasks.get(
                submission.task_id,
                submission.version,
                organization_id=submission.organization_id,
                uow=self._uow,
            )
            self._definitions[key] = found
        return found

    def _waiting_reason(self, needs: builtins.list[str]) -> str | None:
        if not needs:
            return None
        if self._offers is None:
            since = datetime.now(timezone.utc) - timedelta(seconds=self._service.worker_timeout_s)
            self._offers = [
                capability_tags(worker.capabilities)
                for worker in self._uow.workers.list(seen_since=since)
                if worker.status.value != "offline"
            ]
        if any(set(needs) <= offered for offered in self._offers):
            return None
        return f"no online worker offers {', '.join(needs)}; the job waits for one"
