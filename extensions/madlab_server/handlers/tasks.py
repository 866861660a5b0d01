"""Task library: list, show, register (admins) and execute."""

from __future__ import annotations

import json

from madlab.tasks.definitions import definition_from_json, definition_to_dict
from madlab_server.handlers.base import MadlabHandler
from madlab_server.models import ExecuteRequest, parse


class TasksHandler(MadlabHandler):
    """``GET /tasks`` and ``POST /tasks``."""

    def get(self) -> None:
        """Definitions the caller's organization sees, optionally of one category."""
        category = self.get_query_argument("category", None) or None
        tasks = self.madlab.services.tasks.list(
            organization_id=self.caller.organization_id, category=category
        )
        self.send_json({"tasks": [definition_to_dict(t) for t in tasks]})

    def post(self) -> None:
        """Register a task or a new version of one (organization admins only)."""
        self.caller.require_admin("register tasks")
        body = self.json_body()
        definition = definition_from_json(json.dumps(body), source="request body")
        stored = self.madlab.services.tasks.register(
            definition, organization_id=self.caller.organization_id
        )
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

    def post(self, task_id: str) -> None:
        """Validate the parameters against the task's schema and queue a job."""
        self.madlab.execute_limit.check(self.caller.user, "execute request")
        request = parse(ExecuteRequest, self.json_body())
        job = self.madlab.services.jobs.submit(
            self.caller.organization_id,
            self.caller.user,
            task_id,
            request.params,
            version=request.version,
            priority=request.priority,
            requires=request.requires,
            name=request.name,
        )
        self.set_header("Location", self.request.path.rsplit("/tasks/", 1)[0] + f"/jobs/{job.id}")
        self.send_json(job.to_dict(), status=202)
