"""The ``dock`` task: a :class:`~madlab.tasks.dock.DockRequest` run by :func:`execute_docking`."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pydantic

from madlab.domain.tasks import TaskDefinition
from madlab.errors import EngineError
from madlab.tasks.builtin.inputs import (
    STANDARD_QUEUE,
    invalid,
    local_file,
    pydantic_errors,
    resources,
)
from madlab.tasks.context import TaskContext
from madlab.tasks.dock import (
    DOCK_TASK_ID,
    DOCK_TASK_VERSION,
    DockRequest,
    all_failed_error,
    execute_docking,
)
from madlab.tasks.registry import BuiltinTask
from madlab.tasks.schema import inline_refs

#: Parameters naming files (paths or artifact keys).
FILE_FIELDS = ("receptor", "autobox_ligand", "reference", "custom_scoring")


def _inputs() -> dict[str, Any]:
    schema = inline_refs(DockRequest.model_json_schema())
    schema["title"] = "Dock ligands"
    schema["required"] = sorted(set(schema.get("required", [])) | {"receptor"})
    return schema


OUTPUTS: dict[str, Any] = {
    "type": "object",
    "required": ["ligands", "docked", "failed", "box"],
    "properties": {
        "ligands": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "ligand": {"type": "string"},
                    "result_id": {"type": "integer"},
                    "best_affinity": {"type": ["number", "null"]},
                    "best_rmsd": {"type": ["number", "null"]},
                    "poses": {"type": "integer"},
                    "error": {"type": ["string", "null"]},
                },
            },
        },
        "docked": {"type": "integer"},
        "failed": {"type": "integer"},
        "box": {"type": "object"},
        "receptor_pdbqt": {"type": ["string", "null"]},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "cancelled": {"type": "boolean"},
    },
}

DEFINITION = TaskDefinition(
    task_id=DOCK_TASK_ID,
    version=DOCK_TASK_VERSION,
    name="Dock ligands",
    category="docking",
    description=(
        "Prepare a receptor and ligands, derive the search box, dock every ligand with the "
        "chosen engine (receptor maps computed once), and store each ligand's ranked poses "
        "as it finishes, scored against an optional reference pose."
    ),
    interface_spec={"inputs": _inputs(), "outputs": OUTPUTS},
    service_config={
        "queue": STANDARD_QUEUE,
        "engine": "vina",
        "resources": resources(1, 4096),
        "requires": [],
    },
)


def request_from_params(ctx: TaskContext, params: dict[str, Any]) -> DockRequest:
    """The docking request of validated parameters, with files made local.

    Raises
    ------
    madlab.errors.ValidationError
        For rules the schema cannot express (exactly one box), listing each.
    madlab.errors.InputFileError
        For a file parameter that names no readable file.
    """
    values = dict(params)
    for key in FILE_FIELDS:
        if values.get(key):
            values[key] = str(local_file(ctx, values[key], key))
    values["ligand_files"] = [
        str(local_file(ctx, v, f"ligand_files[{i}]"))
        for i, v in enumerate(values.get("ligand_files", []))
    ]
    try:
        return DockRequest.model_validate(values)
    except pydantic.ValidationError as err:
        raise invalid("parameters of task dock", pydantic_errors(err)) from None


def run(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Dock the request's ligands; return the job summary.

    The summary has one entry per ligand (result id, best affinity, best pose's
    RMSD to the reference, pose count, error), counts, the box and warnings.

    Raises
    ------
    madlab.errors.EngineError
        When no ligand could be docked (each ligand's error is in the message).
    """
    request = request_from_params(ctx, params)
    partials: list[dict[str, Any]] = []
    forward = ctx.on_partial

    def keep(payload: dict[str, Any]) -> None:
        partials.append(payload)
        if forward is not None:
            forward(payload)

    outcome = execute_docking(request, dataclasses.replace(ctx, on_partial=keep))
    if outcome.results and len(outcome.failed_ligands) == len(outcome.results):
        error = all_failed_error(outcome)
        raise EngineError(error["message"], engine=request.engine, hint="see each ligand's error")
    ids = {p["ligand"]: p["result_id"] for p in partials}
    ligands = []
    receptor_key = None
    for r in outcome.results:
        best = r.best
        ligands.append(
            {
                "ligand": r.ligand,
                "result_id": ids.get(r.ligand),
                "best_affinity": best.affinity if best else None,
                "best_rmsd": best.rmsd if best else None,
                "poses": len(r.poses),
                "error": r.error,
            }
        )
    if outcome.receptor is not None:
        receptor_key = _receptor_key(ctx, outcome.receptor.pdbqt_path)
    return {
        "ligands": ligands,
        "docked": len(outcome.results) - len(outcome.failed_ligands),
        "failed": len(outcome.failed_ligands),
        "box": outcome.box.to_dict(),
        "receptor_pdbqt": receptor_key,
        "warnings": list(outcome.warnings),
        "cancelled": ctx.is_cancelled(),
    }


def _receptor_key(ctx: TaskContext, path: Path) -> str | None:
    """Key of the receptor PDBQT (already stored by the docking; storing is idempotent)."""
    try:
        return ctx.artifacts.put_file(
            path, name=path.name, media_type="chemical/x-pdbqt", compress=True
        ).key
    except OSError:  # pragma: no cover - the working folder is gone
        return None


TASK = BuiltinTask(definition=DEFINITION, implementation=run)
