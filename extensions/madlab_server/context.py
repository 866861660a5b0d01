"""What every handler shares: the core services, the policy and the limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from madlab.bootstrap import Services
from madlab_server.files import FileCatalog
from madlab_server.identity import OrganizationPolicy
from madlab_server.pipelines import Pipelines
from madlab_server.ratelimit import RateLimiter


@dataclass
class ServerContext:
    """The object graph of the extension, kept in the Tornado settings."""

    services: Services
    policy: OrganizationPolicy
    files: FileCatalog
    pipelines: Pipelines
    execute_limit: RateLimiter
    upload_limit: RateLimiter
    cache: dict[Any, Any] = field(default_factory=dict)
