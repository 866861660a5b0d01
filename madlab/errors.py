"""The one error tree of madlab.

Every error a user can cause or meet derives from :class:`MadlabError`. Each
class says when it is raised and carries structured fields, so that the CLI can
print a one-line message and the server extension can map it to an HTTP status
with a JSON body, in one place each.
"""

from __future__ import annotations

from typing import Any


class MadlabError(Exception):
    """Base of every madlab error.

    Parameters
    ----------
    message
        What went wrong, in words a scientist can act on.
    hint
        What to do about it, when there is something to do.
    **details
        Structured context (file, line, field, engine...) kept for APIs and logs.
    """

    code = "madlab_error"

    def __init__(self, message: str, *, hint: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = {k: v for k, v in details.items() if v is not None}

    def __str__(self) -> str:
        text = self.message
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready description: code, message, hint and details."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.hint:
            out["hint"] = self.hint
        out.update(
            {
                k: v if isinstance(v, (int, float, str, bool, list, dict)) else str(v)
                for k, v in self.details.items()
            }
        )
        return out


class ValidationError(MadlabError):
    """Input that breaks a rule: a bad parameter, field or value.

    ``field`` names the parameter by its path (``box.size[0]``) when there is one.
    """

    code = "validation_error"

    def __init__(
        self, message: str, *, field: str | None = None, hint: str | None = None, **details: Any
    ) -> None:
        super().__init__(message, hint=hint, field=field, **details)
        self.field = field


class InputFileError(ValidationError):
    """A molecular file that cannot be read or is not fit for its use.

    Carries the file ``path``, the ``format`` it was read as, and where known the
    ``line`` (1-based) and ``record`` (1-based index in a multi-record file).
    """

    code = "invalid_file"

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        format: str | None = None,
        line: int | None = None,
        record: int | None = None,
        hint: str | None = None,
        **details: Any,
    ) -> None:
        where = []
        if path:
            where.append(str(path))
        if record is not None:
            where.append(f"record {record}")
        if line is not None:
            where.append(f"line {line}")
        prefix = ", ".join(where)
        full = f"{prefix}: {message}" if prefix else message
        super().__init__(
            full,
            hint=hint,
            path=str(path) if path else None,
            format=format,
            line=line,
            record=record,
            **details,
        )
        self.reason = message
        self.path = str(path) if path else None
        self.format = format
        self.line = line
        self.record = record


class FileTooLargeError(InputFileError):
    """A file over the configured size limit (checked before it is read)."""

    code = "file_too_large"


class PreparationError(MadlabError):
    """A receptor or ligand that could not be prepared for docking."""

    code = "preparation_error"


class NotFoundError(MadlabError):
    """A named thing (job, task, file, pose) that does not exist for the caller.

    Also raised for rows of another organization, which are not to be revealed.
    """

    code = "not_found"

    def __init__(self, kind: str, key: object, *, hint: str | None = None) -> None:
        super().__init__(f"{kind} {key!s} not found", hint=hint, kind=kind, key=str(key))
        self.kind = kind
        self.key = key


class ConflictError(MadlabError):
    """A write that clashes with what is stored (duplicate key, wrong state)."""

    code = "conflict"


class PermissionDeniedError(MadlabError):
    """An authenticated caller who may not do this."""

    code = "permission_denied"


class EngineError(MadlabError):
    """A docking engine that failed on valid input.

    Carries ``engine``, ``backend`` and, for program backends, the ``command``
    and its ``stderr``.
    """

    code = "engine_error"

    def __init__(
        self,
        message: str,
        *,
        engine: str,
        backend: str | None = None,
        command: list[str] | None = None,
        stderr: str | None = None,
        hint: str | None = None,
        **details: Any,
    ) -> None:
        super().__init__(
            message,
            hint=hint,
            engine=engine,
            backend=backend,
            command=" ".join(command) if command else None,
            stderr=stderr,
            **details,
        )
        self.engine = engine
        self.backend = backend
        self.command = command
        self.stderr = stderr


class EngineUnavailableError(EngineError):
    """An engine or backend that cannot run on this machine (and why)."""

    code = "engine_unavailable"


class StoreError(MadlabError):
    """The store could not be reached or is not at the expected schema."""

    code = "store_error"


class MoleculeMismatchError(ValidationError):
    """Two molecules compared atom by atom (RMSD) that are not the same compound."""

    code = "molecule_mismatch"


class TransientError(MadlabError):
    """A failure that may pass on its own: a lost connection, a busy service.

    The runtime runs the job again after a backoff; after the last attempt the
    job is dead-lettered.
    """

    code = "transient_error"


class ResourceLimitError(MadlabError):
    """A job that went over one of its declared limits (memory, time).

    Carries ``resource`` (``memory`` or ``time``) and ``limit`` (MB or seconds).
    """

    code = "resource_limit_exceeded"

    def __init__(
        self, message: str, *, resource: str, limit: float, hint: str | None = None, **details: Any
    ) -> None:
        super().__init__(message, hint=hint, resource=resource, limit=limit, **details)
        self.resource = resource
        self.limit = limit


class ServiceUnavailableError(TransientError):
    """A service madlab relies on (Redis for events or the broker) that cannot be reached.

    Carries ``service`` (``redis``...); the hint names the setting to check.
    """

    code = "service_unavailable"


class TimedOutError(MadlabError):
    """A wait that ended before what it waited for (a job's end) happened."""

    code = "timed_out"


class RateLimitedError(MadlabError):
    """A caller who made too many requests of one kind in a short time.

    Carries ``retry_after`` (seconds until the next request is accepted).
    """

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float, hint: str | None = None) -> None:
        super().__init__(message, hint=hint, retry_after=retry_after)
        self.retry_after = retry_after


class NotebookError(MadlabError):
    """A notebook (a pipeline report or a notebook task) whose execution failed.

    Carries ``notebook`` (the executed copy, to open at the failing cell).
    """

    code = "notebook_error"
