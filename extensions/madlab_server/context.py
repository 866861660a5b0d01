"""What every handler shares: the core services, the policy and the limits."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from madlab.bootstrap import Services
from madlab_server.batching import SubmissionBatcher
from madlab_server.files import FileCatalog
from madlab_server.identity import OrganizationPolicy
from madlab_server.listings import ListingCache
from madlab_server.pipelines import Pipelines
from madlab_server.ratelimit import RateLimiter

T = TypeVar("T")

#: Threads that run the store work of requests on a networked database.
STORE_THREADS = 8


@dataclass
class ServerContext:
    """The object graph of the extension, kept in the Tornado settings.

    On PostgreSQL, ``store_pool`` (:data:`STORE_THREADS` threads) runs the
    store work of the handlers (submit, listings) off the server's event
    loop, so that database round trips and commits never hold up other
    requests. The embedded SQLite store has no round trips and, in WAL mode
    with ``synchronous=NORMAL``, no disk flush per commit: its work is plain
    CPU work under the GIL, which a thread would only slow down (every hand
    over between the loop and the thread waits for the GIL), so it runs
    inline (``store_pool`` is ``None``).
    """

    services: Services
    policy: OrganizationPolicy
    files: FileCatalog
    pipelines: Pipelines
    execute_limit: RateLimiter
    upload_limit: RateLimiter
    task_listings: ListingCache = field(default_factory=ListingCache)
    store_pool: ThreadPoolExecutor | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        if self.services.store.engine.dialect.name != "sqlite":
            self.store_pool = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="madlab-store")

    async def run_blocking(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` in :attr:`store_pool`, awaited; inline without a pool."""
        if self.store_pool is None:
            return fn(*args, **kwargs)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.store_pool, functools.partial(fn, *args, **kwargs))

    @functools.cached_property
    def submissions(self) -> SubmissionBatcher:
        """Where execute requests go: recorded in batches while the store is busy."""
        return SubmissionBatcher(self.services.jobs.submit_many, self.run_blocking)

    def close(self) -> None:
        """Stop the store threads (work already started finishes)."""
        if self.store_pool is not None:
            self.store_pool.shutdown(wait=False, cancel_futures=True)
