"""``GET /services``: the registered workers, their capabilities and health."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from madlab.domain.workers import WorkerStatus
from madlab_server.handlers.base import MadlabHandler


class ServicesHandler(MadlabHandler):
    """Workers of the service registry (shared by every organization)."""

    def get(self) -> None:
        """Each worker with ``healthy``: online or busy and heard from recently."""
        services = self.madlab.services
        cutoff = datetime.now(timezone.utc) - timedelta(seconds=services.settings.worker_timeout_s)
        with services.store.unit_of_work() as uow:
            workers = uow.workers.list()
        out = []
        for w in workers:
            seen = w.last_heartbeat
            if seen.tzinfo is None:
                seen = seen.replace(tzinfo=timezone.utc)
            out.append(
                {
                    "name": w.name,
                    "hostname": w.hostname,
                    "status": w.status.value,
                    "capabilities": w.capabilities,
                    "last_heartbeat": seen.isoformat(),
                    "started_at": w.started_at.isoformat(),
                    "healthy": w.status in (WorkerStatus.ONLINE, WorkerStatus.BUSY)
                    and seen >= cutoff,
                }
            )
        self.send_json({"services": out})
