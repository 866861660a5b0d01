"""The ``rescore`` task: score existing poses with an engine's scoring function.

Each pose is scored as given (``DockMode.SCORE_ONLY`` through the engine port):
its coordinates are not changed, only hydrogens are added where missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from madlab.domain import DockingParameters, DockMode, PreparedLigand, ScoringFunction
from madlab.domain.tasks import TaskDefinition
from madlab.errors import EngineError
from madlab.tasks.builtin.inputs import BOX, FILE, STANDARD_QUEUE, local_file, resources
from madlab.tasks.context import TaskContext
from madlab.tasks.registry import BuiltinTask
from madlab.tasks.report import write_pose_sdf

INPUTS: dict[str, Any] = {
    "type": "object",
    "title": "Rescore poses",
    "additionalProperties": False,
    "required": ["receptor", "poses"],
    "properties": {
        "receptor": {**FILE, "description": "PDB or mmCIF file (path or artifact key)"},
        "poses": {**FILE, "description": "SDF or MOL2 with 3D poses (path or artifact key)"},
        "engine": {"type": "string", "minLength": 1, "default": "vina"},
        "scoring": {
            "type": "string",
            "enum": [s.value for s in ScoringFunction],
            "default": ScoringFunction.VINA.value,
        },
        "box": {**BOX, "description": "grid box (default: around every pose plus padding)"},
        "padding": {"type": "number", "minimum": 0, "maximum": 20, "default": 4.0},
        "keep_hetero": {"type": "array", "items": {"type": "string"}, "default": []},
        "ph": {"type": "number", "minimum": 0, "maximum": 14, "default": 7.4},
        "cpu": {"type": "integer", "minimum": 0, "default": 1},
    },
}

OUTPUTS: dict[str, Any] = {
    "type": "object",
    "required": ["poses", "scored", "failed", "box"],
    "properties": {
        "poses": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "record": {"type": "integer"},
                    "ligand": {"type": "string"},
                    "affinity": {"type": ["number", "null"]},
                    "energies": {"type": "object"},
                    "result_id": {"type": "integer"},
                    "error": {"type": ["string", "null"]},
                },
            },
        },
        "scored": {"type": "integer"},
        "failed": {"type": "integer"},
        "box": {"type": "object"},
        "engine": {"type": "string"},
        "backend": {"type": "string"},
    },
}

DEFINITION = TaskDefinition(
    task_id="rescore",
    version="1",
    name="Rescore poses",
    category="analysis",
    description=(
        "Score poses as they are (no search, no minimization) with an engine's scoring "
        "function, for example docking output of another program or crystal poses. "
        "Each pose's affinity and energy terms are stored."
    ),
    interface_spec={"inputs": INPUTS, "outputs": OUTPUTS},
    service_config={
        "queue": STANDARD_QUEUE,
        "engine": "vina",
        "resources": resources(1, 2048),
        "requires": [],
    },
)


def _poses(path: Path, ph: float) -> list[PreparedLigand]:
    """The file's poses, each keeping its coordinates and charge state."""
    from madlab.molecules.ligand import prepare_ligand
    from madlab.molecules.records import iter_ligands

    out: list[PreparedLigand] = []
    names: dict[str, int] = {}
    for rec in iter_ligands(path, need_3d=True):
        ligand = prepare_ligand(rec.mol, name=rec.name, ph=ph, source=rec.source, protonation=False)
        n = names.get(ligand.name, 0)
        names[ligand.name] = n + 1
        if n:  # several poses of one ligand: number them so each result is named apart
            ligand.name = f"{ligand.name}_{n + 1}"
        out.append(ligand)
    return out


def run(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Score every pose of the file against the receptor; store one result per pose.

    Raises
    ------
    madlab.errors.EngineError
        When no pose could be scored.
    """
    from madlab.molecules import box as boxes
    from madlab.molecules.receptor import prepare_receptor

    engine = ctx.engine_factory(params.get("engine", "vina"))
    receptor = prepare_receptor(
        local_file(ctx, params["receptor"], "receptor"),
        out_dir=ctx.workdir / "receptor",
        keep_hetero=params.get("keep_hetero", []),
        ph=params.get("ph", 7.4),
    )
    poses_path = local_file(ctx, params["poses"], "poses")
    ligands = _poses(poses_path, params.get("ph", 7.4))
    if "box" in params:
        box = boxes.box_from_center_size(params["box"]["center"], params["box"]["size"])
    else:
        box = boxes.box_from_ligand(poses_path, padding=params.get("padding", 4.0))
    parameters = DockingParameters(
        scoring=ScoringFunction(params.get("scoring", "vina")),
        mode=DockMode.SCORE_ONLY,
        num_poses=1,
        cpu=params.get("cpu", 1),
    )
    out_dir = ctx.workdir / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    backend = ""
    ctx.progress(0, len(ligands))
    for record, result in enumerate(engine.run(receptor, ligands, box, parameters), start=1):
        backend = result.backend
        files: dict[str, str] = {}
        if result.poses:
            sdf = write_pose_sdf(result, out_dir)
            files["poses_sdf"] = ctx.artifacts.put_file(
                sdf, name=sdf.name, media_type="chemical/x-mdl-sdfile", compress=True
            ).key
        with ctx.store.unit_of_work() as uow:
            result_id = uow.results.add(ctx.organization_id, ctx.job_id, result, files=files)
        best = result.best
        entry = {
            "record": record,
            "ligand": result.ligand,
            "affinity": best.affinity if best else None,
            "energies": dict(best.energies) if best else {},
            "result_id": result_id,
            "error": result.error,
        }
        entries.append(entry)
        ctx.progress(record, len(ligands))
        ctx.partial(entry)
        if ctx.is_cancelled():
            break
    failed = [e for e in entries if e["error"]]
    if entries and len(failed) == len(entries):
        raise EngineError(
            "no pose could be scored: " + "; ".join(str(e["error"]) for e in failed),
            engine=getattr(engine, "name", "") or str(params.get("engine", "vina")),
        )
    return {
        "poses": entries,
        "scored": len(entries) - len(failed),
        "failed": len(failed),
        "box": box.to_dict(),
        "engine": getattr(engine, "name", "") or str(params.get("engine", "vina")),
        "backend": backend,
    }


TASK = BuiltinTask(definition=DEFINITION, implementation=run)
