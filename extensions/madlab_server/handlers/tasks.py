"""Task library: list, show, register (admins) and execute."""

from __future__ import annotations

import hashlib
import json
import time

from madlab.runtime.service import Submission
from madlab.tasks.definitions import definition_from_json, definition_to_dict
from madlab_server.context import ServerContext
from madlab_server.handlers.base import MadlabHandler
from madlab_server.models import ExecuteRequest, parse

#: Seconds a task listing is served from memory (registrations through the
#: API are seen at once; through the CLI within this time).
LISTING_TTL_S = 2.0


class _Listings:
    """Recent task listings as JSON with their ETag, in the server context's cache."""

    @staticmethod
    def get(ctx: ServerContext, key: tuple[str, str | None]) -> tuple[bytes, str] | None:
        hit = ctx.cache.get(("tasks", *key))
        if hit is None or time.monotonic() - hit[0] > LISTING_TTL_S:
            return None
        return hit[1], hit[2]

    @staticmethod
    def put(ctx: ServerContext, key: tuple[str, str | None], body: bytes) -> tuple[bytes, str]:
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'
        ctx.cache[("tasks", *key)] = (time.monotonic(), body, etag)
        return body, etag

    @staticmethod
    def drop(ctx: ServerContext, organization_id: str) -> None:
        for k in [k for k in ctx.cache if k[:2] == ("tasks", organization_id)]:
            del ctx.cache[k]


_listings = _Listings()


class TasksHandler(MadlabHandler):
    """``GET /tasks`` and ``POST /tasks``."""

    _etag: str | None = None

    async def get(self) -> None:
        """Definitions the caller's organization sees, optionally of one category.

        The listing is kept serialized, with its ETag, for a short while per
        organization and category (:data:`LISTING_TTL_S`), and dropped when
        the organization registers a task. A client that sends the ETag back
        in ``If-None-Match`` gets a 304 without a body.
        """
        category = self.get_query_argument("category", None) or None
        key = (self.caller.organization_id, category)
        cached = _listings.get(self.madlab, key)
        if cached is None:
            tasks = await self.madlab.run_blocking(
                self.madlab.services.tasks.list,
                organization_id=self.caller.organization_id,
                category=category,
            )
            body = json.dumps({"tasks": [definition_to_dict(t) for t in tasks]}).encode()
            cached = _listings.put(self.madlab, key, body)
        self._etag = cached[1]
        self.finish(cached[0])

    def compute_etag(self) -> str | None:
        """The cached listing's ETag (no hashing of the body per request)."""
        return self._etag or super().compute_etag()

    def post(self) -> None:
        """Register a task or a new version of one (organization admins only)."""
        self.caller.require_admin("register tasks")
        body = self.json_body()
        definition = definition_from_json(json.dumps(body), source="request body")
        stored = self.madlab.services.tasks.register(
            definition, organization_id=self.caller.organization_id
        )
        _listings.drop(self.madlab, self.caller.organization_id)
        self.send_json(definition_to_dict(stored), status=201)


class TaskHandler(MadlabHandler):
    """``GET /tasks/{task_id}``: the definition, its schema and service configuration."""

    def get(self, task_id: str) -> None:
        """One definition: the newest active version unless ``?version=`` is given."""
        version = self.get_query_argument("version", None) or None
        definition = self.madlab.services.tasks.get(
            task_id, version, organization_id=self.caller.organization_id
        )
        self.send_json(definition_to_dict(definition))


class TaskExecuteHandler(MadlabHandler):
    """``POST /tasks/{task_id}/execute``: submit a job (202)."""

    async def post(self, task_id: str) -> None:
        """Validate the parameters against the task's schema and queue a job.

        The submission is recorded with the others that arrive meanwhile, in
        one transaction off the event loop (:mod:`madlab_server.batching`);
        the answer comes once the job is committed.
        """
        self.madlab.execute_limit.check(self.caller.user, "execute request")
        request = parse(ExecuteRequest, self.json_body())
        job = await self.madlab.submissions.submit(
            Submission(
                self.caller.organization_id,
                self.caller.user,
                task_id,
                request.params,
                version=request.version,
                priority=request.priority,
                requires=tuple(request.requires or ()),
                name=request.name,
            )
        )
        self.set_header("Location", self.request.path.rsplit("/tasks/", 1)[0] + f"/jobs/{job.id}")
        self.send_json(job.to_dict(), status=202)
