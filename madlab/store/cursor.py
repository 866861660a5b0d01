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


#: Kinds of values a sort key holds: a timestamp, a text or a whole number.
KeyKind = str


def encode_keyset(sort: str, key: list[datetime | str | int]) -> str:
    """Cursor pointing just after the row whose sort key (ending with its id) is ``key``.

    The sort's name is part of the cursor, so a cursor of one order is
    refused by a listing in another.
    """
    parts: list[str | int] = [sort]
    parts.extend(v.isoformat() if isinstance(v, datetime) else v for v in key)
    raw = json.dumps(parts, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_keyset(
    cursor: str, sort: str, kinds: tuple[KeyKind, ...], field: str = "after"
) -> list[datetime | str | int]:
    """The sort key a cursor of ``sort`` points after.

    Parameters
    ----------
    cursor
        A ``next_cursor`` of a listing.
    sort
        The order of the listing now asked for.
    kinds
        ``"time"``, ``"text"`` or ``"int"`` for each part of the key.

    Raises
    ------
    madlab.errors.ValidationError
        For a string that no listing produced, or a cursor of another order.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(parts, list) or len(parts) != len(kinds) + 1:
            raise ValueError("not a cursor")
        made_for, *raw = parts
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _not_a_cursor(field) from None
    if made_for != sort:
        raise ValidationError(
            f"{field} is a cursor of a listing sorted by {made_for!r}, not {sort!r}",
            field=field,
            hint="use the same sort for every page, or start again without a cursor",
        )
    key: list[datetime | str | int] = []
    for kind, value in zip(kinds, raw, strict=True):
        if kind == "time" and isinstance(value, str):
            try:
                stamp = datetime.fromisoformat(value)
            except ValueError:
                raise _not_a_cursor(field) from None
            if stamp.tzinfo is None:
                raise _not_a_cursor(field)
            key.append(stamp)
        elif (kind == "text" and isinstance(value, str)) or (
            kind == "int" and isinstance(value, int) and not isinstance(value, bool)
        ):
            key.append(value)
        else:
            raise _not_a_cursor(field)
    return key


def _not_a_cursor(field: str) -> ValidationError:
    return ValidationError(
        f"{field} is not a cursor of this listing",
        field=field,
        hint="pass the next_cursor of the previous page unchanged",
    )
