"""Objects made at start-up stay out of the collector's scans; garbage is collected first."""

from __future__ import annotations

import gc
import weakref

from madlab_server.app import freeze_startup_objects


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_start_up_objects_are_frozen_after_the_garbage_is_collected() -> None:
    garbage = _Node()
    gone = weakref.ref(garbage)
    del garbage
    kept = _Node()
    before = gc.get_freeze_count()
    try:
        freeze_startup_objects()
        assert gone() is None  # collected, not frozen
        assert gc.get_freeze_count() > before
        assert all(o is not kept for o in gc.get_objects())  # out of every generation
    finally:
        gc.unfreeze()
