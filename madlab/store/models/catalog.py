"""Tables of task definitions, the service registry (workers) and saved pipelines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from madlab.domain.tasks import TaskStatus
from madlab.domain.workers import WorkerStatus
from madlab.store.models.base import Base, in_list
from madlab.store.types import JSONType, UTCDateTime, utcnow


class TaskDefinitionRow(Base):
    """A task definition; ``organization_id`` is NULL for built-ins."""

    __tablename__ = "task_definitions"
    __table_args__ = (
        UniqueConstraint("task_id", "version"),
        CheckConstraint(f"status IN ({in_list([s.value for s in TaskStatus])})", name="status"),
        Index("ix_task_definitions_org_category", "organization_id", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    task_id: Mapped[str] = mapped_column(String(128))
    version: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    interface_spec: Mapped[dict[str, Any]] = mapped_column(JSONType)
    service_config: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.ACTIVE.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WorkerRow(Base):
    """A worker in the service registry, kept fresh by its heartbeats."""

    __tablename__ = "workers"
    __table_args__ = (
        CheckConstraint(f"status IN ({in_list([s.value for s in WorkerStatus])})", name="status"),
        Index("ix_workers_status_heartbeat", "status", "last_heartbeat"),
    )

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    hostname: Mapped[str | None] = mapped_column(String(255))
    capabilities: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16))
    last_heartbeat: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PipelineRow(Base):
    """A saved pipeline spec, unique per (organization, name, version)."""

    __tablename__ = "pipelines"
    __table_args__ = (
        UniqueConstraint("organization_id", "name", "version"),
        Index("ix_pipelines_org_created", "organization_id", "created_at", "id"),
        Index("ix_pipelines_visibility", "visibility"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType)
    tags: Mapped[list[str]] = mapped_column(JSONType)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: A template others start pipelines from.
    is_template: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: ``private`` (its author), ``organization`` (shared) or ``public`` (read-only to all).
    visibility: Mapped[str] = mapped_column(String(16), default="private", server_default="private")
