"""SQLAlchemy implementation of :class:`~madlab.store.ports.JobRepository`."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, tuple_
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from madlab.domain.jobs import Job, JobEvent, JobStatus, check_transition
from madlab.domain.paging import Page
from madlab.errors import ConflictError, NotFoundError, ValidationError
from madlab.store import values
from madlab.store.cursor import KeyKind, decode_keyset, encode_keyset
from madlab.store.mapping import to_event, to_job
from madlab.store.models import JobEventRow, JobRow, OrganizationRow, PipelineRow
from madlab.store.models.jobs import search_text
from madlab.store.ports.jobs import DEFAULT_JOB_SORT, JOB_SORTS, JobRepository, NewJob

#: Largest page a listing returns.
MAX_PAGE = 1000

#: The columns of each order of :data:`JOB_SORTS` and whether it descends.
#: Every key ends with the creation time and the id, in the same direction as
#: its first column, so that each order is total and one index range serves
#: every page (a row-value comparison, no OR of terms).
SORT_KEYS: dict[str, tuple[tuple[Any, ...], bool]] = {
    "-created_at": ((JobRow.created_at, JobRow.id), True),
    "created_at": ((JobRow.created_at, JobRow.id), False),
    "-updated_at": ((JobRow.updated_at, JobRow.id), True),
    "updated_at": ((JobRow.updated_at, JobRow.id), False),
    "status": ((JobRow.status, JobRow.created_at, JobRow.id), False),
    "-status": ((JobRow.status, JobRow.created_at, JobRow.id), True),
    "-priority": ((JobRow.priority, JobRow.created_at, JobRow.id), True),
    "priority": ((JobRow.priority, JobRow.created_at, JobRow.id), False),
}
assert set(SORT_KEYS) == set(JOB_SORTS)

#: The tables written directly by :meth:`SqlJobRepository.add_many` (Core inserts).
_JOBS = JobRow.metadata.tables[JobRow.__tablename__]
_EVENTS = JobEventRow.metadata.tables[JobEventRow.__tablename__]

#: How many of a listing's first jobs, in its order, a text search on PostgreSQL
#: reads before it asks the trigram index for every match (see ``_search``).
SEARCH_WINDOW = 2000

_KINDS: dict[str, KeyKind] = {"created_at": "time", "updated_at": "time", "priority": "int"}


class SqlJobRepository(JobRepository):
    """Jobs in a SQL database (see the port for the contract of each method)."""

    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self._session = session
        self._clock = clock
        # Rows inserted in this transaction: no other transaction sees them
        # before the commit, so later changes here need no locking read.
        self._created: dict[str, JobRow] = {}

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
        """Record a new job in state ``submitted``."""
        new = NewJob(
            organization_id=organization_id,
            user=user,
            task_id=task_id,
            task_version=task_version,
            parameters=parameters or {},
            engine=engine,
            queue=queue,
            priority=priority,
            name=name,
            pipeline_id=pipeline_id,
            parent_id=parent_id,
            job_id=job_id,
            detail=detail,
        )
        now = self._clock()
        (values_,) = self._checked([new], now)
        row = JobRow(**values_)
        self._session.add(row)
        self._session.flush()  # the event's foreign key needs the job row first
        self._session.add(
            JobEventRow(**self._event_values(row, None, JobStatus.SUBMITTED, now, detail))
        )
        self._created[row.id] = row
        return to_job(row)

    def add_many(self, jobs: Sequence[NewJob]) -> builtins.list[Job]:
        """Record new jobs with one insert per table (see the port)."""
        if not jobs:
            return []
        now = self._clock()
        rows = self._checked(jobs, now)
        events: builtins.list[dict[str, Any]] = []
        for new, row in zip(jobs, rows, strict=True):
            at = row["created_at"]
            events.append(self._event_values(row, None, JobStatus.SUBMITTED, at, new.detail))
            if new.queued:
                events.append(
                    self._event_values(row, JobStatus.SUBMITTED, JobStatus.QUEUED, at, None)
                )
        self._pending()
        self._session.execute(insert(_JOBS), rows)
        self._session.execute(insert(_EVENTS), events)  # in order: ids ascend
        return [to_job(JobRow(**row)) for row in rows]

    def get(self, organization_id: str, job_id: str) -> Job:
        """The job, if it belongs to the organization."""
        return to_job(self._row(organization_id, job_id))

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
        """Move the job to ``status`` (checked), stamp times, write one event."""
        target = values.job_status(status)
        error_doc = values.error_document(error) if error is not None else None
        row = self._row(organization_id, job_id, lock=True)
        current = JobStatus(row.status)
        check_transition(current, target, job_id=row.id)
        now = self._clock()
        row.status = target.value
        row.updated_at = now
        if target is JobStatus.RUNNING:
            row.started_at = now
            row.attempt += 1
        if target.is_final:
            row.finished_at = now
        if target is JobStatus.SUCCEEDED:
            row.error = None
        if error_doc is not None:
            row.error = error_doc
        if engine is not None:
            row.engine_used = engine
        self._session.add(JobEventRow(**self._event_values(row, current, target, now, detail)))
        self._flush(row.id)
        return to_job(row)

    def fail(
        self,
        organization_id: str,
        job_id: str,
        *,
        error: Mapping[str, Any],
        detail: str | None = None,
    ) -> Job:
        """Move the job to ``failed`` with its error."""
        doc = values.error_document(error)
        return self.transition(
            organization_id,
            job_id,
            JobStatus.FAILED,
            detail=detail if detail is not None else doc["message"],
            error=doc,
        )

    def set_progress(
        self, organization_id: str, job_id: str, *, done: int, total: int | None = None
    ) -> Job:
        """Record the units of work done (and to do)."""
        if isinstance(done, bool) or not isinstance(done, int) or done < 0:
            raise ValidationError(
                f"progress done must be an integer >= 0, not {done!r}", field="done"
            )
        if total is not None and (
            isinstance(total, bool) or not isinstance(total, int) or total < done
        ):
            raise ValidationError(
                f"progress total must be an integer >= done ({done}), not {total!r}",
                field="total",
            )
        row = self._row(organization_id, job_id, lock=True)
        self._refuse_final(row, "record progress of")
        row.progress_done = done
        if total is not None:
            row.progress_total = total
        row.updated_at = self._clock()
        self._flush(row.id)
        return to_job(row)

    def set_metrics(
        self,
        organization_id: str,
        job_id: str,
        *,
        execution_metrics: Mapping[str, Any] | None = None,
        resource_usage: Mapping[str, Any] | None = None,
    ) -> Job:
        """Merge measurements into the job."""
        metrics = values.json_object(execution_metrics, "execution_metrics")
        usage = values.json_object(resource_usage, "resource_usage")
        row = self._row(organization_id, job_id, lock=True)
        if metrics:
            row.execution_metrics = {**row.execution_metrics, **metrics}
        if usage:
            row.resource_usage = {**row.resource_usage, **usage}
        row.updated_at = self._clock()
        self._flush(row.id)
        return to_job(row)

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
        """One page of jobs in the order ``sort`` (keyset on its sort key)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
            raise ValidationError(
                f"limit must be an integer from 1 to {MAX_PAGE}, not {limit!r}", field="limit"
            )
        if sort not in SORT_KEYS:
            raise ValidationError(
                f"jobs cannot be sorted by {sort!r}",
                field="sort",
                hint="use one of: " + ", ".join(JOB_SORTS),
                allowed=list(JOB_SORTS),
            )
        columns, descending = SORT_KEYS[sort]
        self._pending()
        query = select(JobRow).where(JobRow.organization_id == organization_id)
        if status is not None:
            query = query.where(JobRow.status.in_([s.value for s in values.job_statuses(status)]))
        if task_id is not None:
            query = query.where(JobRow.task_id == task_id)
        if engine is not None:
            query = query.where(JobRow.engine_used == engine)
        if user is not None:
            query = query.where(JobRow.user_name == user)
        if parent_id is not None:
            query = query.where(JobRow.parent_id == parent_id)
        if since is not None:
            query = query.where(JobRow.created_at >= values.aware(since, "since"))
        if until is not None:
            query = query.where(JobRow.created_at < values.aware(until, "until"))
        if after is not None:
            key = decode_keyset(after, sort, tuple(_KINDS.get(c.key, "text") for c in columns))
            row_key, values_ = tuple_(*columns), tuple_(*key)
            query = query.where(row_key < values_ if descending else row_key > values_)
        if text:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            rows = self._search(query, pattern, columns, descending, limit + 1)
        else:
            order = [c.desc() if descending else c.asc() for c in columns]
            rows = list(self._session.scalars(query.order_by(*order).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = None
        if more:
            cursor = encode_keyset(sort, [getattr(rows[-1], c.key) for c in columns])
        return Page(items=[to_job(r) for r in rows], next_cursor=cursor)

    def events(self, organization_id: str, job_id: str) -> builtins.list[JobEvent]:
        """The job's status history, oldest first."""
        row = self._row(organization_id, job_id)
        self._pending()  # events added in this transaction come too
        query = select(JobEventRow).where(JobEventRow.job_id == row.id).order_by(JobEventRow.id)
        return [to_event(e) for e in self._session.scalars(query)]

    def counts(self, organization_id: str) -> dict[JobStatus, int]:
        """Number of jobs per state."""
        self._pending()
        query = (
            select(JobRow.status, func.count())
            .where(JobRow.organization_id == organization_id)
            .group_by(JobRow.status)
        )
        return {JobStatus(s): int(n) for s, n in self._session.execute(query).all()}

    def list_stale(
        self, *, updated_before: datetime, status: JobStatus = JobStatus.RUNNING, limit: int = 100
    ) -> builtins.list[Job]:
        """Jobs of every organization stuck in ``status``, oldest update first."""
        self._pending()
        query = (
            select(JobRow)
            .where(JobRow.status == values.job_status(status).value)
            .where(JobRow.updated_at < values.aware(updated_before, "updated_before"))
            .order_by(JobRow.updated_at)
            .limit(limit)
        )
        return [to_job(r) for r in self._session.scalars(query)]

    def delete(self, organization_id: str, job_id: str) -> None:
        """Delete a final job and everything recorded about it."""
        row = self._row(organization_id, job_id, lock=True)
        if not JobStatus(row.status).is_final:
            raise ConflictError(
                f"job {row.id} is {row.status}; only finished jobs can be deleted",
                hint="cancel it first",
                job_id=row.id,
            )
        self._session.delete(row)
        self._created.pop(row.id, None)
        self._flush(row.id)

    # -- helpers -----------------------------------------------------------

    def _search(
        self, query: Any, pattern: str, columns: tuple[Any, ...], descending: bool, count: int
    ) -> builtins.list[JobRow]:
        """The first ``count`` jobs of ``query`` (in its order) whose text matches ``pattern``.

        On PostgreSQL in two steps, because its planner guesses how many jobs
        a pattern matches from the pattern's length, and guesses high for a
        phrase: it then walks the listing's order index and reads job after
        job (40,000 of them, 160 ms, for a phrase found in 0.1 % of a million
        jobs) where the trigram index finds them in a few milliseconds.
        First the listing's first :data:`SEARCH_WINDOW` jobs, in its order,
        are searched; a full page there is the answer (a common word: the page
        is found after a few hundred jobs). Otherwise every match is taken
        from the trigram index (a materialized query, which the planner
        cannot turn back into a walk) and the page sorted from them.
        SQLite has no trigram index: one query. (The custom-plan setting
        lasts until the end of the transaction.)
        """

        def ordered(jobs: Any) -> list[Any]:
            keys = [getattr(jobs, c.key) for c in columns]
            return [k.desc() if descending else k.asc() for k in keys]

        def matches(jobs: Any) -> Any:
            return search_text(jobs).ilike(pattern, escape="\\")

        if self._session.get_bind().dialect.name != "postgresql":
            matching = query.where(matches(JobRow))
            return list(self._session.scalars(matching.order_by(*ordered(JobRow)).limit(count)))
        # plans made for this pattern, never a prepared statement's generic plan (psycopg
        # prepares a query run five times): one that does not know the pattern doubled
        # the time of a phrase search
        self._session.execute(sql_text("SET LOCAL plan_cache_mode = force_custom_plan"))
        window = aliased(JobRow, query.order_by(*ordered(JobRow)).limit(SEARCH_WINDOW).subquery())
        first = select(window).where(matches(window)).order_by(*ordered(window)).limit(count)
        rows = list(self._session.scalars(first))
        if len(rows) == count:
            return rows
        every_match = (
            query.where(matches(JobRow))
            .cte("matches")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        found = aliased(JobRow, every_match)
        return list(self._session.scalars(select(found).order_by(*ordered(found)).limit(count)))

    def _row(self, organization_id: str, job_id: str, *, lock: bool = False) -> JobRow:
        created = self._created.get(job_id)
        if created is not None and created.organization_id == organization_id:
            return created
        query = select(JobRow).where(JobRow.id == job_id, JobRow.organization_id == organization_id)
        if lock:
            query = query.with_for_update()
        row = self._session.scalars(query).one_or_none()
        if row is None:
            raise NotFoundError("job", job_id)
        return row

    def _pending(self) -> None:
        """Write the changes to rows made in this transaction before a query reads them."""
        if self._created:
            self._session.flush()

    def _refuse_final(self, row: JobRow, action: str) -> None:
        if JobStatus(row.status).is_final:
            raise ConflictError(
                f"cannot {action} job {row.id}: it is {row.status}",
                job_id=row.id,
                current=row.status,
            )

    def _flush(self, job_id: str) -> None:
        if job_id in self._created:
            return  # written with the rest of the transaction (see _pending)
        try:
            self._session.flush()
        except StaleDataError as err:
            raise ConflictError(
                f"job {job_id} was changed by someone else meanwhile",
                hint="read it again and retry",
                job_id=job_id,
            ) from err

    def _checked(self, jobs: Sequence[NewJob], now: datetime) -> builtins.list[dict[str, Any]]:
        """The column values of new jobs, after checking who owns what they name.

        One query per kind of reference (organizations, given ids, pipelines,
        parent jobs), whatever the number of jobs.
        """
        # a microsecond apart, in the order given: every order by time (listings,
        # the embedded workers' first come, first served) keeps the jobs' order
        step = timedelta(microseconds=1)
        rows = [self._values(new, now + i * step) for i, new in enumerate(jobs)]
        self._pending()
        orgs = {r["organization_id"] for r in rows}
        known = set(
            self._session.scalars(select(OrganizationRow.id).where(OrganizationRow.id.in_(orgs)))
        )
        for org in sorted(orgs - known):
            raise NotFoundError("organization", org, hint="create it first (organizations.ensure)")
        chosen = [new.job_id for new in jobs if new.job_id is not None]
        if chosen:
            ids = [r["id"] for new, r in zip(jobs, rows, strict=True) if new.job_id is not None]
            if len(set(ids)) < len(ids):
                raise ConflictError("the same job id is given twice", job_ids=ids)
            taken = self._session.scalars(select(JobRow.id).where(JobRow.id.in_(ids))).first()
            if taken is not None:
                raise ConflictError(f"job {taken} already exists", job_id=taken)
        self._check_owned(rows, "pipeline_id", PipelineRow, "pipeline")
        self._check_owned(rows, "parent_id", JobRow, "job")
        return rows

    def _check_owned(
        self, rows: builtins.list[dict[str, Any]], column: str, table: Any, what: str
    ) -> None:
        wanted = {(r[column], r["organization_id"]) for r in rows if r[column] is not None}
        if not wanted:
            return
        query = select(table.id, table.organization_id).where(
            table.id.in_({ref for ref, _ in wanted})
        )
        found = {(ref, org) for ref, org in self._session.execute(query)}
        for ref, _ in sorted(wanted - found):
            raise NotFoundError(what, ref)

    def _values(self, new: NewJob, now: datetime) -> dict[str, Any]:
        """The column values of one new job (each field checked)."""
        parent_id = new.parent_id
        if parent_id is not None:
            parent_id = values.job_id(parent_id, "parent_id")
        return {
            "id": str(uuid.uuid4()) if new.job_id is None else values.job_id(new.job_id),
            "organization_id": new.organization_id,
            "user_name": values.text(new.user, "user", max_length=128),
            "name": new.name,
            "task_id": values.text(new.task_id, "task_id", max_length=128),
            "task_version": values.text(new.task_version, "task_version", max_length=32),
            "parameters": values.json_object(new.parameters, "parameters"),
            "status": (JobStatus.QUEUED if new.queued else JobStatus.SUBMITTED).value,
            "engine_used": new.engine,
            "queue": values.text(new.queue, "queue", max_length=64),
            "priority": int(new.priority),
            "progress_done": 0,
            "progress_total": None,
            "attempt": 0,
            "error": None,
            "execution_metrics": values.json_object(new.execution_metrics, "execution_metrics"),
            "resource_usage": values.json_object(new.resource_usage, "resource_usage"),
            "pipeline_id": new.pipeline_id,
            "parent_id": parent_id,
            "created_at": now,
            "started_at": None,
            "finished_at": None,
            "updated_at": now,
            "version": 1,
        }

    @staticmethod
    def _event_values(
        job: JobRow | Mapping[str, Any],
        current: JobStatus | None,
        target: JobStatus,
        at: datetime,
        detail: str | None,
    ) -> dict[str, Any]:
        """The column values of one job event (``job``: its row or its column values)."""
        organization_id, job_id = (
            (job["organization_id"], job["id"])
            if isinstance(job, Mapping)
            else (job.organization_id, job.id)
        )
        return {
            "organization_id": organization_id,
            "job_id": job_id,
            "from_status": current.value if current else None,
            "to_status": target.value,
            "at": at,
            "detail": detail,
        }
