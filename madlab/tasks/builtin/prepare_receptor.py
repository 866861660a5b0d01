"""The ``prepare_receptor`` task: a receptor file to a docking-ready PDBQT, with a report."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from madlab.domain.tasks import TaskDefinition
from madlab.molecules.receptor import prepare_receptor as prepare
from madlab.tasks.builtin.inputs import FILE, STANDARD_QUEUE, local_file, resources
from madlab.tasks.context import TaskContext
from madlab.tasks.registry import BuiltinTask

INPUTS: dict[str, Any] = {
    "type": "object",
    "title": "Prepare a receptor",
    "additionalProperties": False,
    "required": ["receptor"],
    "properties": {
        "receptor": {**FILE, "description": "PDB or mmCIF file (path or artifact key)"},
        "keep_hetero": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 3},
            "default": [],
            "description": "residue names of hetero groups to keep (NAD, ZN, HEM...)",
        },
        "ph": {"type": "number", "minimum": 0, "maximum": 14, "default": 7.4},
        "name": {"type": "string", "minLength": 1, "description": "label (default: file stem)"},
    },
}

OUTPUTS: dict[str, Any] = {
    "type": "object",
    "required": ["receptor", "pdbqt", "pdb", "atoms", "report", "counts"],
    "properties": {
        "receptor": {"type": "string"},
        "pdbqt": {"type": "string", "description": "artifact key of the receptor PDBQT"},
        "pdb": {"type": "string", "description": "artifact key of the cleaned PDB"},
        "atoms": {"type": "integer"},
        "kept_hetero": {"type": "array", "items": {"type": "string"}},
        "report": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "residue": {"type": "string"},
                    "action": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
        },
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
}

DEFINITION = TaskDefinition(
    task_id="prepare_receptor",
    version="1",
    name="Prepare receptor",
    category="preparation",
    description=(
        "Clean a protein structure (waters, alternate locations, unwanted hetero groups), "
        "add hydrogens for a pH, and write the receptor PDBQT with AutoDock atom types. "
        "Every residue removed, repaired or left untyped is reported."
    ),
    interface_spec={"inputs": INPUTS, "outputs": OUTPUTS},
    service_config={"queue": STANDARD_QUEUE, "resources": resources(1, 2048), "requires": []},
)


def run(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Prepare the receptor; store its PDBQT and cleaned PDB as artifacts.

    Returns the artifact keys, the atom count, the kept hetero groups and the
    per-residue report (with counts by action).
    """
    source = local_file(ctx, params["receptor"], "receptor")
    ctx.progress(0, 1)
    receptor = prepare(
        source,
        out_dir=ctx.workdir / "receptor",
        keep_hetero=params.get("keep_hetero", []),
        name=params.get("name") or Path(source).stem,
        ph=params.get("ph", 7.4),
    )
    pdbqt = ctx.artifacts.put_file(
        receptor.pdbqt_path,
        name=f"{receptor.name}.pdbqt",
        media_type="chemical/x-pdbqt",
        compress=True,
    )
    pdb = ctx.artifacts.put_file(
        receptor.pdb_path,
        name=f"{receptor.name}_prepared.pdb",
        media_type="chemical/x-pdb",
        compress=True,
    )
    report = [
        {"residue": i.residue, "action": i.action, "detail": i.detail} for i in receptor.report
    ]
    ctx.progress(1, 1)
    return {
        "receptor": receptor.name,
        "pdbqt": pdbqt.key,
        "pdb": pdb.key,
        "atoms": receptor.atom_count,
        "kept_hetero": list(receptor.kept_hetero),
        "report": report,
        "counts": dict(Counter(i.action for i in receptor.report)),
    }


TASK = BuiltinTask(definition=DEFINITION, implementation=run)
