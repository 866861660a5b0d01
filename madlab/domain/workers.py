"""The service registry: workers that run jobs and what they can do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class WorkerStatus(str, Enum):
    """What a worker said about itself in its last heartbeat."""

    ONLINE = "online"
    BUSY = "busy"
    DRAINING = "draining"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Worker:
    """A worker process in the service registry.

    ``capabilities`` lists what it can run (engines and their versions, GPU,
    queues); ``last_heartbeat`` tells whether it is still alive.
    """

    name: str
    status: WorkerStatus
    last_heartbeat: datetime
    started_at: datetime
    hostname: str | None = None
    capabilities: dict[str, Any] = field(default_factory=dict)
