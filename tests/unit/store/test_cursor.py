"""Keyset cursors are opaque round-trips; anything else is refused."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from madlab.errors import ValidationError
from madlab.store.cursor import decode_cursor, encode_cursor


def test_a_cursor_round_trips() -> None:
    stamp = datetime(2025, 3, 1, 8, 30, 0, 123456, tzinfo=timezone.utc)
    cursor = encode_cursor(stamp, "0b9c5c1e-2a47-4c11-9d0b-0f3f3c1d6a11")
    assert "=" not in cursor
    assert decode_cursor(cursor) == (stamp, "0b9c5c1e-2a47-4c11-9d0b-0f3f3c1d6a11")


@pytest.mark.parametrize("cursor", ["", "!!!", "e30", "WyIyMDI1LTAxLTAxIiwgIngiXQ", "WzEsMl0"])
def test_anything_else_is_refused(cursor: str) -> None:
    with pytest.raises(ValidationError) as info:
        decode_cursor(cursor)
    assert info.value.field == "after"
