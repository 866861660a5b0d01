"""Opaque cursors of keyset pagination: the sort key of a page's last row."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from madlab.errors import ValidationError


def encode_cursor(created_at: datetime, row_id: str) -> str:
    """Cursor pointing just after the row ``(created_at, row_id)``."""
    raw = json.dumps([created_at.isoformat(), row_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, field: str = "after") -> tuple[datetime, str]:
    """The ``(created_at, id)`` a cursor points after.

    Raises
    ------
    madlab.errors.ValidationError
        For a string that no listing produced.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        created_at = datetime.fromisoformat(stamp)
        if created_at.tzinfo is None or not isinstance(row_id, str):
            raise ValueError("incomplete cursor")
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as err:
        raise ValidationError(
            f"{field} is not a cursor of this listing",
            field=field,
            hint="pass the next_cursor of the previous page unchanged",
        ) from err
    return created_at, row_id
