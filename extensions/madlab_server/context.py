"""What every handler shares: the core services, the policy and the limits."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from madlab.bootstrap import Services
from madlab_server.files import FileCatalog
from madlab_server.identity import OrganizationPolicy
from madlab_server.pipelines import Pipelines
from madlab_server.ratelimit import RateLimiter

T = TypeVar("T")

#: Threads that run store work for PostgreSQL (SQLite gets one: it has one writer).
STORE_THREADS = 8


@dataclass
class ServerContext:
    """The object graph of the extension, kept in the Tornado settings.

    ``store_pool`` runs the blocking store work of the handlers (submit,
    listings) off the server's event loop, so that a database round trip or
    commit never holds up other requests. SQLite has one writer at a time:
    one thread serializes its work instead of having writers wait on the
    file lock; PostgreSQL gets :data:`STORE_THREADS`.
    """

    services: Services
    policy: OrganizationPolicy
    files: FileCatalog
    pipelines: Pipelines
    execute_limit: RateLimiter
    upload_limit: RateLimiter
    cache: dict[Any, Any] = field(default_factory=dict)
    store_pool: ThreadPoolExecutor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        sqlite = self.services.store.engine.dialect.name == "sqlite"
        self.store_pool = ThreadPoolExecutor(
            1 if sqlite else STORE_THREADS, thread_name_prefix="madlab-store"
        )

    async def run_blocking(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` in :attr:`store_pool`, awaited on the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.store_pool, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        """Stop the store threads (work already started finishes)."""
        self.store_pool.shutdown(wait=False, cancel_futures=True)
