"""The pipeline use cases the API needs, behind one small interface.

Saved pipelines are read and written through the store and
a run is a job of the ``pipeline`` task submitted through the job service.
"""

from __future__ import annotations

import builtins
import importlib
from typing import TYPE_CHECKING, Any, Literal, Protocol

from madlab.bootstrap import Services
from madlab.domain.jobs import Job
from madlab.domain.pipeline_records import PipelineRecord
from madlab.errors import NotFoundError, ServiceUnavailableError
from madlab.pipelines.results import Hit, ResultQuery, query_results

if TYPE_CHECKING:
    from madlab.pipelines.schedules import ScheduleRunner

#: Task id of a pipeline run.
PIPELINE_TASK = "pipeline"


class Pipelines(Protocol):
    """What the pipeline endpoints call."""

    def create(
        self,
        organization_id: str,
        user: str,
        *,
        name: str,
        spec: dict[str, Any],
        version: str,
        description: str,
        tags: list[str],
    ) -> PipelineRecord:
        """Save a pipeline."""

    def list(self, organization_id: str) -> list[PipelineRecord]:
        """The organization's pipelines, newest first."""

    def get(self, organization_id: str, pipeline_id: str) -> PipelineRecord:
        """One saved pipeline."""

    def execute(
        self,
        organization_id: str,
        user: str,
        pipeline_id: str,
        *,
        parameters: dict[str, Any],
        optimization: dict[str, Any],
        mode: str | None,
        name: str | None,
    ) -> Job:
        """Start a run; returns its parent job."""

    def results(
        self,
        organization_id: str,
        pipeline_id: str,
        run_id: str,
        *,
        top: int | None,
        order_by: Literal["score", "ligand_efficiency"],
        receptor: str | None,
        smarts: str | None,
        ranges: dict[str, tuple[float | None, float | None]],
    ) -> builtins.list[Hit]:
        """A run's docked ligands, filtered and ranked."""

    def save_as_template(
        self, organization_id: str, user: str, pipeline_id: str, *, visibility: str
    ) -> PipelineRecord:
        """Copy a pipeline the caller may read as a template of the organization."""

    def templates(self, organization_id: str, user: str) -> builtins.list[PipelineRecord]:
        """Templates the caller may use: the organization's, then public ones."""


class StorePipelines:
    """:class:`Pipelines` over the store and the job service."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def create(
        self,
        organization_id: str,
        user: str,
        *,
        name: str,
        spec: dict[str, Any],
        version: str,
        description: str,
        tags: list[str],
    ) -> PipelineRecord:
        """Save a pipeline (``ConflictError`` if the name and version exist)."""
        self._check_spec(spec)
        with self.services.store.unit_of_work() as uow:
            return uow.pipelines.add(
                organization_id,
                name=name,
                spec=spec,
                created_by=user,
                version=version,
                description=description,
                tags=tags,
            )

    def list(self, organization_id: str) -> list[PipelineRecord]:
        """The organization's pipelines, newest first."""
        with self.services.store.unit_of_work() as uow:
            return uow.pipelines.list(organization_id)

    def get(self, organization_id: str, pipeline_id: str) -> PipelineRecord:
        """One saved pipeline (``NotFoundError`` for another organization's)."""
        with self.services.store.unit_of_work() as uow:
            return uow.pipelines.get(organization_id, pipeline_id)

    def execute(
        self,
        organization_id: str,
        user: str,
        pipeline_id: str,
        *,
        parameters: dict[str, Any],
        optimization: dict[str, Any],
        mode: str | None,
        name: str | None,
    ) -> Job:
        """Submit a job of the ``pipeline`` task for the saved pipeline.

        ``mode`` and ``optimization`` (a sweep) replace the spec's own for
        this run; ``parameters`` are the values of the spec's inputs.

        Raises
        ------
        madlab.errors.ServiceUnavailableError
            When no ``pipeline`` task is registered on this installation.
        """
        record = self.get(organization_id, pipeline_id)
        try:
            self.services.tasks.get(PIPELINE_TASK, organization_id=organization_id)
        except NotFoundError:
            raise ServiceUnavailableError(
                "pipeline runs are not available: no pipeline task is registered",
                service="pipelines",
                hint="install the pipeline engine, or run the pipeline's steps as tasks",
            ) from None
        spec = dict(record.spec)
        if mode is not None:
            spec["mode"] = mode
        if optimization:
            spec["sweep"] = optimization
        self._check_spec(spec)
        return self.services.jobs.submit(
            organization_id,
            user,
            PIPELINE_TASK,
            {"spec": spec, "inputs": parameters, "pipeline_id": record.id},
            name=name or record.name,
            pipeline_id=record.id,
        )

    def results(
        self,
        organization_id: str,
        pipeline_id: str,
        run_id: str,
        *,
        top: int | None,
        order_by: Literal["score", "ligand_efficiency"],
        receptor: str | None,
        smarts: str | None,
        ranges: dict[str, tuple[float | None, float | None]],
    ) -> builtins.list[Hit]:
        """The docked ligands of a run of the pipeline, filtered and ranked like Ringtail.

        Raises
        ------
        madlab.errors.NotFoundError
            A pipeline or run of another organization, or a job that is not a
            run of this pipeline.
        madlab.errors.ValidationError
            A SMARTS pattern RDKit cannot read, an unknown property or an
            empty range (named).
        """
        self.get(organization_id, pipeline_id)
        run = self.services.jobs.get(organization_id, run_id)
        if pipeline_id not in (run.pipeline_id, run.parameters.get("pipeline_id")):
            raise NotFoundError(
                "run", run_id, hint=f"list the runs of pipeline {pipeline_id} among the jobs"
            )
        query = ResultQuery(
            run_id=run_id,
            receptor=receptor,
            ranges=ranges,
            smarts=smarts,
            order_by=order_by,
            top=top,
        )
        return query_results(self.services.store, organization_id, query)

    def save_as_template(
        self, organization_id: str, user: str, pipeline_id: str, *, visibility: str
    ) -> PipelineRecord:
        """Copy a pipeline as a template (its next version), ``private`` to ``public``.

        Raises
        ------
        madlab.errors.NotFoundError
            A pipeline the caller may not read.
        madlab.errors.ValidationError
            An unknown visibility.
        """
        return self._service().save_as_template(
            organization_id, user, pipeline_id, visibility=visibility
        )

    def templates(self, organization_id: str, user: str) -> builtins.list[PipelineRecord]:
        """The organization's templates the user may see (not others' private ones), then
        every organization's public templates."""
        return self._service().templates(organization_id, user=user)

    def _service(self) -> Any:
        from madlab.pipelines.service import PipelineService

        return PipelineService(self.services.store, self.services.jobs)

    @staticmethod
    def _check_spec(spec: dict[str, Any]) -> None:
        try:
            spec_module = importlib.import_module("madlab.pipelines.spec")
        except ImportError:  # pragma: no cover - the pipeline package is optional here
            return
        check = getattr(spec_module, "parse_spec", None)
        if callable(check):
            check(spec)


def start_schedules(services: Services, interval_s: float) -> ScheduleRunner:
    """Start the loop that runs due pipeline schedules in this (long-lived) process.

    Any number of processes on one database may run it: each due run starts once.
    """
    from madlab.pipelines.schedules import Scheduler, ScheduleRunner
    from madlab.pipelines.service import PipelineService

    runner = ScheduleRunner(
        Scheduler(PipelineService(services.store, services.jobs)), interval_s=interval_s
    )
    runner.start()
    return runner


def pipelines_for(services: Services) -> Pipelines:
    """The pipeline use cases for the API (the one place to plug the core's service in)."""
    return StorePipelines(services)
