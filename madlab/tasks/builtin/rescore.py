"""The ``rescore`` task: score existing poses with an engine's scoring function.

Each pose is scored as given (``DockMode.SCORE_ONLY`` through the engine port):
its coordinates are not changed, only hydrogens are added where missing. Poses
may come from any program (SDF or MOL2). With ``engine="gnina"`` each pose also
gets gnina's CNN scores (``cnn`` picks the model); ``smina`` and ``gnina``
score the empirical part on the receptor typed as those programs type it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from madlab.domain import (
    Box,
    DockingParameters,
    DockMode,
    PreparedLigand,
    PreparedReceptor,
    ScoringFunction,
)
from madlab.domain.tasks import TaskDefinition
from madlab.errors import EngineError
from madlab.tasks.builtin.inputs import BOX, FILE, STANDARD_QUEUE, local_file, resources
from madlab.tasks.context import TaskContext
from madlab.tasks.registry import BuiltinTask
from madlab.tasks.report import write_pose_sdf

#: Engine options a rescoring passes to the engine factory when given.
ENGINE_OPTIONS = ("backend", "cnn")

INPUTS: dict[str, Any] = {
    "type": "object",
    "title": "Rescore poses",
    "additionalProperties": False,
    "required": ["receptor", "poses"],
    "properties": {
        "receptor": {**FILE, "description": "PDB or mmCIF file (path or artifact key)"},
        "poses": {**FILE, "description": "SDF or MOL2 with 3D poses (path or artifact key)"},
        "engine": {"type": "string", "minLength": 1, "default": "vina"},
        "backend": {"type": "string", "enum": ["auto", "program", "builtin"]},
        "cnn": {"type": "string", "minLength": 1, "description": "gnina: CNN model or ensemble"},
        "scoring": {
            "type": "string",
            "enum": [s.value for s in ScoringFunction],
            "default": ScoringFunction.VINA.value,
        },
        "box": {**BOX, "description": "grid box (default: around every pose plus padding)"},
        "padding": {"type": "number", "minimum": 0, "maximum": 20, "default": 4.0},
        "keep_hetero": {
            "description": "hetero groups to keep: names, or 'auto' (all but water and any "
            "group where the first pose sits)",
            "anyOf": [
                {"type": "string", "enum": ["auto", "none"]},
                {"type": "array", "items": {"type": "string"}},
            ],
            "default": [],
        },
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
                    "scores": {"type": "object"},
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
        "Each pose's affinity and energy terms are stored; gnina adds its CNN scores."
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


@dataclass
class Rescoring:
    """What a rescoring runs on: the receptor, the poses, the box and the settings."""

    receptor: PreparedReceptor
    poses: list[PreparedLigand]
    box: Box
    parameters: DockingParameters


def prepare_rescoring(
    receptor_file: Path,
    poses_file: Path,
    workdir: Path,
    *,
    keep_hetero: str | Sequence[str] = (),
    ph: float = 7.4,
    box: dict[str, Any] | None = None,
    padding: float = 4.0,
    scoring: str = "vina",
    cpu: int = 1,
) -> Rescoring:
    """Prepare the receptor and the poses of a rescoring, and its box.

    Parameters
    ----------
    receptor_file, poses_file
        The receptor structure and the poses (SDF or MOL2, 3D).
    workdir
        Where the prepared receptor is written.
    keep_hetero
        Hetero groups to keep, ``"auto"`` (all but waters and a group where the
        first pose sits) or ``"none"``.
    ph
        pH of the poses' hydrogens (their charge state is kept).
    box
        ``{"center": [...], "size": [...]}``; default around every pose plus ``padding``.
    scoring, cpu
        Scoring function and threads.

    Raises
    ------
    madlab.errors.MadlabError
        For unreadable files or a bad box.
    """
    from madlab.molecules import box as boxes
    from madlab.molecules.receptor import prepare_receptor
    from madlab.tasks.builtin.redock_benchmark import auto_keep_hetero

    poses = _poses(poses_file, ph)
    if keep_hetero == "auto":
        keep = auto_keep_hetero(receptor_file, poses[0].mol) if poses else []
    else:
        keep = [] if keep_hetero == "none" else list(keep_hetero)
    receptor = prepare_receptor(
        receptor_file, out_dir=workdir / "receptor", keep_hetero=keep, ph=ph
    )
    if box is not None:
        the_box = boxes.box_from_center_size(box["center"], box["size"])
    else:
        the_box = boxes.box_from_ligand(poses_file, padding=padding)
    parameters = DockingParameters(
        scoring=ScoringFunction(scoring), mode=DockMode.SCORE_ONLY, num_poses=1, cpu=cpu
    )
    return Rescoring(receptor, poses, the_box, parameters)


def engine_options(params: dict[str, Any]) -> dict[str, Any]:
    """The engine options among the parameters (those given)."""
    return {k: params[k] for k in ENGINE_OPTIONS if params.get(k) is not None}


def run(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Score every pose of the file against the receptor; store one result per pose.

    Raises
    ------
    madlab.errors.EngineError
        When no pose could be scored.
    """
    name = params.get("engine", "vina")
    engine = ctx.engine_factory(name, **engine_options(params))
    job = prepare_rescoring(
        local_file(ctx, params["receptor"], "receptor"),
        local_file(ctx, params["poses"], "poses"),
        ctx.workdir,
        keep_hetero=params.get("keep_hetero", []),
        ph=params.get("ph", 7.4),
        box=params.get("box"),
        padding=params.get("padding", 4.0),
        scoring=params.get("scoring", "vina"),
        cpu=params.get("cpu", 1),
    )
    out_dir = ctx.workdir / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    backend = ""
    ctx.progress(0, len(job.poses))
    for record, result in enumerate(
        engine.run(job.receptor, job.poses, job.box, job.parameters), start=1
    ):
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
            "scores": dict(best.scores) if best else {},
            "result_id": result_id,
            "error": result.error,
        }
        entries.append(entry)
        ctx.progress(record, len(job.poses))
        ctx.partial(entry)
        if ctx.is_cancelled():
            break
    failed = [e for e in entries if e["error"]]
    engine_name = getattr(engine, "name", "") or str(name)
    if entries and len(failed) == len(entries):
        raise EngineError(
            "no pose could be scored: " + "; ".join(str(e["error"]) for e in failed),
            engine=engine_name,
        )
    return {
        "poses": entries,
        "scored": len(entries) - len(failed),
        "failed": len(failed),
        "box": job.box.to_dict(),
        "engine": engine_name,
        "backend": backend,
    }


TASK = BuiltinTask(definition=DEFINITION, implementation=run)
