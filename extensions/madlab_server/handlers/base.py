"""Base handler: authentication, the caller's organization, JSON in and out, errors."""

from __future__ import annotations

import json
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from madlab.errors import MadlabError, RateLimitedError, ValidationError
from madlab_server.context import ServerContext
from madlab_server.errors import error_body, http_status
from madlab_server.identity import ORGANIZATION_HEADER, Caller

#: Resource name checked with the server's authorizer.
AUTH_RESOURCE = "madlab"

_ACTIONS = {"GET": "read", "HEAD": "read", "OPTIONS": "read"}


class MadlabHandler(ExtensionHandlerMixin, APIHandler):
    """Every REST handler of the API derives from this one.

    ``prepare`` refuses a request without an authenticated Jupyter user
    (token, or cookie with XSRF for unsafe methods, as jupyter_server checks)
    or one the authorizer does not allow, then resolves the caller's
    organization. Errors of the madlab tree become JSON responses with the
    status of :func:`madlab_server.errors.http_status`.
    """

    auth_resource = AUTH_RESOURCE
    caller: Caller

    @property
    def madlab(self) -> ServerContext:
        """The extension's shared services."""
        ctx: ServerContext = self.settings["madlab"]
        return ctx

    def check_xsrf_cookie(self) -> None:
        """Skip the XSRF check when there is no user: no session to forge; ``prepare`` gives 401."""
        if hasattr(self, "_jupyter_current_user") and self.current_user is None:
            return
        super().check_xsrf_cookie()

    async def prepare(self) -> None:  # type: ignore[override]
        """Authenticate, authorize and resolve the caller before any method runs."""
        await super().prepare()
        if self.request.method == "OPTIONS":
            return
        user = self.current_user
        if user is None:
            self.set_header("WWW-Authenticate", "token")
            raise web.HTTPError(401, "authentication required")
        action = _ACTIONS.get(self.request.method or "GET", "write")
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, user, action, AUTH_RESOURCE)
        )
        if not allowed:
            raise web.HTTPError(403, f"not allowed to {action} {AUTH_RESOURCE}")
        try:
            requested = self.request.headers.get(ORGANIZATION_HEADER) or None
            self.caller = self.madlab.policy.resolve(user, requested)
            self.madlab.policy.ensure_member(self.madlab.services.store, self.caller)
        except MadlabError as err:
            self.send_madlab_error(err)
            raise web.Finish() from None

    # -- input -----------------------------------------------------------

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object.

        Raises
        ------
        madlab.errors.ValidationError
            For a body that is not JSON or not an object.
        """
        raw = self.request.body or b"{}"
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as err:
            raise ValidationError(
                f"the request body is not JSON: {err}",
                field="body",
                hint="send a JSON object with Content-Type: application/json",
            ) from None
        if not isinstance(data, dict):
            raise ValidationError(
                "the request body must be a JSON object", field="body", hint="send {...}"
            )
        return data

    def int_argument(self, name: str, default: int, lo: int, hi: int) -> int:
        """An integer query argument within ``[lo, hi]`` (``ValidationError`` otherwise)."""
        raw = self.get_query_argument(name, None)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = lo - 1
        if not lo <= value <= hi:
            raise ValidationError(
                f"{name} must be a whole number from {lo} to {hi}, not {raw!r}", field=name
            )
        return value

    # -- output ----------------------------------------------------------

    def send_json(self, data: Any, status: int = 200) -> None:
        """Write ``data`` as JSON with ``status``."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, default=str))

    def send_file(self, body: str | bytes, media_type: str, filename: str | None = None) -> None:
        """Finish with a file's content (a download when ``filename`` is given)."""
        if filename:
            safe = filename.replace('"', "").replace("\\", "_").replace("/", "_")
            self.set_header("Content-Disposition", f'attachment; filename="{safe}"')
        self.finish(body, set_content_type=media_type)

    def send_madlab_error(self, err: MadlabError) -> None:
        """Finish the response with the JSON of ``err`` and its HTTP status."""
        status = http_status(err)
        self.clear()
        self.set_status(status)
        if isinstance(err, RateLimitedError):
            self.set_header("Retry-After", str(int(err.retry_after)))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": error_body(err)}, default=str))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """JSON errors: a madlab error with its own status, others as jupyter_server does."""
        exc_info = kwargs.get("exc_info")
        err = exc_info[1] if exc_info else None
        if isinstance(err, MadlabError):
            self.send_madlab_error(err)
            return
        reason = getattr(err, "log_message", None) or self._reason
        if status_code == 405:
            self.set_header("Allow", ", ".join(self.allowed_methods()))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": {"code": f"http_{status_code}", "message": str(reason)}}))

    def allowed_methods(self) -> list[str]:
        """The HTTP methods this handler implements (for the ``Allow`` header of a 405)."""
        return [
            m
            for m in ("GET", "POST", "PUT", "DELETE")
            if getattr(type(self), m.lower()) is not getattr(web.RequestHandler, m.lower())
        ]

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """Log a user's error on one line; keep tracebacks for real faults."""
        if isinstance(value, MadlabError):
            self.log.info("%s %s: %s", self.request.method, self.request.path, value)
            return
        super().log_exception(typ, value, tb)
