"""Serialized task listings kept for a short while, each loaded once however many ask.

A task listing is the same for every member of an organization, changes
rarely, and is asked for by every page of the task library. The server keeps
its JSON with an ETag for :data:`LISTING_TTL_S` seconds. When it expires under
load, the requests that find it missing wait for one load instead of each
reading the store (on PostgreSQL, fifty concurrent clients made fifty reads
at every expiry: a fifth of the server's time and a 130 ms tail).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable

#: Seconds a listing is served from memory (registrations through the API
#: are seen at once; through the CLI within this time).
LISTING_TTL_S = 2.0

#: (organization, category or None).
Key = tuple[str, str | None]


class ListingCache:
    """Listings by organization and category: ``(body, etag)``, single-flight loads."""

    def __init__(self, ttl_s: float = LISTING_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[Key, tuple[float, bytes, str]] = {}
        self._loading: dict[Key, asyncio.Task[tuple[bytes, str]]] = {}
        self._generation: dict[str, int] = {}

    async def get(self, key: Key, load: Callable[[], Awaitable[bytes]]) -> tuple[bytes, str]:
        """The listing's body and ETag: from memory, or from ``load`` (one at a time per key)."""
        hit = self._entries.get(key)
        if hit is not None and time.monotonic() - hit[0] <= self.ttl_s:
            return hit[1], hit[2]
        task = self._loading.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(key, load))
            self._loading[key] = task
        # one caller going away must not cancel the load the others wait for
        return await asyncio.shield(task)

    def drop(self, organization_id: str) -> None:
        """Forget the organization's listings, and any load started before now."""
        self._generation[organization_id] = self._generation.get(organization_id, 0) + 1
        for key in [k for k in self._entries if k[0] == organization_id]:
            del self._entries[key]
        for key in [k for k in self._loading if k[0] == organization_id]:
            del self._loading[key]

    async def _load(self, key: Key, load: Callable[[], Awaitable[bytes]]) -> tuple[bytes, str]:
        generation = self._generation.get(key[0], 0)
        me = asyncio.current_task()
        try:
            body = await load()
        finally:
            if self._loading.get(key) is me:
                del self._loading[key]
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'
        if self._generation.get(key[0], 0) == generation:  # not dropped meanwhile
            self._entries[key] = (time.monotonic(), body, etag)
        return body, etag
