"""Per-user rate limit of costly requests (execute, upload)."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

from madlab.errors import RateLimitedError


class RateLimiter:
    """A sliding-window limit: at most ``limit`` requests per ``window_s`` per key.

    Parameters
    ----------
    limit
        Requests allowed in one window; 0 or less disables the limit.
    window_s
        Length of the window in seconds.
    clock
        Monotonic clock (for tests).
    """

    def __init__(
        self, limit: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: str, action: str = "request") -> None:
        """Count one request of ``key``, or refuse it.

        Raises
        ------
        madlab.errors.RateLimitedError
            When ``key`` already made ``limit`` requests in the window; its
            ``retry_after`` says in how many seconds the next one is accepted.
        """
        if self.limit <= 0:
            return
        now = self._clock()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                wait = max(1, math.ceil(hits[0] + self.window_s - now))
                raise RateLimitedError(
                    f"too many {action}s: {self.limit} per {self.window_s:g} s are allowed",
                    retry_after=wait,
                    hint=f"retry in {wait} s",
                )
            hits.append(now)
