"""WebSocket ``events``: live job events of one job, one pipeline run or the organization.

Follows jupyter_server's events handler: the caller is authenticated and
authorized before the upgrade, the subscription opens with the socket, and
it is closed with it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web, websocket

from madlab.domain.jobs import Job
from madlab.errors import MadlabError
from madlab.runtime.events import Subscription
from madlab.runtime.executor import state_event
from madlab_server.context import ServerContext
from madlab_server.errors import error_body, http_status
from madlab_server.handlers.base import AUTH_RESOURCE
from madlab_server.identity import ORGANIZATION_HEADER, Caller

#: Seconds one wait for the next event lasts (bounds the delay of a close).
POLL_S = 0.25


class EventsHandler(ExtensionHandlerMixin, JupyterHandler, websocket.WebSocketHandler):
    """``GET /events?job_id=…`` or ``?pipeline_id=…`` (or neither: the whole organization).

    Each message is one event as JSON (``type``, ``job_id``, ``pipeline_id``,
    ``payload``, ``timestamp``). Subscribing to one job first sends its
    current state.
    """

    auth_resource = AUTH_RESOURCE
    caller: Caller
    subscription: Subscription | None = None
    job_id: str | None = None
    pipeline_id: str | None = None
    initial: Job | None = None
    _pump: asyncio.Task[None] | None = None

    @property
    def madlab(self) -> ServerContext:
        """The extension's shared services."""
        ctx: ServerContext = self.settings["madlab"]
        return ctx

    async def pre_get(self) -> None:
        """Authorize, resolve the caller and check the job or pipeline before upgrading."""
        user = self.current_user
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, user, "read", AUTH_RESOURCE)
        )
        if not allowed:
            raise web.HTTPError(403)
        requested = self.request.headers.get(ORGANIZATION_HEADER) or None
        self.caller = self.madlab.policy.resolve(user, requested)
        self.madlab.policy.ensure_member(self.madlab.services.store, self.caller)
        self.job_id = self.get_query_argument("job_id", None) or None
        self.pipeline_id = self.get_query_argument("pipeline_id", None) or None
        org = self.caller.organization_id
        if self.job_id:
            self.initial = self.madlab.services.jobs.get(org, self.job_id)
        if self.pipeline_id:
            self.madlab.pipelines.get(org, self.pipeline_id)

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        """Upgrade to a WebSocket once the caller may follow what was asked."""
        try:
            await self.pre_get()
        except MadlabError as err:
            self.set_status(http_status(err))
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"error": error_body(err)}, default=str))
            return
        res = super().get(*args, **kwargs)
        if res is not None:
            await res

    def open(self, *args: Any, **kwargs: Any) -> None:
        """Subscribe, send the job's current state, and start relaying events."""
        self.subscription = self.madlab.services.events.subscribe(
            self.caller.organization_id, job_id=self.job_id, pipeline_id=self.pipeline_id
        )
        if self.initial is not None and self.job_id:
            # read again now that the subscription is live: a change between the
            # first read and the subscription is then in this state or an event
            current = self.madlab.services.jobs.get(self.caller.organization_id, self.job_id)
            self.write_message(json.dumps(state_event(current, None).to_dict()))
        self._pump = asyncio.ensure_future(self._relay())

    async def _relay(self) -> None:
        loop = asyncio.get_running_loop()
        while self.subscription is not None:
            sub = self.subscription
            event = await loop.run_in_executor(None, sub.get, POLL_S)
            if event is None or self.subscription is None:
                continue
            try:
                await self.write_message(json.dumps(event.to_dict(), default=str))
            except websocket.WebSocketClosedError:
                break
        self._close_subscription()

    def on_message(self, message: str | bytes) -> None:
        """Clients only listen; messages are ignored."""

    def on_close(self) -> None:
        """Stop relaying and close the subscription."""
        self._close_subscription()

    def _close_subscription(self) -> None:
        sub, self.subscription = self.subscription, None
        if sub is not None:
            sub.close()
