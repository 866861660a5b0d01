"""SQLAlchemy implementation of :class:`~madlab.store.ports.WorkerRepository`."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from madlab.domain.workers import Worker, WorkerStatus
from madlab.errors import NotFoundError
from madlab.store import values
from madlab.store.mapping import to_worker
from madlab.store.models import WorkerRow
from madlab.store.ports.catalog import WorkerRepository


class SqlWorkerRepository(WorkerRepository):
    """The service registry in a SQL database."""

    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self._session = session
        self._clock = clock

    def heartbeat(
        self,
        name: str,
        *,
        capabilities: Mapping[str, Any] | None = None,
        status: WorkerStatus = WorkerStatus.ONLINE,
        hostname: str | None = None,
    ) -> Worker:
        """Register or refresh a worker."""
        now = self._clock()
        row = self._session.get(WorkerRow, values.text(name, "name", max_length=200))
        if row is None:
            row = WorkerRow(name=name, started_at=now, capabilities={})
            self._session.add(row)
        if capabilities is not None:
            row.capabilities = values.json_object(capabilities, "capabilities")
        if hostname is not None:
            row.hostname = hostname
        row.status = WorkerStatus(status).value
        row.last_heartbeat = now
        self._session.flush()
        return to_worker(row)

    def get(self, name: str) -> Worker:
        """The worker."""
        return to_worker(self._row(name))

    def list(
        self, *, status: WorkerStatus | None = None, seen_since: datetime | None = None
    ) -> builtins.list[Worker]:
        """Workers by name."""
        query = select(WorkerRow).order_by(WorkerRow.name)
        if status is not None:
            query = query.where(WorkerRow.status == WorkerStatus(status).value)
        if seen_since is not None:
            query = query.where(WorkerRow.last_heartbeat >= values.aware(seen_since, "seen_since"))
        return [to_worker(r) for r in self._session.scalars(query)]

    def set_status(self, name: str, status: WorkerStatus) -> Worker:
        """Change a worker's status."""
        row = self._row(name)
        row.status = WorkerStatus(status).value
        self._session.flush()
        return to_worker(row)

    def _row(self, name: str) -> WorkerRow:
        row = self._session.get(WorkerRow, name)
        if row is None:
            raise NotFoundError("worker", name)
        return row
