"""Job events and the event bus port.

The store is the truth; events are notifications published after each write
(state changes, progress, partial results), so that the CLI, the WebSocket
handler and widgets can follow jobs live. Adapters: in-process (embedded mode)
and Redis pub/sub (distributed mode).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import TracebackType
from typing import Any


def _now() -> datetime:
    return datetime.now(timezone.utc)


class EventType:
    """Names of the events madlab publishes."""

    JOB_STATE = "job.state"  # payload: status, previous, error?
    JOB_PROGRESS = "job.progress"  # payload: done, total
    JOB_PARTIAL = "job.partial"  # payload: one ligand's result summary
    WORKER_HEALTH = "worker.health"  # payload: worker, status


@dataclass(frozen=True)
class Event:
    """One notification about a job (or a worker), scoped to an organization."""

    type: str
    organization_id: str
    job_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    pipeline_id: str | None = None
    timestamp: datetime = field(default_factory=_now)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (timestamp in ISO 8601)."""
        return {
            "type": self.type,
            "organization_id": self.organization_id,
            "job_id": self.job_id,
            "pipeline_id": self.pipeline_id,
            "payload": self.payload,
            "timestamp": self.timestamp.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        """Inverse of :meth:`to_dict`."""
        return cls(
            type=str(data["type"]),
            organization_id=str(data["organization_id"]),
            job_id=data.get("job_id"),
            pipeline_id=data.get("pipeline_id"),
            payload=dict(data.get("payload") or {}),
            timestamp=datetime.fromisoformat(data["timestamp"]),
        )


class Subscription(ABC):
    """A stream of the events matching one subscription; close it when done."""

    @abstractmethod
    def get(self, timeout: float | None = None) -> Event | None:
        """The next event, or ``None`` when none came within ``timeout`` seconds."""

    @abstractmethod
    def close(self) -> None:
        """Stop receiving; further ``get`` calls return ``None``."""

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class EventBus(ABC):
    """Port: publish job events and subscribe to an organization's events."""

    @abstractmethod
    def publish(self, event: Event) -> None:
        """Send ``event`` to every matching subscriber (never raises on no listener)."""

    @abstractmethod
    def subscribe(
        self,
        organization_id: str,
        *,
        job_id: str | None = None,
        pipeline_id: str | None = None,
    ) -> Subscription:
        """Events of one organization, optionally only one job's or one pipeline run's."""
