"""Choosing the event bus from settings: Redis pub/sub or the process's own bus."""

from __future__ import annotations

from madlab.runtime.bus_memory import InMemoryEventBus
from madlab.runtime.events import EventBus
from madlab.settings import Settings

__all__ = ["REDIS_SCHEMES", "event_bus_from_settings", "local_bus"]

#: URL schemes that select the Redis event bus.
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")

#: The in-process bus shared by everything in this process (embedded mode).
_LOCAL = InMemoryEventBus()


def local_bus() -> InMemoryEventBus:
    """The process-wide in-memory event bus."""
    return _LOCAL


def event_bus_from_settings(settings: Settings) -> EventBus:
    """The event bus of ``settings``.

    ``MADLAB_EVENTS_URL`` when set, else ``MADLAB_BROKER_URL``: a Redis URL
    gives a :class:`~madlab.runtime.bus_redis.RedisEventBus`; anything else (or
    nothing) the process-wide :class:`InMemoryEventBus`, so that every
    service built in one process shares its events.
    """
    url = settings.events_url or settings.broker_url
    if url.startswith(REDIS_SCHEMES):
        from madlab.runtime.bus_redis import RedisEventBus

        return RedisEventBus(url)
    return _LOCAL
