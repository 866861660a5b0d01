"""Scheduled pipeline runs: a saved pipeline started on a CRON expression, unattended.

Each schedule keeps its next due time in the store. :meth:`Scheduler.run_due`
starts every due schedule's run (an ordinary run, recorded like any other)
and moves its due time on; :meth:`Scheduler.loop` does that until stopped,
and :class:`ScheduleRunner` runs the loop in a thread of a long-lived process
(the Jupyter server extension, ``madlab schedule run``). A due time is claimed
by a compare-and-set on ``next_run_at`` (an ``UPDATE ... WHERE next_run_at =
<the time read>``: on PostgreSQL the row lock makes the second writer see the
moved time, on SQLite writes are serialized), so any number of schedulers on
one database start each due run once.
"""

from __future__ import annotations

import builtins
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, update

from madlab.domain.jobs import Job
from madlab.errors import MadlabError, NotFoundError, ValidationError
from madlab.pipelines.service import PipelineService
from madlab.store.models import ScheduleRow

__all__ = ["Schedule", "ScheduleRunner", "Scheduler", "next_time"]

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def next_time(cron: str, after: datetime) -> datetime:
    """The first time after ``after`` that matches ``cron`` (UTC).

    Raises
    ------
    madlab.errors.ValidationError
        A CRON expression croniter cannot read.
    """
    from croniter import croniter

    if not isinstance(cron, str) or not croniter.is_valid(cron):
        raise ValidationError(
            f"{cron!r} is not a CRON expression",
            field="cron",
            hint="five fields: minute hour day-of-month month day-of-week, e.g. '0 2 * * *'",
        )
    value: datetime = croniter(cron, after).get_next(datetime)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Schedule:
    """A pipeline that runs by itself."""

    id: str
    organization_id: str
    pipeline_id: str
    cron: str
    created_by: str
    next_run_at: datetime
    inputs: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    last_run_at: datetime | None = None
    last_job_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "organization_id": self.organization_id,
            "pipeline_id": self.pipeline_id,
            "cron": self.cron,
            "created_by": self.created_by,
            "inputs": self.inputs,
            "enabled": self.enabled,
            "next_run_at": self.next_run_at.isoformat(),
            "last_run_at": self.last_run_at.isoformat() if self.last_run_at else None,
            "last_job_id": self.last_job_id,
        }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _schedule(row: ScheduleRow) -> Schedule:
    return Schedule(
        id=row.id,
        organization_id=row.organization_id,
        pipeline_id=row.pipeline_id,
        cron=row.cron,
        created_by=row.created_by,
        next_run_at=_aware(row.next_run_at),
        inputs=dict(row.inputs or {}),
        enabled=bool(row.enabled),
        last_run_at=_aware(row.last_run_at) if row.last_run_at else None,
        last_job_id=row.last_job_id,
    )


class Scheduler:
    """Schedules of saved pipelines, and the loop that starts their runs.

    Parameters
    ----------
    pipelines
        Starts the runs (and owns the store).
    clock
        Current UTC time (tests pass their own).
    """

    def __init__(self, pipelines: PipelineService, *, clock: Callable[[], datetime] = _now) -> None:
        self.pipelines = pipelines
        self.store = pipelines.store
        self.clock = clock

    def add(
        self,
        organization_id: str,
        user: str,
        cron: str,
        pipeline_id: str,
        inputs: Mapping[str, Any] | None = None,
    ) -> Schedule:
        """Schedule a saved pipeline (one the organization may read) on ``cron``."""
        self.pipelines.get(organization_id, pipeline_id, user=user)
        due = next_time(cron, self.clock())
        row = ScheduleRow(
            id=str(uuid.uuid4()),
            organization_id=organization_id,
            pipeline_id=pipeline_id,
            cron=cron,
            inputs=dict(inputs or {}),
            created_by=user,
            enabled=True,
            next_run_at=due,
            created_at=self.clock(),
        )
        with self.store.unit_of_work() as uow:
            uow.session.add(row)
            uow.session.flush()
            return _schedule(row)

    def list(self, organization_id: str) -> builtins.list[Schedule]:
        """The organization's schedules, soonest first."""
        with self.store.unit_of_work() as uow:
            query = (
                select(ScheduleRow)
                .where(ScheduleRow.organization_id == organization_id)
                .order_by(ScheduleRow.next_run_at, ScheduleRow.id)
            )
            return [_schedule(r) for r in uow.session.scalars(query)]

    def remove(self, organization_id: str, schedule_id: str) -> None:
        """Delete a schedule (its past runs stay)."""
        with self.store.unit_of_work() as uow:
            row = uow.session.get(ScheduleRow, schedule_id)
            if row is None or row.organization_id != organization_id:
                raise NotFoundError("schedule", schedule_id)
            uow.session.delete(row)

    def run_due(self) -> builtins.list[Job]:
        """Start the run of every schedule that is due; returns the runs' jobs."""
        now = self.clock()
        with self.store.unit_of_work() as uow:
            query = select(ScheduleRow).where(
                ScheduleRow.enabled.is_(True), ScheduleRow.next_run_at <= now
            )
            due = [_schedule(r) for r in uow.session.scalars(query)]
        started: builtins.list[Job] = []
        for schedule in due:
            following = next_time(schedule.cron, now)
            with self.store.unit_of_work() as uow:
                claimed = uow.session.execute(
                    update(ScheduleRow)
                    .where(
                        ScheduleRow.id == schedule.id,
                        ScheduleRow.next_run_at == schedule.next_run_at,
                    )
                    .values(next_run_at=following, last_run_at=now)
                ).rowcount  # type: ignore[attr-defined]
            if not claimed:
                continue  # another scheduler took it
            try:
                job = self.pipelines.execute(
                    schedule.organization_id,
                    schedule.created_by,
                    pipeline_id=schedule.pipeline_id,
                    inputs=schedule.inputs,
                )
            except MadlabError as err:
                log.warning("schedule %s could not start its run: %s", schedule.id, err)
                continue
            with self.store.unit_of_work() as uow:
                row = uow.session.get(ScheduleRow, schedule.id)
                if row is not None:
                    row.last_job_id = job.id
            started.append(job)
        return started

    def loop(self, stop: threading.Event, *, interval_s: float = 30.0) -> None:
        """Start due runs every ``interval_s`` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                for job in self.run_due():
                    log.info("scheduled run %s started", job.id)
            except MadlabError as err:
                log.warning("scheduler: %s", err)
            except Exception:  # a long-lived loop outlives a database hiccup
                log.exception("scheduler: looking for due runs failed; trying again")
            stop.wait(interval_s)


class ScheduleRunner:
    """The scheduler loop in a daemon thread, for a long-lived process.

    Parameters
    ----------
    scheduler
        Starts the due runs.
    interval_s
        Seconds between two looks at the schedules.
    """

    def __init__(self, scheduler: Scheduler, *, interval_s: float = 30.0) -> None:
        self.scheduler = scheduler
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the loop's thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the loop (once)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.scheduler.loop,
            args=(self._stop,),
            kwargs={"interval_s": self.interval_s},
            name="madlab-schedules",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loop and wait for a run being started to be recorded."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None
