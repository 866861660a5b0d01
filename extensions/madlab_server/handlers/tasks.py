"""Task library: list, show, register (admins) and execute."""

from __future__ import annotations

import json

from madlab.runtime.service import Submission
from madlab.tasks.definitions import definition_from_json, definition_to_dict
from madlab_server.handlers.base import MadlabHandler
from madlab_server.models import ExecuteRequest, parse


class TasksHandler(MadlabHandler):
    """``GET /tasks`` and ``POST /tasks``."""

    _etag: str | None = None

    async def get(self) -> None:
        """Definitions the caller's organization sees, optionally of one category.

        The listing is kept serialized, with its ETag, for a short while per
        organization and category (:mod:`madlab_server.listings`), and
        dropped when the organization registers a task. A client that sends
        the ETag back in ``If-None-Match`` gets a 304 without a body.
        """
        category = self.get_query_argument("category", None) or None
        organization_id = self.caller.organization_id

        async def load() -> bytes:
            tasks = await self.madlab.run_blocking(
                self.madlab.services.tasks.list, organization_id=organization_id, category=category
            )
            return json.dumps({"tasks": [definition_to_dict(t) for t in tasks]}).encode()

        body, self._etag = await self.madlab.task_listings.get((organization_id, category), load)
        self.finish(body)

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
        self.madlab.task_listings.drop(self.caller.organization_id)
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
