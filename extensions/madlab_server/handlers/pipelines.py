"""Pipelines: save, list, show and execute."""

from __future__ import annotations

from typing import Any

from madlab.domain.pipeline_records import PipelineRecord
from madlab_server.handlers.base import MadlabHandler
from madlab_server.handlers.jobs import job_view
from madlab_server.models import PipelineCreate, PipelineExecute, TemplateCreate, parse


def pipeline_view(record: PipelineRecord) -> dict[str, Any]:
    """JSON form of a saved pipeline."""
    return {
        "id": record.id,
        "organization_id": record.organization_id,
        "name": record.name,
        "version": record.version,
        "description": record.description,
        "tags": list(record.tags),
        "spec": record.spec,
        "created_by": record.created_by,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        "is_template": record.is_template,
        "visibility": record.visibility,
    }


class PipelinesHandler(MadlabHandler):
    """``GET /pipelines`` and ``POST /pipelines``."""

    def get(self) -> None:
        """The organization's pipelines, newest first."""
        records = self.madlab.pipelines.list(self.caller.organization_id)
        self.send_json({"pipelines": [pipeline_view(r) for r in records]})

    def post(self) -> None:
        """Save a pipeline spec (201)."""
        body = parse(PipelineCreate, self.json_body())
        record = self.madlab.pipelines.create(
            self.caller.organization_id,
            self.caller.user,
            name=body.name,
            spec=body.spec,
            version=body.version,
            description=body.description,
            tags=body.tags,
        )
        self.send_json(pipeline_view(record), status=201)


class PipelineHandler(MadlabHandler):
    """``GET /pipelines/{id}``."""

    def get(self, pipeline_id: str) -> None:
        """One saved pipeline."""
        record = self.madlab.pipelines.get(self.caller.organization_id, pipeline_id)
        self.send_json(pipeline_view(record))


class PipelineExecuteHandler(MadlabHandler):
    """``POST /pipelines/{id}/execute``: start a run (202 with its job)."""

    def post(self, pipeline_id: str) -> None:
        """Run the pipeline with parameters, optimization settings and a mode."""
        self.madlab.execute_limit.check(self.caller.user, "execute request")
        body = parse(PipelineExecute, self.json_body())
        job = self.madlab.pipelines.execute(
            self.caller.organization_id,
            self.caller.user,
            pipeline_id,
            parameters=body.parameters,
            optimization=body.optimization,
            mode=body.mode,
            name=body.name,
        )
        self.send_json(job_view(job), status=202)


class PipelineTemplatesHandler(MadlabHandler):
    """``GET /pipelines/templates``: templates the caller may use."""

    def get(self) -> None:
        """The organization's templates (others' private ones hidden), then public ones."""
        records = self.madlab.pipelines.templates(self.caller.organization_id, self.caller.user)
        self.send_json({"templates": [pipeline_view(r) for r in records]})


class PipelineSaveTemplateHandler(MadlabHandler):
    """``POST /pipelines/{id}/template``: save a pipeline as a template (201)."""

    def post(self, pipeline_id: str) -> None:
        """Copy the pipeline as a template with a visibility (private, organization, public)."""
        body = parse(TemplateCreate, self.json_body())
        record = self.madlab.pipelines.save_as_template(
            self.caller.organization_id,
            self.caller.user,
            pipeline_id,
            visibility=body.visibility,
        )
        self.send_json(pipeline_view(record), status=201)
