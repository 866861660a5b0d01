"""The ``redock_benchmark`` task: redock crystal ligands and measure how close the poses come.

A folder holds one sub-folder per complex with ``receptor.pdb`` and
``ligand.sdf`` (the crystal ligand in the receptor's frame). For each, the
ligand's chemistry (not its crystal coordinates) is docked in a box around the
crystal ligand, and the poses are compared with the crystal pose by
symmetry-corrected heavy-atom RMSD. A complex succeeds when its top-ranked
pose is within the threshold (2 Å by default).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from madlab.domain import DockingParameters, LigandResult, ScoringFunction
from madlab.domain.tasks import TaskDefinition
from madlab.errors import InputFileError, MadlabError, ValidationError
from madlab.tasks.builtin.inputs import STANDARD_QUEUE, resources
from madlab.tasks.context import TaskContext
from madlab.tasks.registry import BuiltinTask
from madlab.tasks.report import write_pose_sdf

RECEPTOR_FILE = "receptor.pdb"
LIGAND_FILE = "ligand.sdf"

INPUTS: dict[str, Any] = {
    "type": "object",
    "title": "Redocking benchmark",
    "additionalProperties": False,
    "required": ["complexes"],
    "properties": {
        "complexes": {
            "type": "string",
            "minLength": 1,
            "description": "folder with one sub-folder per complex (receptor.pdb, ligand.sdf)",
        },
        "ids": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "uniqueItems": True,
            "description": "only these complexes (default: every sub-folder)",
        },
        "engine": {"type": "string", "minLength": 1, "default": "vina"},
        "scoring": {
            "type": "string",
            "enum": [s.value for s in ScoringFunction],
            "default": ScoringFunction.VINA.value,
        },
        "exhaustiveness": {"type": "integer", "minimum": 1, "maximum": 512, "default": 8},
        "num_poses": {"type": "integer", "minimum": 1, "maximum": 100, "default": 9},
        "seed": {"type": "integer", "default": 42},
        "cpu": {"type": "integer", "minimum": 0, "default": 1},
        "autobox_add": {"type": "number", "minimum": 0, "maximum": 20, "default": 4.0},
        "ph": {"type": "number", "minimum": 0, "maximum": 14, "default": 7.4},
        "threshold": {"type": "number", "exclusiveMinimum": 0, "default": 2.0},
    },
}

_COMPLEX = {
    "type": "object",
    "properties": {
        "complex": {"type": "string"},
        "top1_rmsd": {"type": ["number", "null"]},
        "best_rmsd": {"type": ["number", "null"]},
        "score": {"type": ["number", "null"]},
        "seconds": {"type": "number"},
        "success": {"type": "boolean"},
        "result_id": {"type": ["integer", "null"]},
        "error": {"type": ["string", "null"]},
    },
}

OUTPUTS: dict[str, Any] = {
    "type": "object",
    "required": ["complexes", "total", "succeeded", "success_rate", "threshold"],
    "properties": {
        "complexes": {"type": "array", "items": _COMPLEX},
        "total": {"type": "integer"},
        "succeeded": {"type": "integer"},
        "errors": {"type": "integer"},
        "success_rate": {"type": "number", "description": "top-1 RMSD below the threshold"},
        "threshold": {"type": "number"},
        "seconds": {"type": "number"},
    },
}

DEFINITION = TaskDefinition(
    task_id="redock_benchmark",
    version="1",
    name="Redocking benchmark",
    category="benchmark",
    description=(
        "Redock the crystal ligand of each complex in a folder and report, per complex, the "
        "top-1 and best pose RMSD to the crystal pose, the top score and the time; the "
        "success rate counts complexes whose top-1 pose is within 2 Å."
    ),
    interface_spec={"inputs": INPUTS, "outputs": OUTPUTS},
    service_config={
        "queue": STANDARD_QUEUE,
        "engine": "vina",
        "resources": resources(1, 4096),
        "requires": [],
    },
)


def complex_folders(root: Path, ids: list[str] | None = None) -> list[Path]:
    """The complexes to run: sub-folders holding a receptor and a ligand, by name.

    Raises
    ------
    madlab.errors.InputFileError
        When ``root`` is not a folder, or holds no complex.
    madlab.errors.ValidationError
        When a requested id has no complete sub-folder.
    """
    if not root.is_dir():
        raise InputFileError(
            "not a folder", path=str(root), field="complexes", hint="give the benchmark folder"
        )
    found = {
        d.name: d
        for d in sorted(root.iterdir())
        if d.is_dir() and (d / RECEPTOR_FILE).is_file() and (d / LIGAND_FILE).is_file()
    }
    if ids is not None:
        missing = [i for i in ids if i not in found]
        if missing:
            raise ValidationError(
                f"no complex {', '.join(missing)} in {root}",
                field="ids",
                hint=f"each needs a sub-folder with {RECEPTOR_FILE} and {LIGAND_FILE}",
            )
        return [found[i] for i in ids]
    if not found:
        raise InputFileError(
            f"no complex found (sub-folders with {RECEPTOR_FILE} and {LIGAND_FILE})",
            path=str(root),
            field="complexes",
        )
    return list(found.values())


def _redock(
    ctx: TaskContext, folder: Path, params: dict[str, Any], parameters: DockingParameters
) -> tuple[LigandResult, Any]:
    """Dock the crystal ligand's chemistry around its crystal pose; return result and crystal."""
    from rdkit import Chem

    from madlab.molecules.box import box_from_ligand
    from madlab.molecules.ligand import prepare_ligand
    from madlab.molecules.receptor import prepare_receptor
    from madlab.molecules.records import read_ligands

    engine = ctx.engine_factory(params.get("engine", "vina"))
    receptor = prepare_receptor(
        folder / RECEPTOR_FILE, out_dir=ctx.workdir / folder.name, name=folder.name
    )
    crystal = read_ligands(folder / LIGAND_FILE, need_3d=True)[0].mol
    box = box_from_ligand(crystal, padding=params.get("autobox_add", 4.0))
    chemistry = Chem.Mol(crystal)
    chemistry.RemoveAllConformers()  # dock the chemistry, not the answer
    ligand = prepare_ligand(
        chemistry, name=folder.name, ph=params.get("ph", 7.4), source=str(folder / LIGAND_FILE)
    )
    result = next(iter(engine.run(receptor, [ligand], box, parameters)))
    return result, crystal


def _score(result: LigandResult, crystal: Any) -> list[float]:
    from rdkit import Chem

    from madlab.molecules.rmsd import heavy_atom_rmsd

    rmsds = []
    for pose in result.poses:
        pose.rmsd = heavy_atom_rmsd(Chem.MolFromMolBlock(pose.molblock, removeHs=False), crystal)
        rmsds.append(pose.rmsd)
    return rmsds


def run(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Redock every complex; store each one's poses (with RMSD) as a result.

    A complex that fails is reported with its error and counts as a failure;
    when every complex fails, the first error is raised.
    """
    folders = complex_folders(Path(params["complexes"]).expanduser(), params.get("ids"))
    threshold = float(params.get("threshold", 2.0))
    parameters = DockingParameters(
        scoring=ScoringFunction(params.get("scoring", "vina")),
        exhaustiveness=params.get("exhaustiveness", 8),
        num_poses=params.get("num_poses", 9),
        seed=params.get("seed", 42),
        cpu=params.get("cpu", 1),
    )
    out_dir = ctx.workdir / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    first_error: MadlabError | None = None
    started = time.perf_counter()
    ctx.progress(0, len(folders))
    for n, folder in enumerate(folders, start=1):
        t0 = time.perf_counter()
        entry: dict[str, Any] = {"complex": folder.name, "top1_rmsd": None, "best_rmsd": None}
        entry.update({"score": None, "success": False, "result_id": None, "error": None})
        try:
            result, crystal = _redock(ctx, folder, params, parameters)
            rmsds = _score(result, crystal)
            files = {}
            if result.poses:
                sdf = write_pose_sdf(result, out_dir)
                files["poses_sdf"] = ctx.artifacts.put_file(
                    sdf, name=sdf.name, media_type="chemical/x-mdl-sdfile", compress=True
                ).key
            with ctx.store.unit_of_work() as uow:
                entry["result_id"] = uow.results.add(
                    ctx.organization_id, ctx.job_id, result, files=files
                )
            if result.error or not rmsds:
                entry["error"] = result.error or "no pose"
            else:
                entry["top1_rmsd"], entry["best_rmsd"] = round(rmsds[0], 3), round(min(rmsds), 3)
                entry["score"] = result.poses[0].affinity
                entry["success"] = rmsds[0] < threshold
        except MadlabError as err:
            first_error = first_error or err
            entry["error"] = f"{folder.name}: {err}"
        entry["seconds"] = round(time.perf_counter() - t0, 3)
        entries.append(entry)
        ctx.progress(n, len(folders))
        ctx.partial(entry)
        if ctx.is_cancelled():
            break
    errors = sum(1 for e in entries if e["error"])
    if first_error is not None and errors == len(entries):
        raise first_error
    succeeded = sum(1 for e in entries if e["success"])
    return {
        "complexes": entries,
        "total": len(entries),
        "succeeded": succeeded,
        "errors": errors,
        "success_rate": round(succeeded / len(entries), 4) if entries else 0.0,
        "threshold": threshold,
        "seconds": round(time.perf_counter() - started, 3),
    }


TASK = BuiltinTask(definition=DEFINITION, implementation=run)
