"""The task registry: built-in tasks from entry points, versions, visibility, validation."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from madlab.domain import TaskDefinition, TaskStatus
from madlab.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from madlab.store.database import Store
from madlab.tasks.context import TaskContext
from madlab.tasks.definitions import (
    DEFAULT_QUEUE,
    check_definition,
    definition_from_json,
    definition_to_dict,
)
from madlab.tasks.registry import BuiltinTask, TaskRegistry

BUILTINS = {
    "dock",
    "pipeline",
    "prepare_ligands",
    "prepare_receptor",
    "redock_benchmark",
    "rescore",
}

INPUTS: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["n"],
    "properties": {
        "n": {"type": "integer", "minimum": 1},
        "label": {"type": "string", "default": "x"},
    },
}


def double(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """A task implementation named by 'module:function' in tests."""
    return {"n": params["n"] * 2}


def definition(task_id: str = "count", version: str = "1", **changes: Any) -> TaskDefinition:
    base = TaskDefinition(
        task_id=task_id,
        version=version,
        name="Count",
        category="analysis",
        interface_spec={"inputs": INPUTS},
        service_config={"implementation": f"{__name__}:double"},
    )
    return replace(base, **changes)


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    s = Store(f"sqlite:///{tmp_path / 'madlab.db'}")
    s.upgrade()
    with s.unit_of_work() as uow:
        uow.organizations.ensure("acme")
        uow.organizations.ensure("globex")
    return s


@pytest.fixture()
def registry(store: Store) -> TaskRegistry:
    return TaskRegistry(store)


def test_builtin_tasks_come_from_entry_points(registry: TaskRegistry) -> None:
    tasks = registry.list(organization_id="acme")
    assert {t.task_id for t in tasks} == BUILTINS
    for t in tasks:
        assert t.is_builtin and t.version == "1" and t.status is TaskStatus.ACTIVE
        config = t.service_config
        assert config["queue"] == "docking.standard"
        assert config["resources"]["cpus"] >= 1 and config["resources"]["memory_mb"] >= 512
        assert isinstance(config["requires"], list)
        assert t.interface_spec["inputs"]["type"] == "object"
        assert t.description
    assert registry.broken == {}
    dock = registry.get("dock", organization_id="acme")
    assert dock.service_config["engine"] == "vina"
    assert "engine" in dock.interface_spec["inputs"]["properties"]
    assert "$defs" not in json.dumps(dock.interface_spec)  # embeddable in OpenAPI


def test_storing_builtins_is_idempotent_and_keeps_a_deprecation(store: Store) -> None:
    first = TaskRegistry(store)
    first.register_entry_points()
    before = first.get("rescore", "1", organization_id="acme")
    with store.unit_of_work() as uow:
        uow.tasks.set_status("rescore", "1", TaskStatus.DEPRECATED, organization_id=None)
    second = TaskRegistry(store)
    second.register_entry_points()
    second.register_entry_points()
    assert len(second.list(organization_id="acme", include_deprecated=True)) == len(BUILTINS)
    after = second.get("rescore", "1", organization_id="acme")
    assert after.status is TaskStatus.DEPRECATED
    assert after.updated_at is not None and before.updated_at is not None
    with pytest.raises(NotFoundError):
        second.get("rescore", organization_id="acme")


def test_builtin_implementations_are_callables(registry: TaskRegistry) -> None:
    for task in registry.builtin_tasks():
        assert isinstance(task, BuiltinTask)
        assert registry.implementation(task.definition) is task.implementation


def test_register_then_get_the_newest_version_numerically(registry: TaskRegistry) -> None:
    for version in ("1", "2", "10", "9.5"):
        stored = registry.register(definition(version=version), organization_id="acme")
        assert stored.organization_id == "acme" and stored.created_at is not None
    assert registry.get("count", organization_id="acme").version == "10"
    assert registry.get("count", "2", organization_id="acme").version == "2"
    registry.deprecate("count", "10", organization_id="acme")
    assert registry.get("count", organization_id="acme").version == "9.5"
    versions = [d.version for d in registry.list(organization_id="acme") if d.task_id == "count"]
    assert versions == ["1", "2", "9.5"]
    every = registry.list(organization_id="acme", include_deprecated=True)
    assert [d.version for d in every if d.task_id == "count"] == ["1", "2", "9.5", "10"]


def test_registered_definitions_are_completed_and_persist(store: Store) -> None:
    TaskRegistry(store).register(definition(), organization_id="acme")
    again = TaskRegistry(store).get("count", organization_id="acme")
    assert again.service_config["queue"] == DEFAULT_QUEUE
    assert again.service_config["resources"] == {"cpus": 1, "memory_mb": 2048}
    assert again.service_config["requires"] == []


def test_a_duplicate_version_is_a_conflict(registry: TaskRegistry) -> None:
    registry.register(definition(), organization_id="acme")
    with pytest.raises(ConflictError, match="count version 1 is already registered"):
        registry.register(definition(name="Other"), organization_id="acme")
    with pytest.raises(ConflictError):
        registry.register(definition(), organization_id="globex")
    assert registry.get("count", organization_id="acme").name == "Count"


def test_an_organization_cannot_take_a_builtin_task_id(registry: TaskRegistry) -> None:
    with pytest.raises(ConflictError, match="built into madlab"):
        registry.register(definition(task_id="dock", version="2"), organization_id="acme")


def test_tasks_are_visible_to_their_organization_only(registry: TaskRegistry) -> None:
    registry.register(definition(), organization_id="acme")
    with pytest.raises(NotFoundError):
        registry.get("count", organization_id="globex")
    assert "count" not in {d.task_id for d in registry.list(organization_id="globex")}
    with pytest.raises(NotFoundError):
        registry.deprecate("count", "1", organization_id="globex")


def test_shared_definitions_can_be_registered(registry: TaskRegistry) -> None:
    registry.register(definition(task_id="shared"), organization_id=None)
    assert registry.get("shared", organization_id="globex").is_builtin


def test_builtins_cannot_be_deprecated_by_an_organization(registry: TaskRegistry) -> None:
    with pytest.raises(PermissionDeniedError):
        registry.deprecate("dock", "1", organization_id="acme")


def test_list_by_category(registry: TaskRegistry) -> None:
    prep = registry.list(organization_id="acme", category="preparation")
    assert {d.task_id for d in prep} == {"prepare_receptor", "prepare_ligands"}


def test_unknown_task_or_version_is_not_found(registry: TaskRegistry) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        registry.get("nope", organization_id="acme")
    with pytest.raises(NotFoundError, match="dock version 7"):
        registry.get("dock", "7", organization_id="acme")


def test_validate_applies_defaults_and_names_bad_fields(registry: TaskRegistry) -> None:
    d = registry.register(definition(), organization_id="acme")
    assert registry.validate(d, {"n": 2}) == {"n": 2, "label": "x"}
    with pytest.raises(ValidationError) as info:
        registry.validate(d, {"n": 0, "what": 1})
    assert [e["field"] for e in info.value.details["errors"]] == ["n", "what"]
    assert "count version 1" in info.value.message


def test_runtime_tasks_run_their_named_function(registry: TaskRegistry) -> None:
    d = registry.register(definition(), organization_id="acme")
    impl = registry.implementation(d)
    assert impl is double
    assert registry.implementation(d) is impl


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "service_config.implementation"),
        ({"implementation": "madlab.nowhere:run"}, "cannot be imported"),
        ({"implementation": f"{__name__}:missing"}, "cannot be imported"),
        ({"implementation": f"{__name__}:INPUTS"}, "not a function"),
    ],
)
def test_a_missing_implementation_is_not_found(
    registry: TaskRegistry, config: dict[str, Any], message: str
) -> None:
    d = registry.register(definition(service_config=config), organization_id="acme")
    with pytest.raises(NotFoundError) as info:
        registry.implementation(d)
    assert message in str(info.value)


def test_a_builtin_definition_without_entry_point_has_no_implementation(
    store: Store,
) -> None:
    registry = TaskRegistry(store, group="madlab.tasks.none")
    assert registry.builtin_tasks() == []
    with pytest.raises(NotFoundError):
        registry.implementation(definition(service_config={}))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"task_id": "Count"}, "task_id"),
        ({"task_id": "has space"}, "task_id"),
        ({"task_id": ""}, "task_id"),
        ({"version": "v1"}, "version"),
        ({"version": "1..2"}, "version"),
        ({"name": " "}, "name"),
        ({"category": ""}, "category"),
        ({"interface_spec": {}}, "interface_spec"),
        ({"interface_spec": {"inputs": {"type": 3}}}, "interface_spec.inputs.type"),
        (
            {"interface_spec": {"inputs": {}, "outputs": {"required": "x"}}},
            "interface_spec.outputs.required",
        ),
        ({"interface_spec": {"inputs": {}, "docs": {}}}, "interface_spec.docs"),
        ({"service_config": []}, "service_config"),
        ({"service_config": {"queue": ""}}, "service_config.queue"),
        ({"service_config": {"engine": 5}}, "service_config.engine"),
        ({"service_config": {"resources": 4}}, "service_config.resources"),
        ({"service_config": {"resources": {"cpus": 0}}}, "service_config.resources.cpus"),
        (
            {"service_config": {"resources": {"memory_mb": True}}},
            "service_config.resources.memory_mb",
        ),
        ({"service_config": {"requires": "gpu"}}, "service_config.requires"),
        ({"service_config": {"implementation": "no_colon"}}, "service_config.implementation"),
    ],
)
def test_bad_definitions_are_refused_naming_the_field(
    registry: TaskRegistry, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        registry.register(definition(**changes), organization_id="acme")
    assert info.value.field == field


def test_check_definition_keeps_what_is_given() -> None:
    d = check_definition(
        definition(
            service_config={
                "queue": "docking.high_priority",
                "engine": "gnina",
                "resources": {"cpus": 4},
                "requires": ["gpu"],
            }
        )
    )
    assert d.service_config == {
        "queue": "docking.high_priority",
        "engine": "gnina",
        "resources": {"cpus": 4, "memory_mb": 2048},
        "requires": ["gpu"],
    }


def test_definitions_from_json(tmp_path: Path) -> None:
    text = json.dumps(
        {
            "task_id": "count",
            "version": "1.2.0",
            "name": "Count",
            "category": "analysis",
            "interface_spec": {"inputs": INPUTS},
        }
    )
    d = definition_from_json(text, source="count.json")
    assert d.version == "1.2.0" and d.service_config["queue"] == DEFAULT_QUEUE
    out = definition_to_dict(d)
    assert out["status"] == "active" and out["builtin"] is True and out["created_at"] is None
    json.dumps(out)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "count.json: not JSON"),
        ('{"task_id": "x"}', "version: Field required"),
        (
            '{"task_id": "x", "version": "1", "name": "n", "category": "c", '
            '"interface_spec": {"inputs": {}}, "status": "active"}',
            "status: Extra inputs are not permitted",
        ),
        (
            '{"task_id": "X", "version": "1", "name": "n", "category": "c", '
            '"interface_spec": {"inputs": {}}}',
            "count.json: task_id 'X' is not a valid task id",
        ),
    ],
)
def test_bad_json_definitions_are_explained(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        definition_from_json(text, source="count.json")
    assert message in str(info.value)


def test_a_clash_with_an_organization_row_spares_the_other_builtins(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.tasks.save(definition(task_id="rescore", organization_id="acme"))
    registry = TaskRegistry(store)
    registry.register_entry_points()
    assert "rescore" in registry.broken
    builtin = {d.task_id for d in registry.list(organization_id="globex")}
    assert builtin == BUILTINS - {"rescore"}


def test_a_changed_builtin_is_refreshed(store: Store) -> None:
    TaskRegistry(store).register_entry_points()
    with store.unit_of_work() as uow:
        old = uow.tasks.get("dock", "1", organization_id=None)
        uow.tasks.save(replace(old, description="stale"))
    registry = TaskRegistry(store)
    registry.register_entry_points()
    assert registry.get("dock", organization_id="acme").description != "stale"


def test_broken_entry_points_are_reported_not_fatal(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "plugins" / "madlab_test_plugin-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: madlab-test-plugin\nVersion: 0.1\n"
    )
    (dist / "entry_points.txt").write_text(
        "[madlab.tasks.test]\n"
        "missing = madlab.tasks.builtin.nowhere:TASK\n"
        "wrong = json:dumps\n"
        "good = madlab.tasks.builtin.rescore:TASK\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "plugins"))
    registry = TaskRegistry(store, group="madlab.tasks.test")
    assert [t.definition.task_id for t in registry.builtin_tasks()] == ["rescore"]
    broken = registry.broken
    assert set(broken) == {"missing", "wrong"}
    assert "not a BuiltinTask" in broken["wrong"]
    assert {d.task_id for d in registry.list(organization_id="acme")} == {"rescore"}
