"""Tables of task executions (jobs) and their status history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column

from madlab.domain.jobs import JobStatus
from madlab.store.models.base import Base, in_list
from madlab.store.types import BigIntKey, JSONType, UTCDateTime

_STATUSES = in_list([s.value for s in JobStatus])


class JobRow(Base):
    """One task execution.

    The indexes serve the job listings: by organization newest first (keyset
    on ``(created_at, id)``), filtered by status, task or engine, sorted by
    update time or priority, and the recovery scan of stale running jobs. On
    PostgreSQL a trigram index (:data:`SEARCH_INDEX`, made by migration 0003
    where ``pg_trgm`` is available) serves the text search over
    :func:`search_text`. ``version`` guards concurrent writers (optimistic
    locking).
    """

    __tablename__ = "task_executions"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        CheckConstraint("progress_done >= 0", name="progress_done"),
        Index("ix_task_executions_org_created", "organization_id", "created_at", "id"),
        Index(
            "ix_task_executions_org_status_created",
            "organization_id",
            "status",
            "created_at",
            "id",
        ),
        Index(
            "ix_task_executions_org_task_created", "organization_id", "task_id", "created_at", "id"
        ),
        Index(
            "ix_task_executions_org_engine_created",
            "organization_id",
            "engine_used",
            "created_at",
            "id",
        ),
        Index("ix_task_executions_org_updated", "organization_id", "updated_at", "id"),
        Index(
            "ix_task_executions_org_priority_created",
            "organization_id",
            "priority",
            "created_at",
            "id",
        ),
        Index("ix_task_executions_status_updated", "status", "updated_at"),
        Index("ix_task_executions_parent", "parent_id"),
        Index("ix_task_executions_pipeline", "pipeline_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_name: Mapped[str] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(200))
    task_id: Mapped[str] = mapped_column(String(128))
    task_version: Mapped[str] = mapped_column(String(32))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16))
    engine_used: Mapped[str | None] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer)
    progress_done: Mapped[int] = mapped_column(Integer)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    execution_metrics: Mapped[dict[str, Any]] = mapped_column(JSONType)
    resource_usage: Mapped[dict[str, Any]] = mapped_column(JSONType)
    pipeline_id: Mapped[str | None] = mapped_column(ForeignKey("pipelines.id", ondelete="SET NULL"))
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("task_executions.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class JobEventRow(Base):
    """One status transition of a job (the first one is the submission)."""

    __tablename__ = "job_events"
    __table_args__ = (
        CheckConstraint(f"to_status IN ({_STATUSES})", name="to_status"),
        Index("ix_job_events_job", "job_id", "id"),
        Index("ix_job_events_org_at", "organization_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(ForeignKey("task_executions.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    detail: Mapped[str | None] = mapped_column(Text)


#: Name of the PostgreSQL-only trigram index of the job text search.
SEARCH_INDEX = "ix_task_executions_search"

#: Its SQL expression; :func:`search_text` builds the same one, so that the
#: planner uses the index.
SEARCH_SQL = "(id || ' ' || coalesce(name, '') || ' ' || task_id || ' ' || user_name)"


def search_text(jobs: Any = JobRow) -> ColumnElement[str]:
    """What the text filter of a job listing searches: id, name, task and user, in one text.

    ``jobs`` is the job table's entity, or an alias of it (a subquery of jobs).
    """
    space: ColumnElement[str] = literal_column("' '")
    return (
        jobs.id
        + space
        + func.coalesce(jobs.name, literal_column("''"))
        + space
        + jobs.task_id
        + space
        + jobs.user_name
    )
