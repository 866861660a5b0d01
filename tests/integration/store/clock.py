"""A predictable clock for the store's timestamps."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


class StepClock:
    """A clock that moves forward by ``step`` at each reading (ties when step is 0)."""

    def __init__(self, step: timedelta = timedelta(milliseconds=1)) -> None:
        self.now = datetime(2025, 1, 1, 12, 0, tzinfo=timezone.utc)
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now
