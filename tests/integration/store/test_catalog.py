"""Organizations, users, task definitions, workers and saved pipelines."""

from __future__ import annotations

from datetime import timedelta

import pytest

from madlab.domain import JobStatus, TaskDefinition, TaskStatus, WorkerStatus
from madlab.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from madlab.store import Store

from .clock import StepClock


def test_ensure_creates_an_organization_once(store: Store) -> None:
    with store.unit_of_work() as uow:
        first = uow.organizations.ensure("default", name="Default")
        again = uow.organizations.ensure("default", name="Renamed?")
        assert first == again and again.name == "Default"
        assert uow.organizations.ensure("lab-2").name == "lab-2"
        assert [o.id for o in uow.organizations.list()] == ["default", "lab-2"]
        assert uow.organizations.get("default") == first
        with pytest.raises(NotFoundError):
            uow.organizations.get("nope")
        for bad in ("", "has space", "../etc", "x" * 65):
            with pytest.raises(ValidationError):
                uow.organizations.ensure(bad)


def test_users_and_memberships(store: Store, org: str, other_org: str) -> None:
    with store.unit_of_work() as uow:
        uow.users.add_member(org, "alice", admin=True)
        uow.users.add_member(other_org, "alice")
        uow.users.add_member(org, "bob")
        promoted = uow.users.add_member(other_org, "alice", admin=True)
        assert promoted.is_admin
        with pytest.raises(NotFoundError):
            uow.users.add_member("nowhere", "alice")
    with store.unit_of_work() as uow:
        alice = uow.users.get("alice")
        assert alice.is_admin(org) and alice.is_admin(other_org)
        assert [m.user for m in uow.users.members(org)] == ["alice", "bob"]
        uow.users.remove_member(org, "bob")
        with pytest.raises(NotFoundError):
            uow.users.remove_member(org, "bob")
    with store.unit_of_work() as uow:
        bob = uow.users.ensure("bob")
        assert not bob.is_member(org) and bob.memberships == []
        assert uow.users.ensure("carol").name == "carol"
        with pytest.raises(NotFoundError):
            uow.users.get("dave")


def _task(version: str, **extra: object) -> TaskDefinition:
    fields: dict[str, object] = {
        "task_id": "dock",
        "version": version,
        "name": "Docking",
        "category": "docking",
        "interface_spec": {"inputs": {"type": "object", "required": ["receptor"]}},
        "service_config": {"queue": "docking", "engines": ["vina", "smina"]},
    }
    fields.update(extra)
    return TaskDefinition(**fields)  # type: ignore[arg-type]


def test_task_definitions_builtin_and_per_organization(
    store: Store, org: str, other_org: str
) -> None:
    with store.unit_of_work() as uow:
        for version in ("1", "2", "10"):
            uow.tasks.save(_task(version))
        mine = uow.tasks.save(
            _task("1", task_id="acme-score", category="scoring", organization_id=org)
        )
        assert mine.created_at is not None and not mine.is_builtin
    with store.unit_of_work() as uow:
        newest = uow.tasks.get("dock", organization_id=org)
        assert newest.version == "10" and newest.is_builtin
        assert newest.interface_spec["inputs"]["required"] == ["receptor"]
        assert uow.tasks.get("acme-score", "1", organization_id=org) == mine
        with pytest.raises(NotFoundError):
            uow.tasks.get("acme-score", "1", organization_id=other_org)
        with pytest.raises(NotFoundError):
            uow.tasks.get("acme-score", organization_id=other_org)
        assert [(t.task_id, t.version) for t in uow.tasks.list(organization_id=org)] == [
            ("acme-score", "1"),
            ("dock", "1"),
            ("dock", "2"),
            ("dock", "10"),
        ]
        assert [t.task_id for t in uow.tasks.list(organization_id=org, category="scoring")] == [
            "acme-score"
        ]
        assert len(uow.tasks.list(organization_id=other_org)) == 3


def test_task_versions_are_owned(store: Store, org: str, other_org: str) -> None:
    with store.unit_of_work() as uow:
        uow.tasks.save(_task("1"))
        updated = uow.tasks.save(_task("1", name="Docking (Vina)"))
        assert updated.name == "Docking (Vina)"
        uow.tasks.save(_task("1", task_id="custom", organization_id=org))
        with pytest.raises(ConflictError, match="already defined by madlab"):
            uow.tasks.save(_task("1", organization_id=org))
        with pytest.raises(ConflictError, match="another organization"):
            uow.tasks.save(_task("1", task_id="custom", organization_id=other_org))
        with pytest.raises(NotFoundError):
            uow.tasks.save(_task("1", task_id="x", organization_id="nowhere"))


def test_deprecated_tasks_take_no_new_jobs_but_stay_readable(store: Store, org: str) -> None:
    with store.unit_of_work() as uow:
        uow.tasks.save(_task("1"))
        uow.tasks.save(_task("2"))
        uow.tasks.save(_task("1", task_id="custom", organization_id=org))
        with pytest.raises(PermissionDeniedError):
            uow.tasks.set_status("dock", "2", TaskStatus.DEPRECATED, organization_id=org)
        old = uow.tasks.set_status("dock", "2", TaskStatus.DEPRECATED, organization_id=None)
        assert old.status is TaskStatus.DEPRECATED
        assert uow.tasks.get("dock", organization_id=org).version == "1"
        assert uow.tasks.get("dock", "2", organization_id=org).status is TaskStatus.DEPRECATED
        assert len(uow.tasks.list(organization_id=org)) == 2
        assert len(uow.tasks.list(organization_id=org, include_deprecated=True)) == 3
        uow.tasks.set_status("custom", "1", TaskStatus.DEPRECATED, organization_id=org)
        with pytest.raises(NotFoundError, match="no active version"):
            uow.tasks.get("custom", organization_id=org)
        with pytest.raises(NotFoundError):
            uow.tasks.set_status("ghost", "1", TaskStatus.ACTIVE, organization_id=org)


def test_workers_register_and_heartbeat(store: Store, clock: StepClock) -> None:
    with store.unit_of_work() as uow:
        first = uow.workers.heartbeat(
            "worker@gpu-1",
            capabilities={"engines": {"gnina": "1.3"}, "gpu": True},
            hostname="gpu-1",
        )
        uow.workers.heartbeat("worker@cpu-1", capabilities={"engines": {"vina": "1.2.7"}})
    cutoff = clock()
    with store.unit_of_work() as uow:
        beat = uow.workers.heartbeat("worker@gpu-1", status=WorkerStatus.BUSY)
        assert beat.capabilities == first.capabilities and beat.hostname == "gpu-1"
        assert beat.started_at == first.started_at and beat.last_heartbeat > cutoff
        assert [w.name for w in uow.workers.list(seen_since=cutoff)] == ["worker@gpu-1"]
        assert [w.name for w in uow.workers.list(status=WorkerStatus.ONLINE)] == ["worker@cpu-1"]
        gone = uow.workers.set_status("worker@cpu-1", WorkerStatus.OFFLINE)
        assert gone.status is WorkerStatus.OFFLINE
        assert uow.workers.get("worker@cpu-1") == gone
        assert len(uow.workers.list()) == 2
        with pytest.raises(NotFoundError):
            uow.workers.get("ghost")
        with pytest.raises(ValidationError):
            uow.workers.list(seen_since=cutoff.replace(tzinfo=None) - timedelta(1))


def test_saved_pipelines(store: Store, org: str, other_org: str) -> None:
    spec = {"steps": [{"id": "prep", "task": "prepare"}, {"id": "dock", "after": ["prep"]}]}
    with store.unit_of_work() as uow:
        saved = uow.pipelines.add(org, name="screen", spec=spec, created_by="alice", tags=["vs"])
        v2 = uow.pipelines.add(org, name="screen", version="2", spec=spec, created_by="alice")
        with pytest.raises(ConflictError):
            uow.pipelines.add(org, name="screen", spec=spec, created_by="bob")
        with pytest.raises(NotFoundError):
            uow.pipelines.add("nowhere", name="x", spec={}, created_by="bob")
        job = uow.jobs.add(
            organization_id=org, user="alice", task_id="pipeline", task_version="1",
            pipeline_id=saved.id,
        )  # fmt: skip
        uow.jobs.transition(org, job.id, JobStatus.CANCELLED)
    with store.unit_of_work() as uow:
        assert uow.pipelines.get(org, saved.id) == saved
        assert saved.spec == spec and saved.tags == ["vs"]
        assert [p.version for p in uow.pipelines.list(org)] == ["2", "1"]
        assert uow.pipelines.list(other_org) == []
        with pytest.raises(NotFoundError):
            uow.pipelines.get(other_org, saved.id)
        changed = uow.pipelines.update(org, saved.id, description="virtual screen", tags=[])
        assert changed.description == "virtual screen" and changed.tags == []
        assert changed.updated_at > saved.updated_at
        changed = uow.pipelines.update(org, saved.id, spec={"steps": []})
        assert changed.spec == {"steps": []}
        uow.pipelines.delete(org, saved.id)
    with store.unit_of_work() as uow:
        assert [p.id for p in uow.pipelines.list(org)] == [v2.id]
        assert uow.jobs.get(org, job.id).pipeline_id is None
