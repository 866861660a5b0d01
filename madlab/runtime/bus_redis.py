"""The Redis pub/sub event bus (distributed mode).

Events are published as JSON to one channel per organization
(``madlab:events:<organization>``), so a subscriber only ever receives its
own organization's traffic. One listener thread per bus holds one pub/sub
connection for all of the process's subscriptions, subscribed to the channels
in use, and hands each event to the matching subscriptions (the job and
pipeline filters are applied here, client-side). When Redis goes away the
listener reconnects with backoff and subscribes again; events published while
it was away are not replayed (the store is the truth: read it to catch up).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from madlab.errors import ServiceUnavailableError, ValidationError
from madlab.runtime.bus_memory import QueueSubscription, SubscriptionHub
from madlab.runtime.events import Event, EventBus

__all__ = ["CHANNEL_PREFIX", "RedisEventBus", "channel_for"]

log = logging.getLogger(__name__)

#: Prefix of the per-organization channels.
CHANNEL_PREFIX = "madlab:events"

_CONNECTION_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError)


def channel_for(organization_id: str, prefix: str = CHANNEL_PREFIX) -> str:
    """The channel of an organization's events (``madlab:events:<organization>``)."""
    return f"{prefix}:{organization_id}"


class RedisEventBus(EventBus):
    """Events through Redis pub/sub, across processes and machines.

    Parameters
    ----------
    url
        ``redis://host:port/db`` (``rediss://`` for TLS).
    prefix
        Channel prefix (one channel per organization under it).
    subscribe_timeout
        Seconds :meth:`subscribe` waits for Redis to confirm.
    publish_timeout
        Seconds :meth:`publish` keeps retrying while Redis is unreachable
        before it gives the event up (with a logged warning).
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = CHANNEL_PREFIX,
        subscribe_timeout: float = 5.0,
        publish_timeout: float = 3.0,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.subscribe_timeout = subscribe_timeout
        self.publish_timeout = publish_timeout
        try:
            self._client = redis.Redis.from_url(
                url,
                socket_connect_timeout=2.0,
                socket_keepalive=True,
                health_check_interval=15,
                retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
            )
        except ValueError as err:
            raise ValidationError(
                f"{url!r} is not a Redis URL: {err}",
                field="events_url",
                hint="use redis://host:6379/0",
            ) from None
        self._hub = SubscriptionHub()
        self._wanted: Counter[str] = Counter()
        self._confirmed: set[str] = set()
        self._state = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.reconnects = 0

    def __repr__(self) -> str:
        return f"RedisEventBus({self._display_url()!r})"

    def _display_url(self) -> str:
        kwargs = self._client.connection_pool.connection_kwargs
        return f"redis://{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"

    # -- publishing -----------------------------------------------------

    def publish(self, event: Event) -> None:
        """Send ``event`` to its organization's channel.

        Never raises for want of listeners or while Redis is unreachable: it
        retries for ``publish_timeout`` seconds, then logs a warning and drops
        the event (the store already holds what it announces).

        Raises
        ------
        madlab.errors.ValidationError
            When the event's payload is not JSON.
        """
        try:
            data = json.dumps(event.to_dict(), allow_nan=False)
        except (TypeError, ValueError) as err:
            raise ValidationError(
                f"event {event.type} of job {event.job_id} cannot be sent as JSON: {err}",
                field="payload",
            ) from None
        channel = channel_for(event.organization_id, self.prefix)
        deadline = time.monotonic() + self.publish_timeout
        delay = 0.05
        while True:
            try:
                self._client.publish(channel, data)
                return
            except _CONNECTION_ERRORS as err:
                if time.monotonic() + delay > deadline:
                    log.warning(
                        "event %s of job %s not published: Redis at %s unreachable (%s)",
                        event.type,
                        event.job_id,
                        self._display_url(),
                        err,
                    )
                    return
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    # -- subscribing ----------------------------------------------------

    def subscribe(
        self,
        organization_id: str,
        *,
        job_id: str | None = None,
        pipeline_id: str | None = None,
    ) -> QueueSubscription:
        """Events of one organization, optionally only one job's or one pipeline run's.

        Returns once Redis has confirmed the subscription, so every event
        published afterwards is received.

        Raises
        ------
        madlab.errors.ServiceUnavailableError
            When Redis does not confirm within ``subscribe_timeout`` seconds.
        """
        channel = channel_for(organization_id, self.prefix)
        sub = self._hub.add(
            organization_id,
            job_id=job_id,
            pipeline_id=pipeline_id,
            on_close=lambda _: self._release(channel),
        )
        with self._state:
            self._wanted[channel] += 1
            self._ensure_listener()
            self._state.notify_all()
            ok = self._state.wait_for(
                lambda: channel in self._confirmed, timeout=self.subscribe_timeout
            )
        if not ok:
            sub.close()
            raise ServiceUnavailableError(
                f"the event bus at {self._display_url()} did not confirm a subscription "
                f"within {self.subscribe_timeout:g} s",
                hint="check that Redis is running and MADLAB_EVENTS_URL / MADLAB_BROKER_URL",
                service="redis",
            )
        return sub

    def _release(self, channel: str) -> None:
        with self._state:
            self._wanted[channel] -= 1
            if self._wanted[channel] <= 0:
                del self._wanted[channel]
            self._state.notify_all()

    @property
    def subscribers(self) -> int:
        """Open subscriptions of this process."""
        return len(self._hub)

    def close(self) -> None:
        """Stop the listener and close the connections (subscriptions stay open, silent)."""
        with self._state:
            self._stopping = True
            self._state.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        self._client.close()

    # -- the listener thread ----------------------------------------------

    def _ensure_listener(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping = False
            self._thread = threading.Thread(
                target=self._listen, name="madlab-event-listener", daemon=True
            )
            self._thread.start()

    def _listen(self) -> None:
        pubsub: Any = None
        subscribed: set[str] = set()
        backoff = 0.1
        while True:
            with self._state:
                if self._stopping:
                    break
                if not self._wanted and not subscribed:
                    self._state.wait(timeout=1.0)
                    continue
                wanted = set(self._wanted)
            try:
                if pubsub is None:
                    pubsub = self._client.pubsub()
                    subscribed = set()
                added, removed = wanted - subscribed, subscribed - wanted
                if added:
                    pubsub.subscribe(*sorted(added))
                if removed:
                    pubsub.unsubscribe(*sorted(removed))
                    with self._state:
                        self._confirmed -= removed
                subscribed = wanted
                message = pubsub.get_message(timeout=0.2)
                if message is not None:
                    self._handle(message)
                backoff = 0.1
            except _CONNECTION_ERRORS as err:
                log.warning("event bus: lost Redis at %s (%s), reconnecting", self.url, err)
                with self._state:
                    self._confirmed.clear()
                self._reset(pubsub)
                pubsub, subscribed = None, set()
                self.reconnects += 1
                time.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
        self._reset(pubsub)

    @staticmethod
    def _reset(pubsub: Any) -> None:
        if pubsub is None:
            return
        try:
            pubsub.close()
        except Exception:  # a dead connection may fail to close; it is dropped anyway
            log.debug("event bus: closing a dead pub/sub connection failed", exc_info=True)

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        channel = message.get("channel")
        channel = channel.decode() if isinstance(channel, bytes) else str(channel)
        if kind == "subscribe":
            with self._state:
                self._confirmed.add(channel)
                self._state.notify_all()
        elif kind == "message":
            try:
                event = Event.from_dict(json.loads(message["data"]))
            except (ValueError, KeyError, TypeError) as err:
                log.warning("event bus: ignored a malformed message on %s: %s", channel, err)
                return
            self._hub.deliver(event)
