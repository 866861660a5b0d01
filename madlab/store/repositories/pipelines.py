"""SQLAlchemy implementation of :class:`~madlab.store.ports.PipelineRepository`."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from madlab.domain.pipeline_records import PipelineRecord
from madlab.errors import ConflictError, NotFoundError
from madlab.store import values
from madlab.store.mapping import to_pipeline
from madlab.store.models import OrganizationRow, PipelineRow
from madlab.store.ports.catalog import PipelineRepository


class SqlPipelineRepository(PipelineRepository):
    """Saved pipelines in a SQL database."""

    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self._session = session
        self._clock = clock

    def add(
        self,
        organization_id: str,
        *,
        name: str,
        spec: Mapping[str, Any],
        created_by: str,
        version: str = "1",
        description: str = "",
        tags: Sequence[str] = (),
    ) -> PipelineRecord:
        """Save a new pipeline."""
        if self._session.get(OrganizationRow, organization_id) is None:
            raise NotFoundError("organization", organization_id)
        name = values.text(name, "name", max_length=200)
        version = values.text(version, "version", max_length=32)
        clash = select(PipelineRow.id).where(
            PipelineRow.organization_id == organization_id,
            PipelineRow.name == name,
            PipelineRow.version == version,
        )
        if self._session.scalars(clash).first() is not None:
            raise ConflictError(
                f"pipeline {name!r} version {version} already exists",
                hint="save it under a new version",
                name=name,
                version=version,
            )
        now = self._clock()
        row = PipelineRow(
            id=str(uuid.uuid4()),
            organization_id=organization_id,
            name=name,
            version=version,
            description=description,
            spec=values.json_object(spec, "spec"),
            tags=values.json_document(list(tags), "tags"),
            created_by=values.text(created_by, "created_by", max_length=128),
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        self._session.flush()
        return to_pipeline(row)

    def get(self, organization_id: str, pipeline_id: str) -> PipelineRecord:
        """A saved pipeline."""
        return to_pipeline(self._row(organization_id, pipeline_id))

    def update(
        self,
        organization_id: str,
        pipeline_id: str,
        *,
        spec: Mapping[str, Any] | None = None,
        description: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> PipelineRecord:
        """Replace the given fields."""
        row = self._row(organization_id, pipeline_id)
        if spec is not None:
            row.spec = values.json_object(spec, "spec")
        if description is not None:
            row.description = description
        if tags is not None:
            row.tags = values.json_document(list(tags), "tags")
        row.updated_at = self._clock()
        self._session.flush()
        return to_pipeline(row)

    def list(self, organization_id: str) -> builtins.list[PipelineRecord]:
        """The organization's pipelines, newest first."""
        query = (
            select(PipelineRow)
            .where(PipelineRow.organization_id == organization_id)
            .order_by(PipelineRow.created_at.desc(), PipelineRow.id.desc())
        )
        return [to_pipeline(r) for r in self._session.scalars(query)]

    def delete(self, organization_id: str, pipeline_id: str) -> None:
        """Delete a saved pipeline."""
        self._session.delete(self._row(organization_id, pipeline_id))
        self._session.flush()

    def _row(self, organization_id: str, pipeline_id: str) -> PipelineRow:
        row = self._session.get(PipelineRow, pipeline_id)
        if row is None or row.organization_id != organization_id:
            raise NotFoundError("pipeline", pipeline_id)
        return row
