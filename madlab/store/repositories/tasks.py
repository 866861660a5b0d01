"""SQLAlchemy implementation of :class:`~madlab.store.ports.TaskDefinitionRepository`."""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from madlab.domain.tasks import TaskDefinition, TaskStatus
from madlab.errors import ConflictError, NotFoundError, PermissionDeniedError
from madlab.store import values
from madlab.store.mapping import to_task
from madlab.store.models import OrganizationRow, TaskDefinitionRow
from madlab.store.ports.catalog import TaskDefinitionRepository


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key of version strings: numbers compare as numbers (``2 < 10``)."""
    parts = re.findall(r"\d+|[^\d.]+", version)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


class SqlTaskDefinitionRepository(TaskDefinitionRepository):
    """Task definitions in a SQL database."""

    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self._session = session
        self._clock = clock

    def save(self, definition: TaskDefinition) -> TaskDefinition:
        """Insert or update a definition the caller owns."""
        owner = definition.organization_id
        if owner is not None and self._session.get(OrganizationRow, owner) is None:
            raise NotFoundError("organization", owner)
        task_id = values.text(definition.task_id, "task_id", max_length=128)
        version = values.text(definition.version, "version", max_length=32)
        row = self._find(task_id, version)
        now = self._clock()
        if row is None:
            row = TaskDefinitionRow(
                organization_id=owner, task_id=task_id, version=version, created_at=now
            )
            self._session.add(row)
        elif row.organization_id != owner:
            raise ConflictError(
                f"task {task_id} version {version} is already defined by "
                + ("madlab" if row.organization_id is None else "another organization"),
                hint="choose another task id or version",
                task_id=task_id,
                version=version,
            )
        row.name = values.text(definition.name, "name", max_length=200)
        row.category = values.text(definition.category, "category", max_length=64)
        row.description = definition.description
        row.interface_spec = values.json_object(definition.interface_spec, "interface_spec")
        row.service_config = values.json_object(definition.service_config, "service_config")
        row.status = TaskStatus(definition.status).value
        row.updated_at = now
        self._session.flush()
        return to_task(row)

    def get(
        self, task_id: str, version: str | None = None, *, organization_id: str | None
    ) -> TaskDefinition:
        """A visible definition; the newest active one when ``version`` is None."""
        if version is not None:
            row = self._find(task_id, version)
            if row is None or not self._visible(row, organization_id):
                raise NotFoundError("task", f"{task_id} version {version}")
            return to_task(row)
        rows = self._visible_rows(organization_id, include_deprecated=False, task_id=task_id)
        if not rows:
            raise NotFoundError("task", task_id, hint="no active version is registered")
        return to_task(max(rows, key=lambda r: version_key(r.version)))

    def list(
        self,
        *,
        organization_id: str | None,
        category: str | None = None,
        include_deprecated: bool = False,
    ) -> builtins.list[TaskDefinition]:
        """Visible definitions, by task id then version."""
        rows = self._visible_rows(organization_id, include_deprecated=include_deprecated)
        if category is not None:
            rows = [r for r in rows if r.category == category]
        rows.sort(key=lambda r: (r.task_id, version_key(r.version)))
        return [to_task(r) for r in rows]

    def set_status(
        self, task_id: str, version: str, status: TaskStatus, *, organization_id: str | None
    ) -> TaskDefinition:
        """Change the status of a definition the caller owns."""
        row = self._find(task_id, version)
        if row is None or not self._visible(row, organization_id):
            raise NotFoundError("task", f"{task_id} version {version}")
        if row.organization_id != organization_id:
            raise PermissionDeniedError(
                f"task {task_id} version {version} is built into madlab and cannot be changed "
                "by an organization",
                task_id=task_id,
                version=version,
            )
        row.status = TaskStatus(status).value
        row.updated_at = self._clock()
        self._session.flush()
        return to_task(row)

    def _find(self, task_id: str, version: str) -> TaskDefinitionRow | None:
        query = select(TaskDefinitionRow).where(
            TaskDefinitionRow.task_id == task_id, TaskDefinitionRow.version == version
        )
        return self._session.scalars(query).one_or_none()

    @staticmethod
    def _visible(row: TaskDefinitionRow, organization_id: str | None) -> bool:
        return row.organization_id is None or row.organization_id == organization_id

    def _visible_rows(
        self,
        organization_id: str | None,
        *,
        include_deprecated: bool,
        task_id: str | None = None,
    ) -> builtins.list[TaskDefinitionRow]:
        query = select(TaskDefinitionRow).where(
            or_(
                TaskDefinitionRow.organization_id.is_(None),
                TaskDefinitionRow.organization_id == organization_id,
            )
        )
        if task_id is not None:
            query = query.where(TaskDefinitionRow.task_id == task_id)
        if not include_deprecated:
            query = query.where(TaskDefinitionRow.status == TaskStatus.ACTIVE.value)
        return list(self._session.scalars(query))
