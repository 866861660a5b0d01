"""Notebook tasks: every notebook in ``templates/`` with a papermill ``parameters`` cell.

The task's JSON Schema comes from that cell: each assignment is a parameter,
its type inferred from its annotation or its default (``n: int = 3``,
``title = "run"``), its default the assigned value, its description the
comment after it. Running the task executes the notebook with papermill and
stores the executed copy.

:func:`register_notebook_tasks` runs when the services are built (the
server, ``madlab`` commands, workers): each notebook's content hash is kept
with its task, so an unchanged notebook costs a hash and is not parsed again,
and a changed one becomes the task's next version. A broken notebook is
reported with its file and cell and skipped; the others are registered.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from madlab.domain.tasks import TaskDefinition
from madlab.errors import ConflictError, InputFileError, MadlabError, NotFoundError, ValidationError
from madlab.pipelines.report import execute_template, templates_dir
from madlab.store.database import Store
from madlab.tasks.context import TaskContext
from madlab.tasks.registry import TaskRegistry

__all__ = [
    "IMPLEMENTATION",
    "NotebookSync",
    "infer_schema",
    "notebook_definition",
    "register_notebook_tasks",
    "run_notebook",
    "sync_notebook_tasks",
]

log = logging.getLogger(__name__)

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

    The cell is read as papermill reads it (its first code cell tagged
    ``parameters``; each ``name = value`` or ``name: type = value`` line is a
    parameter, the comment after it its description), with Python's own
    parser, so registering a notebook imports neither papermill nor a kernel.

    Raises
    ------
    madlab.errors.InputFileError
        A file that is not a notebook.
    madlab.errors.ValidationError
        A parameters cell that is not valid Python (naming the cell and line).
    """
    import nbformat

    path = Path(notebook)
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError, json.JSONDecodeError, nbformat.reader.NotJSONError) as err:
        raise InputFileError(f"not a readable notebook: {err}", path=str(path)) from None
    found = _parameters(path, nb)
    if not found:
        return None
    properties: dict[str, Any] = {}
    for name, (annotation, text, comment) in found.items():
        try:
            default = ast.literal_eval(text) if text is not None else None
        except (ValueError, SyntaxError):
            default = None  # an expression: no default the schema can hold
        kind = _json_type(annotation, default)
        prop: dict[str, Any] = {}
        if kind is not None:
            prop["type"] = kind
        if default is not None or text == "None":
            prop["default"] = list(default) if isinstance(default, tuple) else default
        if comment:
            prop["description"] = comment
        properties[name] = prop
    return {"type": "object", "additionalProperties": False, "properties": properties}


def _parameters(path: Path, nb: Any) -> dict[str, tuple[str | None, str | None, str]] | None:
    """Name to (annotation, default's source, comment) of the parameters cell's assignments."""
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code" or "parameters" not in cell.metadata.get("tags", []):
            continue
        source = cell.source
        try:
            tree = ast.parse(source)
        except SyntaxError as err:
            raise ValidationError(
                f"{path}: cell {index + 1} (the parameters cell), line {err.lineno}: {err.msg}",
                field=f"cells[{index}]",
                hint="fix the assignment on that line; each parameter is 'name = value' "
                "or 'name: type = value'",
                path=str(path),
                cell=index + 1,
                line=err.lineno,
            ) from None
        lines = source.splitlines()
        found: dict[str, tuple[str | None, str | None, str]] = {}
        for node in tree.body:
            value: ast.expr | None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, annotation, value = node.targets[0], None, node.value
            elif isinstance(node, ast.AnnAssign):
                target, value = node.target, node.value
                annotation = ast.unparse(node.annotation)
            else:
                continue
            if not isinstance(target, ast.Name):
                continue
            text = ast.get_source_segment(source, value) if value is not None else None
            found[target.id] = (annotation, text, _comment_after(lines, node))
        return found
    return None


def _comment_after(lines: list[str], node: ast.stmt) -> str:
    """The ``# comment`` on the line where ``node`` ends, after it."""
    if node.end_lineno is None or node.end_col_offset is None:
        return ""
    rest = lines[node.end_lineno - 1].encode()[node.end_col_offset :].decode(errors="replace")
    rest = rest.strip()
    return rest.lstrip("#").strip() if rest.startswith("#") else ""


def content_hash(path: Path) -> str:
    """SHA-256 of a notebook file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
            "notebook_sha256": content_hash(path),
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


@dataclass
class NotebookSync:
    """What :func:`register_notebook_tasks` did.

    Attributes
    ----------
    tasks
        The current definition of every notebook task found.
    registered
        Task ids given a new version this time (new or changed notebooks).
    problems
        One error per broken notebook (``code``, ``message`` naming the file
        and cell, ``hint``, ``path``); those notebooks were skipped.
    """

    tasks: builtins.list[TaskDefinition] = field(default_factory=list)
    registered: builtins.list[str] = field(default_factory=list)
    problems: builtins.list[dict[str, Any]] = field(default_factory=list)


def register_notebook_tasks(
    registry: TaskRegistry,
    store: Store,
    folders: Iterable[Path],
    *,
    organization_id: str | None = None,
) -> NotebookSync:
    """Register every notebook of ``folders`` that has a parameters cell, idempotently.

    ``organization_id`` None registers them for every organization. A
    notebook whose content is unchanged keeps its version (it is not parsed
    again); a changed one gets the next version. A notebook that cannot be
    read, or whose parameters cell is not valid Python, is reported in
    ``problems`` (and logged) and does not stop the others; so is a second
    notebook of the same name in a later folder.
    """
    out = NotebookSync()
    with store.unit_of_work() as uow:
        visible = uow.tasks.list(organization_id=organization_id)
    current_by_id: dict[str, TaskDefinition] = {}
    for definition in visible:
        if definition.task_id.startswith(PREFIX):
            best = current_by_id.get(definition.task_id)
            if best is None or _version_key(definition) > _version_key(best):
                current_by_id[definition.task_id] = definition
    seen: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.ipynb")):
            task_id = PREFIX + path.stem
            if task_id in seen:
                out.problems.append(
                    _problem(
                        ConflictError(
                            f"{path}: a notebook task {task_id} comes from {seen[task_id]} already",
                            hint="rename one of the two notebooks",
                        ),
                        path,
                    )
                )
                continue
            seen[task_id] = path
            try:
                _sync_one(registry, store, path, current_by_id.get(task_id), organization_id, out)
            except MadlabError as err:
                out.problems.append(_problem(err, path))
    for problem in out.problems:
        log.warning("notebook task not registered: %s", problem["message"])
    return out


def _version_key(definition: TaskDefinition) -> tuple[int, str]:
    version = definition.version
    return (int(version) if version.isdigit() else 0, version)


def _problem(err: MadlabError, path: Path) -> dict[str, Any]:
    body = err.to_dict()
    body.setdefault("path", str(path))
    if not str(body.get("message", "")).startswith(str(path)):
        body["message"] = f"{path}: {body.get('message', '')}"
    return body


def _sync_one(
    registry: TaskRegistry,
    store: Store,
    path: Path,
    current: TaskDefinition | None,
    organization_id: str | None,
    out: NotebookSync,
) -> None:
    if current is not None and current.service_config.get("notebook_sha256") == content_hash(path):
        out.tasks.append(current)  # unchanged: not parsed again
        return
    version = "1"
    if current is not None:
        version = str(int(current.version) + 1) if current.version.isdigit() else "2"
    definition = notebook_definition(path, version=version)
    if definition is None:
        return
    try:
        out.tasks.append(registry.register(definition, organization_id=organization_id))
        out.registered.append(definition.task_id)
    except ConflictError as err:  # another process registered it meanwhile?
        again = _current(store, definition.task_id, organization_id)
        if again is None:  # no: the id is taken where this caller cannot see it
            raise ConflictError(
                f"task {definition.task_id} v{definition.version} is registered already, "
                f"not from this notebook: {err.message}",
                hint="rename the notebook",
            ) from None
        out.tasks.append(again)


def sync_notebook_tasks(
    registry: TaskRegistry,
    store: Store,
    folder: Path | None = None,
    *,
    organization_id: str | None = None,
) -> builtins.list[TaskDefinition]:
    """Register every notebook of ``folder`` (``templates/`` by default) that has a parameters cell.

    Returns the current definition of each notebook task; broken notebooks
    are logged and skipped (see :func:`register_notebook_tasks`).
    """
    folders = [folder or templates_dir()]
    return register_notebook_tasks(registry, store, folders, organization_id=organization_id).tasks


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
