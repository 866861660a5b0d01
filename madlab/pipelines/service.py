"""Pipeline use cases: saved pipelines, runs, templates and sharing.

A run is a job of the built-in ``pipeline`` task (see :mod:`madlab.pipelines.task`);
its steps are child jobs. Saved pipelines are versioned by name. A template
is ``private`` (its author), shared with the ``organization``, or ``public``:
read-only to every organization, which may run it or copy it, never change it.
"""

from __future__ import annotations

import builtins
import contextlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from madlab.domain.jobs import Job
from madlab.domain.pipeline_records import PipelineRecord
from madlab.errors import (
    ConflictError,
    InputFileError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from madlab.pipelines.planner import check_graph
from madlab.pipelines.spec import PipelineSpec, _parse_text, parse_spec
from madlab.runtime.service import JobService
from madlab.store.database import Store
from madlab.store.mapping import to_pipeline
from madlab.store.models import PipelineRow

__all__ = ["VISIBILITIES", "PipelineService"]

VISIBILITIES = ("private", "organization", "public")
PIPELINE_TASK = "pipeline"


def _spec_json(spec: PipelineSpec) -> dict[str, Any]:
    return spec.model_dump(mode="json", exclude_none=True)


class PipelineService:
    """Saved pipelines and their runs, for one store and job service.

    Parameters
    ----------
    store
        Where pipelines are saved.
    jobs
        The job service runs are submitted through.
    """

    def __init__(self, store: Store, jobs: JobService) -> None:
        self.store = store
        self.jobs = jobs

    # -- saved pipelines ---------------------------------------------------

    def create(
        self,
        organization_id: str,
        user: str,
        spec: Mapping[str, Any] | PipelineSpec,
        *,
        version: str | None = None,
        tags: Sequence[str] = (),
        is_template: bool = False,
        visibility: str = "private",
    ) -> PipelineRecord:
        """Validate and save a pipeline (a new version when its name exists).

        Raises
        ------
        madlab.errors.ValidationError
            A bad spec (named field), a cycle, a dangling reference, or an
            unknown visibility.
        madlab.errors.ConflictError
            ``version`` given and already saved under this name.
        """
        parsed = parse_spec(spec)
        self._check(organization_id, parsed)
        _check_visibility(visibility)
        with self.store.unit_of_work() as uow:
            version = version or self._next_version(uow, organization_id, parsed.name)
            record = uow.pipelines.add(
                organization_id,
                name=parsed.name,
                spec=_spec_json(parsed),
                created_by=user,
                version=version,
                description=parsed.description,
                tags=tags,
            )
            row = uow.session.get(PipelineRow, record.id)
            assert row is not None
            row.is_template, row.visibility = is_template, visibility
            uow.session.flush()
            return to_pipeline(row)

    def get(
        self, organization_id: str, pipeline_id: str, *, user: str | None = None
    ) -> PipelineRecord:
        """A pipeline the caller may read: its organization's, or a public template.

        Raises
        ------
        madlab.errors.NotFoundError
            No such pipeline, or one the caller may not see.
        """
        with self.store.unit_of_work() as uow:
            row = uow.session.get(PipelineRow, pipeline_id)
            if row is not None and row.visibility == "public":
                return to_pipeline(row)
            record = uow.pipelines.get(organization_id, pipeline_id)
        if user is not None and record.visibility == "private" and record.created_by != user:
            raise NotFoundError("pipeline", pipeline_id)
        return record

    def list(
        self,
        organization_id: str,
        *,
        user: str | None = None,
        templates: bool | None = None,
        name: str | None = None,
    ) -> builtins.list[PipelineRecord]:
        """The organization's pipelines the user may see (all when ``user`` is None)."""
        with self.store.unit_of_work() as uow:
            records = uow.pipelines.list(organization_id)
        return [
            r
            for r in records
            if (user is None or r.visibility != "private" or r.created_by == user)
            and (templates is None or r.is_template == templates)
            and (name is None or r.name == name)
        ]

    def templates(
        self, organization_id: str, *, user: str | None = None
    ) -> builtins.list[PipelineRecord]:
        """Templates the caller may use: the organization's, then every public one."""
        own = self.list(organization_id, user=user, templates=True)
        with self.store.unit_of_work() as uow:
            query = (
                select(PipelineRow)
                .where(PipelineRow.visibility == "public", PipelineRow.is_template.is_(True))
                .where(PipelineRow.organization_id != organization_id)
                .order_by(PipelineRow.name, PipelineRow.created_at)
            )
            public = [to_pipeline(r) for r in uow.session.scalars(query)]
        return own + public

    def versions(self, organization_id: str, name: str) -> builtins.list[PipelineRecord]:
        """Every saved version of a pipeline, oldest first."""
        found = self.list(organization_id, name=name)
        return sorted(found, key=lambda r: (_version_key(r.version), r.created_at))

    def update(
        self,
        organization_id: str,
        user: str,
        pipeline_id: str,
        spec: Mapping[str, Any] | PipelineSpec,
    ) -> PipelineRecord:
        """Save a changed spec as the pipeline's next version (earlier ones are kept).

        Raises
        ------
        madlab.errors.PermissionDeniedError
            For a pipeline of another organization (public templates are read-only).
        """
        current = self._writable(organization_id, pipeline_id)
        parsed = parse_spec(spec)
        if parsed.name != current.name:
            raise ValidationError(
                f"the spec is named {parsed.name!r}, the pipeline {current.name!r}",
                field="name",
                hint="keep the name to save a new version, or create a new pipeline",
            )
        return self.create(
            organization_id,
            user,
            parsed,
            tags=current.tags,
            is_template=current.is_template,
            visibility=current.visibility,
        )

    def delete(self, organization_id: str, pipeline_id: str) -> None:
        """Delete one saved version."""
        self._writable(organization_id, pipeline_id)
        with self.store.unit_of_work() as uow:
            uow.pipelines.delete(organization_id, pipeline_id)

    # -- templates and sharing ------------------------------------------------

    def save_as_template(
        self, organization_id: str, user: str, pipeline_id: str, *, visibility: str = "private"
    ) -> PipelineRecord:
        """Copy a pipeline the caller may read (a public template too) as a template."""
        source = self.get(organization_id, pipeline_id, user=user)
        return self.create(
            organization_id,
            user,
            source.spec,
            tags=source.tags,
            is_template=True,
            visibility=visibility,
        )

    def share(self, organization_id: str, pipeline_id: str, visibility: str) -> PipelineRecord:
        """Set who may see a pipeline: ``private``, ``organization`` or ``public``."""
        _check_visibility(visibility)
        self._writable(organization_id, pipeline_id)
        with self.store.unit_of_work() as uow:
            row = uow.session.get(PipelineRow, pipeline_id)
            assert row is not None
            row.visibility = visibility
            if visibility == "public":
                row.is_template = True
            uow.session.flush()
            return to_pipeline(row)

    def publish(self, organization_id: str, pipeline_id: str) -> PipelineRecord:
        """Publish a template read-only to every organization."""
        return self.share(organization_id, pipeline_id, "public")

    def export(self, organization_id: str, pipeline_id: str, path: str | Path) -> Path:
        """Write a pipeline (name, version, spec) as YAML or JSON, by the file's suffix."""
        record = self.get(organization_id, pipeline_id)
        document = {**record.spec, "version": record.version, "tags": record.tags}
        path = Path(path)
        if path.suffix == ".json":
            path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        else:
            import yaml

            path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return path

    def import_file(
        self, organization_id: str, user: str, path: str | Path, *, is_template: bool = True
    ) -> PipelineRecord:
        """Save a pipeline exported by :meth:`export` (a new version when the name exists)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise InputFileError(f"cannot read: {err.strerror}", path=str(path)) from None
        document = _parse_text(text, str(path))
        if not isinstance(document, dict):
            raise ValidationError(f"{path}: a pipeline file is a mapping", field="")
        version = document.pop("version", None)
        tags = document.pop("tags", [])
        spec = parse_spec(document, source=str(path))
        with self.store.unit_of_work() as uow:
            taken = {r.version for r in uow.pipelines.list(organization_id) if r.name == spec.name}
        return self.create(
            organization_id,
            user,
            spec,
            version=str(version) if version is not None and str(version) not in taken else None,
            tags=tags,
            is_template=is_template,
        )

    # -- runs ---------------------------------------------------------------

    def execute(
        self,
        organization_id: str,
        user: str,
        *,
        pipeline_id: str | None = None,
        spec: Mapping[str, Any] | PipelineSpec | None = None,
        inputs: Mapping[str, Any] | None = None,
        report: bool = True,
        poll_s: float = 0.5,
    ) -> Job:
        """Start a run of a saved pipeline or of a spec; returns the run's job.

        Raises
        ------
        madlab.errors.ValidationError
            Neither or both of ``pipeline_id`` and ``spec``, or a bad spec.
        """
        if (pipeline_id is None) == (spec is None):
            raise ValidationError("give a saved pipeline or a spec, not both or neither")
        own_id: str | None = None
        name = None
        if pipeline_id is not None:
            record = self.get(organization_id, pipeline_id, user=user)
            parsed = parse_spec(record.spec)
            own_id = record.id if record.organization_id == organization_id else None
            name = f"{record.name} v{record.version}"
        else:
            assert spec is not None
            parsed = parse_spec(spec)
            name = parsed.name
        self._check(organization_id, parsed)
        params = {
            "spec": _spec_json(parsed),
            "inputs": dict(inputs or {}),
            "pipeline_id": own_id,
            "report": report,
            "poll_s": poll_s,
        }
        return self.jobs.submit(
            organization_id, user, PIPELINE_TASK, params, name=name, pipeline_id=own_id
        )

    def steps(self, organization_id: str, run_id: str) -> builtins.list[Job]:
        """A run's step jobs, oldest first."""
        out: builtins.list[Job] = []
        after: str | None = None
        while True:
            page = self.jobs.list(organization_id, parent_id=run_id, limit=500, after=after)
            out.extend(page.items)
            if page.next_cursor is None:
                return sorted(out, key=lambda j: j.created_at)
            after = page.next_cursor

    def status(self, organization_id: str, run_id: str) -> dict[str, Any]:
        """The run's job and its steps' jobs by name (the newest of each name)."""
        run = self.jobs.get(organization_id, run_id)
        steps: dict[str, dict[str, Any]] = {}
        for job in self.steps(organization_id, run_id):
            steps[job.name or job.id] = {
                "job_id": job.id,
                "task": job.task_id,
                "status": job.status.value,
            }
        return {"run": run.to_dict(), "steps": steps}

    def cancel(self, organization_id: str, run_id: str, *, user: str | None = None) -> Job:
        """Cancel a run and every step job of it that has not ended."""
        run = self.jobs.cancel(organization_id, run_id, user=user)
        for job in self.steps(organization_id, run_id):
            if not job.status.is_final:
                with contextlib.suppress(ConflictError):  # it ended meanwhile
                    self.jobs.cancel(organization_id, job.id, user=user)
        return run

    def wait(self, organization_id: str, run_id: str, timeout: float | None = None) -> Job:
        """Block until the run ends, and return its job."""
        return self.jobs.wait(organization_id, run_id, timeout=timeout)

    # -- helpers -------------------------------------------------------------

    def _check(self, organization_id: str, spec: PipelineSpec) -> None:
        """Reject cycles, dangling references and unknown tasks before anything runs."""
        check_graph(spec)
        for k, step in enumerate(spec.steps):
            try:
                self.jobs.tasks.get(step.task, step.version, organization_id=organization_id)
            except NotFoundError as err:
                raise ValidationError(
                    f"steps[{k}] ({step.id}): {err.message}",
                    field=f"steps[{k}].task",
                    hint="madlab tasks list shows the tasks you can use",
                ) from None

    def _writable(self, organization_id: str, pipeline_id: str) -> PipelineRecord:
        with self.store.unit_of_work() as uow:
            row = uow.session.get(PipelineRow, pipeline_id)
            if (
                row is not None
                and row.organization_id != organization_id
                and row.visibility == "public"
            ):
                raise PermissionDeniedError(
                    f"pipeline {row.name} v{row.version} is published read-only by another "
                    "organization",
                    hint="save it as your own template to change it",
                    pipeline_id=pipeline_id,
                )
            return uow.pipelines.get(organization_id, pipeline_id)

    @staticmethod
    def _next_version(uow: Any, organization_id: str, name: str) -> str:
        taken = [r.version for r in uow.pipelines.list(organization_id) if r.name == name]
        numbers = [int(v) for v in taken if v.isdigit()]
        return str(max(numbers, default=0) + 1)


def _version_key(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (10**9, version)


def _check_visibility(visibility: str) -> None:
    if visibility not in VISIBILITIES:
        raise ValidationError(
            f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}",
            field="visibility",
        )
