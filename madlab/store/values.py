"""Checks of values on their way into the store, raising typed errors."""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from madlab.domain.jobs import JobStatus
from madlab.errors import ValidationError

_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


def json_document(value: Any, field: str) -> Any:
    """A plain JSON copy of ``value`` (tuples become lists).

    Raises
    ------
    madlab.errors.ValidationError
        When ``value`` holds something JSON cannot carry (objects, NaN,
        infinity), naming ``field``.
    """
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as err:
        raise ValidationError(
            f"{field} cannot be stored as JSON: {err}",
            field=field,
            hint="use numbers, strings, booleans, lists and objects (no NaN or infinity)",
        ) from err


def json_object(value: Mapping[str, Any] | None, field: str) -> dict[str, Any]:
    """Like :func:`json_document`, for a mapping (``None`` gives ``{}``)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"{field} must be a JSON object, not {type(value).__name__}", field=field
        )
    out: dict[str, Any] = json_document(dict(value), field)
    return out


def error_document(error: Mapping[str, Any]) -> dict[str, Any]:
    """Check a job error: a JSON object with string ``code`` and ``message``."""
    doc = json_object(error, "error")
    for key in ("code", "message"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            raise ValidationError(
                f"a job error needs a non-empty string {key!r}",
                field=f"error.{key}",
                hint="pass MadlabError.to_dict() or {'code': ..., 'message': ...}",
            )
    return doc


def slug(value: str, field: str) -> str:
    """Check an organization id: letters, digits, ``-_.@``, 1 to 64 characters."""
    if not isinstance(value, str) or not _SLUG.match(value):
        raise ValidationError(
            f"{field} {value!r} is not a valid identifier",
            field=field,
            hint="use 1-64 letters, digits, '-', '_', '.' or '@', starting with a letter or digit",
        )
    return value


def text(value: str, field: str, *, max_length: int) -> str:
    """Check a required short string."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string", field=field)
    if len(value) > max_length:
        raise ValidationError(
            f"{field} is {len(value)} characters long (at most {max_length})", field=field
        )
    return value


def job_id(value: str, field: str = "job_id") -> str:
    """Check and normalize a job id (a UUID, lower-case with hyphens)."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError as err:
        raise ValidationError(
            f"{field} {value!r} is not a UUID", field=field, hint="job ids look like 1b4e28ba-…"
        ) from err


def job_status(value: JobStatus | str, field: str = "status") -> JobStatus:
    """A :class:`JobStatus` from itself or its value."""
    try:
        return JobStatus(value)
    except ValueError as err:
        allowed = ", ".join(s.value for s in JobStatus)
        raise ValidationError(
            f"unknown job status {value!r}", field=field, hint=f"use one of: {allowed}"
        ) from err


def job_statuses(value: JobStatus | str | Iterable[JobStatus | str]) -> list[JobStatus]:
    """One or several statuses as a list."""
    if isinstance(value, (JobStatus, str)):
        return [job_status(value)]
    return [job_status(v) for v in value]


def aware(value: datetime, field: str) -> datetime:
    """Refuse naive datetimes, whose time zone would be a guess."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationError(
            f"{field} must be a timezone-aware datetime",
            field=field,
            hint="use datetime.now(timezone.utc) or attach a tzinfo",
        )
    return value


def finite(value: float, field: str) -> float:
    """Refuse NaN and infinity, which no ranking can use."""
    number = float(value)
    if not math.isfinite(number):
        raise ValidationError(
            f"{field} is {value!r}; scores must be finite numbers",
            field=field,
            hint="the engine produced an invalid score; check its output",
        )
    return number
