"""The one mapping from the madlab error tree to HTTP status codes."""

from __future__ import annotations

from typing import Any

from madlab.errors import (
    ConflictError,
    FileTooLargeError,
    MadlabError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
    StoreError,
    TimedOutError,
    TransientError,
    ValidationError,
)

#: Most specific first: the first class an error is an instance of decides.
STATUS_BY_ERROR: tuple[tuple[type[MadlabError], int], ...] = (
    (FileTooLargeError, 413),
    (ValidationError, 422),
    (NotFoundError, 404),
    (ConflictError, 409),
    (PermissionDeniedError, 403),
    (RateLimitedError, 429),
    (ServiceUnavailableError, 503),
    (StoreError, 503),
    (TransientError, 503),
    (TimedOutError, 504),
)


def http_status(error: MadlabError) -> int:
    """The HTTP status of a madlab error (400 for any other madlab error).

    Parameters
    ----------
    error
        An error of the madlab tree.

    Returns
    -------
    int
        413 for a file over the limit, 422 for validation errors, 404, 409,
        403, 429, 503 for unreachable services, 504 for time-outs, else 400.
    """
    for cls, status in STATUS_BY_ERROR:
        if isinstance(error, cls):
            return status
    return 400


def error_body(error: MadlabError) -> dict[str, Any]:
    """The JSON body of an error response: ``code``, ``message``, ``hint`` and details."""
    return error.to_dict()
