"""The in-process event bus (embedded mode), and the subscriptions both buses hand out.

Every subscription has its own bounded queue, so a slow reader never blocks a
publisher or another reader: when a queue is full, its oldest event is dropped
(and counted). Filtering by organization, job and pipeline run happens on
delivery. All of it is thread-safe.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from madlab.runtime.events import Event, EventBus, Subscription

__all__ = ["DEFAULT_QUEUE_SIZE", "InMemoryEventBus", "QueueSubscription", "SubscriptionHub"]

#: Events a subscription keeps for its reader before dropping the oldest.
DEFAULT_QUEUE_SIZE = 10_000


class QueueSubscription(Subscription):
    """The events matching one filter, queued for one reader.

    Parameters
    ----------
    organization_id, job_id, pipeline_id
        The filter: events of this organization, and of this job or pipeline
        run when given.
    maxsize
        Events kept before the oldest is dropped.
    on_close
        Called once when the subscription is closed.
    """

    def __init__(
        self,
        organization_id: str,
        *,
        job_id: str | None = None,
        pipeline_id: str | None = None,
        maxsize: int = DEFAULT_QUEUE_SIZE,
        on_close: Callable[[QueueSubscription], None] | None = None,
    ) -> None:
        self.organization_id = organization_id
        self.job_id = job_id
        self.pipeline_id = pipeline_id
        self.dropped = 0
        self._events: deque[Event] = deque(maxlen=maxsize)
        self._ready = threading.Condition()
        self._closed = False
        self._on_close = on_close

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def matches(self, event: Event) -> bool:
        """Whether ``event`` passes this subscription's filter."""
        return (
            event.organization_id == self.organization_id
            and (self.job_id is None or event.job_id == self.job_id)
            and (self.pipeline_id is None or event.pipeline_id == self.pipeline_id)
        )

    def put(self, event: Event) -> None:
        """Queue ``event`` for the reader (dropping the oldest when full)."""
        with self._ready:
            if self._closed:
                return
            if len(self._events) == self._events.maxlen:
                self.dropped += 1
            self._events.append(event)
            self._ready.notify()

    def get(self, timeout: float | None = None) -> Event | None:
        """The next event, or ``None`` after ``timeout`` seconds or once closed."""
        with self._ready:
            if not self._ready.wait_for(lambda: self._events or self._closed, timeout):
                return None
            if self._closed:
                return None
            return self._events.popleft()

    def close(self) -> None:
        """Stop receiving; a reader waiting in :meth:`get` gets ``None`` at once."""
        with self._ready:
            if self._closed:
                return
            self._closed = True
            self._events.clear()
            self._ready.notify_all()
        if self._on_close is not None:
            self._on_close(self)


class SubscriptionHub:
    """The open subscriptions of one process and delivery to the matching ones."""

    def __init__(self, *, maxsize: int = DEFAULT_QUEUE_SIZE) -> None:
        self._subs: set[QueueSubscription] = set()
        self._lock = threading.Lock()
        self._maxsize = maxsize

    def add(
        self,
        organization_id: str,
        *,
        job_id: str | None = None,
        pipeline_id: str | None = None,
        on_close: Callable[[QueueSubscription], None] | None = None,
    ) -> QueueSubscription:
        """Open a subscription; it leaves the hub when closed."""

        def closed(sub: QueueSubscription) -> None:
            with self._lock:
                self._subs.discard(sub)
            if on_close is not None:
                on_close(sub)

        sub = QueueSubscription(
            organization_id,
            job_id=job_id,
            pipeline_id=pipeline_id,
            maxsize=self._maxsize,
            on_close=closed,
        )
        with self._lock:
            self._subs.add(sub)
        return sub

    def deliver(self, event: Event) -> int:
        """Queue ``event`` for every matching subscription; return how many got it."""
        with self._lock:
            targets = [s for s in self._subs if s.matches(event)]
        for sub in targets:
            sub.put(event)
        return len(targets)

    def __len__(self) -> int:
        with self._lock:
            return len(self._subs)


class InMemoryEventBus(EventBus):
    """Events within one process: publishers and subscribers share this object.

    Parameters
    ----------
    maxsize
        Events each subscription keeps for its reader before dropping the oldest.

    Examples
    --------
    >>> bus = InMemoryEventBus()
    >>> with bus.subscribe("acme", job_id="j1") as sub:
    ...     bus.publish(Event("job.state", "acme", job_id="j1", payload={"status": "running"}))
    ...     sub.get(timeout=1).payload["status"]
    'running'
    """

    def __init__(self, *, maxsize: int = DEFAULT_QUEUE_SIZE) -> None:
        self._hub = SubscriptionHub(maxsize=maxsize)

    def publish(self, event: Event) -> None:
        """Queue ``event`` for every matching subscriber (none is fine)."""
        self._hub.deliver(event)

    def subscribe(
        self,
        organization_id: str,
        *,
        job_id: str | None = None,
        pipeline_id: str | None = None,
    ) -> QueueSubscription:
        """Events of one organization, optionally only one job's or one pipeline run's."""
        return self._hub.add(organization_id, job_id=job_id, pipeline_id=pipeline_id)

    @property
    def subscribers(self) -> int:
        """Open subscriptions."""
        return len(self._hub)
