"""Checks of task definitions: ids, versions, interface schemas and service config.

A definition is checked before it is stored, whether it comes from an entry
point or is registered at run time; its service configuration is completed
with the defaults the runtime relies on (queue, resources, requires).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from madlab.domain.tasks import TaskDefinition, TaskStatus
from madlab.errors import ValidationError
from madlab.tasks import schema

__all__ = [
    "DEFAULT_QUEUE",
    "DEFAULT_RESOURCES",
    "TaskDefinitionSpec",
    "check_definition",
    "definition_from_json",
    "definition_to_dict",
]

#: Queue of a task whose service configuration names none.
DEFAULT_QUEUE = "docking.standard"
#: Resources of a task whose service configuration names none.
DEFAULT_RESOURCES: Mapping[str, int] = {"cpus": 1, "memory_mb": 2048}

_TASK_ID = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_VERSION = re.compile(r"^\d{1,6}(\.\d{1,6}){0,3}$")
_IMPLEMENTATION = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def _bad(message: str, field: str, hint: str | None = None) -> ValidationError:
    return ValidationError(message, field=field, hint=hint)


def _check_resources(resources: Any) -> dict[str, int]:
    if not isinstance(resources, Mapping):
        raise _bad(
            "service_config.resources must be an object",
            "service_config.resources",
            'for example {"cpus": 1, "memory_mb": 2048}',
        )
    out = {**DEFAULT_RESOURCES, **resources}
    for key in ("cpus", "memory_mb"):
        value = out[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise _bad(
                f"service_config.resources.{key} must be a positive integer, not {value!r}",
                f"service_config.resources.{key}",
            )
    return out


def _check_service_config(config: Any) -> dict[str, Any]:
    if not isinstance(config, Mapping):
        raise _bad("service_config must be an object", "service_config")
    out = dict(config)
    out.setdefault("queue", DEFAULT_QUEUE)
    for key in ("queue", "engine"):
        if key in out and (not isinstance(out[key], str) or not out[key].strip()):
            raise _bad(f"service_config.{key} must be a non-empty string", f"service_config.{key}")
    out["resources"] = _check_resources(out.get("resources", {}))
    requires = out.setdefault("requires", [])
    if not isinstance(requires, list) or not all(isinstance(r, str) and r for r in requires):
        raise _bad(
            "service_config.requires must be a list of capability names",
            "service_config.requires",
            'for example ["gpu"] or ["engine:gnina"]',
        )
    impl = out.get("implementation")
    if impl is not None and (not isinstance(impl, str) or not _IMPLEMENTATION.match(impl)):
        raise _bad(
            f"service_config.implementation {impl!r} is not a 'module:function' name",
            "service_config.implementation",
            "for example 'mypackage.tasks:run'",
        )
    return out


def check_definition(definition: TaskDefinition) -> TaskDefinition:
    """Check a task definition and return it with its service config completed.

    Rules: ``task_id`` a slug (lower-case letters, digits, ``_``, ``-``,
    starting with a letter); ``version`` numbers separated by dots (``1``,
    ``1.2.0``); non-empty ``name`` and ``category``; ``interface_spec`` an
    object whose ``inputs`` (and ``outputs``, if given) are valid JSON
    Schemas; ``service_config`` with a ``queue`` (default
    ``docking.standard``), ``resources`` (default 1 CPU and 2048 MB) and
    ``requires``.

    Raises
    ------
    madlab.errors.ValidationError
        Naming the first field that breaks a rule.
    """
    if not isinstance(definition.task_id, str) or not _TASK_ID.match(definition.task_id):
        raise _bad(
            f"task_id {definition.task_id!r} is not a valid task id",
            "task_id",
            "use 1-64 lower-case letters, digits, '_' or '-', starting with a letter",
        )
    if not isinstance(definition.version, str) or not _VERSION.match(definition.version):
        raise _bad(
            f"version {definition.version!r} is not a version number",
            "version",
            "use numbers separated by dots, like '1' or '1.2.0'",
        )
    for key in ("name", "category"):
        value = getattr(definition, key)
        if not isinstance(value, str) or not value.strip():
            raise _bad(f"{key} must be a non-empty string", key)
    spec = definition.interface_spec
    if not isinstance(spec, Mapping) or "inputs" not in spec:
        raise _bad(
            "interface_spec must be an object with an 'inputs' JSON Schema",
            "interface_spec",
            'for example {"inputs": {"type": "object", "properties": {...}}}',
        )
    unknown = sorted(set(spec) - {"inputs", "outputs"})
    if unknown:
        raise _bad(
            f"interface_spec has unknown keys: {', '.join(unknown)}",
            f"interface_spec.{unknown[0]}",
            "only 'inputs' and 'outputs' are allowed",
        )
    for key in ("inputs", "outputs"):
        if key in spec:
            schema.check_schema(spec[key], field=f"interface_spec.{key}")
    return replace(
        definition,
        status=TaskStatus(definition.status),
        service_config=_check_service_config(definition.service_config),
    )


class TaskDefinitionSpec(BaseModel):
    """A task definition as given by a user (a JSON file, a request body).

    Unknown keys are refused; ``status`` and ``organization_id`` are not
    given (new definitions are active, owned by the caller's organization).
    """

    model_config = ConfigDict(extra="forbid")

    task_id: str
    version: str
    name: str
    category: str
    description: str = ""
    interface_spec: dict[str, Any]
    service_config: dict[str, Any] = Field(default_factory=dict)

    def to_definition(self) -> TaskDefinition:
        """The domain definition (not yet checked: see :func:`check_definition`)."""
        return TaskDefinition(
            task_id=self.task_id,
            version=self.version,
            name=self.name,
            category=self.category,
            description=self.description,
            interface_spec=self.interface_spec,
            service_config=self.service_config,
        )


def definition_from_json(text: str, *, source: str = "definition") -> TaskDefinition:
    """Parse and check a task definition from JSON text.

    Raises
    ------
    madlab.errors.ValidationError
        For text that is not JSON, a missing or unknown key, or a definition
        that breaks a rule; ``source`` (a file name) starts the message.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValidationError(
            f"{source}: not JSON: {err.msg} at line {err.lineno}, column {err.colno}",
            line=err.lineno,
        ) from None
    try:
        spec = TaskDefinitionSpec.model_validate(data)
    except pydantic.ValidationError as err:
        problems = []
        for e in err.errors():
            where = ".".join(str(p) for p in e["loc"]) or "(the definition)"
            problems.append(f"{where}: {e['msg']}")
        raise ValidationError(
            f"{source}: not a task definition: " + "; ".join(problems),
            hint="give task_id, version, name, category and interface_spec "
            "(with an 'inputs' JSON Schema)",
        ) from None
    try:
        return check_definition(spec.to_definition())
    except ValidationError as err:
        raise ValidationError(f"{source}: {err.message}", field=err.field, hint=err.hint) from None


def definition_to_dict(definition: TaskDefinition) -> dict[str, Any]:
    """JSON-ready form of a definition (status as its value, times in ISO 8601)."""
    return {
        "task_id": definition.task_id,
        "version": definition.version,
        "name": definition.name,
        "category": definition.category,
        "description": definition.description,
        "status": TaskStatus(definition.status).value,
        "builtin": definition.is_builtin,
        "organization_id": definition.organization_id,
        "interface_spec": definition.interface_spec,
        "service_config": definition.service_config,
        "created_at": definition.created_at.isoformat() if definition.created_at else None,
        "updated_at": definition.updated_at.isoformat() if definition.updated_at else None,
    }
