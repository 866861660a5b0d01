"""Keyset cursors are opaque round-trips; anything else is refused."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest

from madlab.errors import ValidationError
from madlab.store.cursor import decode_cursor, decode_keyset, encode_cursor, encode_keyset


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


def test_a_keyset_cursor_round_trips_with_its_kinds() -> None:
    stamp = datetime(2025, 3, 1, 8, 30, tzinfo=timezone.utc)
    cursor = encode_keyset("-priority", [5, stamp, "job-1"])
    assert decode_keyset(cursor, "-priority", ("int", "time", "text")) == [5, stamp, "job-1"]


def test_a_keyset_cursor_of_another_sort_is_refused_with_a_hint() -> None:
    cursor = encode_keyset("status", ["queued", "job-1"])
    with pytest.raises(ValidationError) as info:
        decode_keyset(cursor, "-status", ("text", "text"))
    assert info.value.field == "after"
    assert "same sort" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("key", "kinds"),
    [
        (["2025-01-01T00:00:00", "x"], ("time", "text")),  # no time zone
        (["not a time", "x"], ("time", "text")),
        ([True, "x"], ("int", "text")),
        ([1, 2], ("int", "text")),
        (["x"], ("text", "text")),
    ],
)
def test_a_keyset_cursor_with_wrong_values_is_refused(
    key: list[object], kinds: tuple[str, ...]
) -> None:
    raw = json.dumps(["s", *key]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    with pytest.raises(ValidationError) as info:
        decode_keyset(cursor, "s", kinds)
    assert info.value.field == "after"
    assert "not a cursor" in info.value.message
