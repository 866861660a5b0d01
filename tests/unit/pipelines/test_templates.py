"""Saved pipelines: versions, templates, sharing and publishing, export and import."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from madlab.domain.jobs import JobStatus
from madlab.errors import NotFoundError, PermissionDeniedError, ValidationError
from madlab.pipelines.service import PipelineService
from madlab.pipelines.task import StoreFedQueue
from madlab.runtime.bus_memory import InMemoryEventBus
from madlab.runtime.service import JobService
from madlab.store.database import Store
from madlab.tasks.registry import TaskRegistry

SPEC: dict[str, Any] = {
    "name": "screen",
    "inputs": {"library": "lib.sdf"},
    "steps": [{"id": "dock", "task": "dock", "parameters": {"ligands": "${inputs.library}"}}],
}


@pytest.fixture()
def service(tmp_path: Path) -> Iterator[PipelineService]:
    store = Store(f"sqlite:///{tmp_path / 'madlab.db'}")
    store.upgrade()
    with store.unit_of_work() as uow:
        for org in ("acme", "globex"):
            uow.organizations.ensure(org)
    jobs = JobService(
        store=store, tasks=TaskRegistry(store), queue=StoreFedQueue(), events=InMemoryEventBus()
    )
    yield PipelineService(store, jobs)
    store.dispose()


def test_versions_are_kept(service: PipelineService) -> None:
    first = service.create("acme", "alice", SPEC)
    changed = {**SPEC, "description": "faster"}
    second = service.update("acme", "alice", first.id, changed)
    assert (first.version, second.version) == ("1", "2")
    assert [r.version for r in service.versions("acme", "screen")] == ["1", "2"]
    assert service.get("acme", first.id).description == ""
    with pytest.raises(ValidationError, match="the spec is named 'other'"):
        service.update("acme", "alice", first.id, {**SPEC, "name": "other"})


def test_published_template_is_read_only_to_other_organizations(service: PipelineService) -> None:
    pipeline = service.create("acme", "alice", SPEC)
    template = service.save_as_template("acme", "alice", pipeline.id, visibility="organization")
    assert template.is_template and template.visibility == "organization"
    # shared with its organization: bob sees it, globex does not
    assert template.id in [t.id for t in service.templates("acme", user="bob")]
    assert template.id not in [t.id for t in service.templates("globex")]
    with pytest.raises(NotFoundError):
        service.get("globex", template.id)
    # published: globex sees it, may run or copy it, never change it
    service.publish("acme", template.id)
    assert template.id in [t.id for t in service.templates("globex")]
    assert service.get("globex", template.id).spec["name"] == "screen"
    with pytest.raises(PermissionDeniedError, match="read-only"):
        service.update("globex", "carol", template.id, SPEC)
    with pytest.raises(PermissionDeniedError):
        service.share("globex", template.id, "private")
    with pytest.raises(PermissionDeniedError):
        service.delete("globex", template.id)
    copy = service.save_as_template("globex", "carol", template.id)
    assert copy.organization_id == "globex" and copy.visibility == "private"


def test_private_pipelines_are_their_authors(service: PipelineService) -> None:
    mine = service.create("acme", "alice", SPEC)
    assert [p.id for p in service.list("acme", user="alice")] == [mine.id]
    assert service.list("acme", user="bob") == []
    with pytest.raises(NotFoundError):
        service.get("acme", mine.id, user="bob")
    service.share("acme", mine.id, "organization")
    assert service.get("acme", mine.id, user="bob").visibility == "organization"
    with pytest.raises(ValidationError, match="visibility must be one of"):
        service.share("acme", mine.id, "world")


def test_export_and_import(service: PipelineService, tmp_path: Path) -> None:
    pipeline = service.create("acme", "alice", SPEC, tags=["screening"])
    for suffix in (".yaml", ".json"):
        path = service.export("acme", pipeline.id, tmp_path / f"screen{suffix}")
        imported = service.import_file("globex", "carol", path)
        assert imported.spec == pipeline.spec and imported.tags == ["screening"]
        assert imported.is_template
    assert [r.version for r in service.versions("globex", "screen")] == ["1", "2"]
    with pytest.raises(Exception, match="cannot read"):
        service.import_file("acme", "alice", tmp_path / "missing.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n")
    with pytest.raises(ValidationError, match="a mapping"):
        service.import_file("acme", "alice", tmp_path / "list.yaml")


def test_bad_specs_are_refused_before_saving(service: PipelineService) -> None:
    cyclic = {
        "name": "loop",
        "steps": [
            {"id": "a", "task": "dock", "depends_on": ["b"]},
            {"id": "b", "task": "dock", "depends_on": ["a"]},
        ],
    }
    with pytest.raises(ValidationError, match="cycle"):
        service.create("acme", "alice", cyclic)
    assert service.list("acme") == []


def test_execute_records_a_run_job(service: PipelineService) -> None:
    pipeline = service.create("acme", "alice", SPEC)
    run = service.execute("acme", "alice", pipeline_id=pipeline.id, inputs={"library": "x.sdf"})
    assert run.task_id == "pipeline" and run.status is JobStatus.QUEUED
    assert run.pipeline_id == pipeline.id
    assert run.parameters["inputs"] == {"library": "x.sdf"}
    status = service.status("acme", run.id)
    assert status["run"]["id"] == run.id and status["steps"] == {}
    assert service.cancel("acme", run.id).status is JobStatus.CANCELLED
    with pytest.raises(ValidationError, match="not both or neither"):
        service.execute("acme", "alice")
    service.publish("acme", pipeline.id)
    other = service.execute("globex", "carol", pipeline_id=pipeline.id)
    assert other.pipeline_id is None and other.organization_id == "globex"


def test_unknown_tasks_are_refused_before_anything_runs(service: PipelineService) -> None:
    spec = {"name": "typo", "steps": [{"id": "a", "task": "dokc"}]}
    with pytest.raises(ValidationError, match=r"steps\[0\] \(a\): task dokc not found") as info:
        service.create("acme", "alice", spec)
    assert info.value.field == "steps[0].task"
    with pytest.raises(ValidationError, match="dokc"):
        service.execute("acme", "alice", spec=spec)


def test_a_pipeline_run_waits_for_a_coordinator_not_a_worker(service: PipelineService) -> None:
    from madlab.runtime.local import is_coordinated

    run = service.execute("acme", "alice", spec=SPEC)
    assert is_coordinated(run)
    assert run.queue == "docking.standard.coordinator"
