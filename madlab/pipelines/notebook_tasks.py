"""Notebook tasks: every notebook in ``templates/`` with a papermill ``parameters`` cell.

The task's JSON Schema comes from that cell: each assignment is a parameter,
its type inferred from its annotation or its default (``n: int = 3``,
``title = "run"``), its default the assigned value, its description the
comment after it. Running the task executes the notebook with papermill and
stores the executed copy.
"""

from __future__ import annotations

import ast
import builtins
import json
import tempfile
from pathlib import Path
from typing import Any

from madlab.domain.tasks import TaskDefinition
from madlab.errors import ConflictError, InputFileError, NotFoundError
from madlab.pipelines.report import execute_template, templates_dir
from madlab.store.database import Store
from madlab.tasks.context import TaskContext
from madlab.tasks.registry import TaskRegistry

__all__ = [
    "IMPLEMENTATION",
    "infer_schema",
    "notebook_definition",
    "run_notebook",
    "sync_notebook_tasks",
]

IMPLEMENTATION = f"{__name__}:run_notebook"
PREFIX = "notebook-"

_TYPES = {
    "int": "integer",
    "float": "number",
    "str": "string",
    "bool": "boolean",
    "list": "array",
    "dict": "object",
}


def _json_type(annotation: str | None, default: Any) -> str | list[str] | None:
    if annotation:
        base = annotation.split("[")[0].strip()
        if base in _TYPES:
            return _TYPES[base]
    if default is None:
        return None
    if isinstance(default, bool):
        return "boolean"
    if isinstance(default, int):
        return "integer"
    if isinstance(default, float):
        return "number"
    if isinstance(default, str):
        return "string"
    if isinstance(default, (list, tuple)):
        return "array"
    if isinstance(default, dict):
        return "object"
    return None


def infer_schema(notebook: str | Path) -> dict[str, Any] | None:
    """The JSON Schema of a notebook's ``parameters`` cell, or ``None`` without one.

    Raises
    ------
    madlab.errors.InputFileError
        A file that is not a notebook.
    """
    import nbformat
    import papermill as pm

    path = Path(notebook)
    try:
        nb = nbformat.read(path, as_version=4)
        # a notebook saved without a kernel is read as a Python one
        nb.metadata.setdefault(
            "kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"}
        )
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / path.name
            nbformat.write(nb, copy)
            found = pm.inspect_notebook(str(copy))
    except (OSError, ValueError, json.JSONDecodeError, nbformat.reader.NotJSONError) as err:
        raise InputFileError(f"not a readable notebook: {err}", path=str(path)) from None
    if not found:
        return None
    properties: dict[str, Any] = {}
    for name, info in found.items():
        text = info.get("default")
        try:
            default = ast.literal_eval(text) if text is not None else None
        except (ValueError, SyntaxError):
            default = None  # an expression: no default the schema can hold
        annotation = info.get("inferred_type_name")
        kind = _json_type(annotation if annotation not in (None, "None") else None, default)
        prop: dict[str, Any] = {}
        if kind is not None:
            prop["type"] = kind
        if default is not None or text == "None":
            prop["default"] = list(default) if isinstance(default, tuple) else default
        if info.get("help"):
            prop["description"] = str(info["help"])
        properties[name] = prop
    return {"type": "object", "additionalProperties": False, "properties": properties}


def notebook_definition(notebook: str | Path, *, version: str = "1") -> TaskDefinition | None:
    """The task definition of a notebook (``None`` when it has no parameters cell)."""
    path = Path(notebook)
    schema = infer_schema(path)
    if schema is None:
        return None
    return TaskDefinition(
        task_id=PREFIX + path.stem,
        version=version,
        name=path.stem.replace("_", " "),
        category="notebook",
        description=f"Execute the notebook {path.name} with papermill.",
        interface_spec={
            "inputs": schema,
            "outputs": {
                "type": "object",
                "properties": {"notebook": {"type": "string"}, "path": {"type": "string"}},
            },
        },
        service_config={
            "queue": "docking.standard",
            "implementation": IMPLEMENTATION,
            "notebook": str(path.resolve()),
            "resources": {"cpus": 1, "memory_mb": 2048},
            "requires": [],
        },
    )


def _current(store: Store, task_id: str, organization_id: str | None) -> TaskDefinition | None:
    """The newest active version visible to ``organization_id`` (None: shared ones)."""
    with store.unit_of_work() as uow:
        visible = uow.tasks.list(organization_id=organization_id)
    found = [d for d in visible if d.task_id == task_id]
    if not found:
        return None
    return max(found, key=lambda d: (int(d.version) if d.version.isdigit() else 0, d.version))


def sync_notebook_tasks(
    registry: TaskRegistry,
    store: Store,
    folder: Path | None = None,
    *,
    organization_id: str | None = None,
) -> builtins.list[TaskDefinition]:
    """Register every notebook of ``folder`` that has a parameters cell.

    ``organization_id`` None registers them for every organization.

    A notebook whose parameters changed gets a new version; an unchanged one
    is left as it is. Returns the current definition of each notebook task.
    """
    folder = folder or templates_dir()
    out: builtins.list[TaskDefinition] = []
    for path in sorted(folder.glob("*.ipynb")):
        definition = notebook_definition(path)
        if definition is None:
            continue
        current = _current(store, definition.task_id, organization_id)
        if current is not None and current.interface_spec == definition.interface_spec:
            out.append(current)
            continue
        if current is not None:
            number = int(current.version) + 1 if current.version.isdigit() else 2
            definition = notebook_definition(path, version=str(number)) or definition
        try:
            out.append(registry.register(definition, organization_id=organization_id))
        except ConflictError:  # another process registered it meanwhile
            again = _current(store, definition.task_id, organization_id)
            if again is not None:
                out.append(again)
    return out


def run_notebook(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Execute this job's notebook with ``params`` and store the executed copy."""
    with ctx.store.unit_of_work() as uow:
        job = uow.jobs.get(ctx.organization_id, ctx.job_id)
    definition = TaskRegistry(ctx.store).get(
        job.task_id, job.task_version, organization_id=ctx.organization_id
    )
    notebook = Path(str(definition.service_config.get("notebook", "")))
    if not notebook.is_file():
        raise NotFoundError(
            "notebook", notebook, hint="the task's notebook was moved or deleted; sync again"
        )
    executed = ctx.workdir / f"{notebook.stem}-{ctx.job_id}.ipynb"
    execute_template(notebook, executed, params, cwd=ctx.workdir)
    ref = ctx.artifacts.put_file(executed, name=executed.name)
    kept = ctx.workdir.parent.parent / "reports" / executed.name
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(executed.read_bytes())
    return {"notebook": ref.key, "path": str(kept)}
