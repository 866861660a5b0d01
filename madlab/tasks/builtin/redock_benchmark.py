"""The ``redock_benchmark`` task: redock crystal ligands and measure how close the poses come.

A folder holds one sub-folder per complex with ``receptor.pdb`` and
``ligand.sdf`` (the crystal ligand in the receptor's frame). For each, the
receptor is prepared from its file (by default keeping every hetero group that
is neither water nor the ligand: cofactors and metals such as 1ia1's NDP or
1s63's zinc and FPP), the ligand's chemistry (not its crystal coordinates) is
docked in a box around the crystal ligand (``autobox_add`` Å of padding), once
per seed, and the poses are compared with the crystal pose by
symmetry-corrected heavy-atom RMSD. A complex succeeds when its top-ranked
pose is within the threshold (2 Å by default); best-of-N counts any returned
pose. Rates per seed and their mean are in the output's ``summary``
(:mod:`madlab.tasks.builtin.redock_report`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from madlab.domain import (
    Box,
    DockingParameters,
    LigandResult,
    PreparedLigand,
    PreparedReceptor,
    ScoringFunction,
)
from madlab.domain.tasks import TaskDefinition
from madlab.engines.base import DockingEngine
from madlab.errors import InputFileError, MadlabError, ValidationError
from madlab.tasks.builtin.inputs import STANDARD_QUEUE, resources
from madlab.tasks.builtin.redock_report import summarize
from madlab.tasks.context import TaskContext
from madlab.tasks.registry import BuiltinTask
from madlab.tasks.report import write_pose_sdf

RECEPTOR_FILE = "receptor.pdb"
LIGAND_FILE = "ligand.sdf"
#: Engine options a benchmark passes to the engine factory when given.
ENGINE_OPTIONS = ("backend", "cnn", "cnn_scoring", "pose_sort_order")

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
        "backend": {"type": "string", "enum": ["auto", "program", "builtin"]},
        "cnn": {"type": "string", "minLength": 1, "description": "gnina's CNN model"},
        "cnn_scoring": {"type": "string", "enum": ["none", "rescore"]},
        "pose_sort_order": {"type": "string", "enum": ["CNNscore", "CNNaffinity", "Energy"]},
        "scoring": {
            "type": "string",
            "enum": [s.value for s in ScoringFunction],
            "default": ScoringFunction.VINA.value,
        },
        "exhaustiveness": {"type": "integer", "minimum": 1, "maximum": 512, "default": 8},
        "num_poses": {"type": "integer", "minimum": 1, "maximum": 100, "default": 9},
        "seed": {"type": "integer", "default": 42},
        "seeds": {
            "type": "array",
            "items": {"type": "integer"},
            "minItems": 1,
            "uniqueItems": True,
            "description": "dock once per seed (default: [seed])",
        },
        "cpu": {"type": "integer", "minimum": 0, "default": 1},
        "autobox_add": {"type": "number", "minimum": 0, "maximum": 20, "default": 4.0},
        "ph": {"type": "number", "minimum": 0, "maximum": 14, "default": 7.4},
        "threshold": {"type": "number", "exclusiveMinimum": 0, "default": 2.0},
        "keep_hetero": {
            "description": "'auto' (every non-water hetero group that is not the ligand), "
            "'none', or the residue names to keep",
            "anyOf": [
                {"type": "string", "enum": ["auto", "none"]},
                {"type": "array", "items": {"type": "string", "minLength": 1}},
            ],
            "default": "auto",
        },
    },
}

_COMPLEX = {
    "type": "object",
    "properties": {
        "complex": {"type": "string"},
        "seed": {"type": "integer"},
        "top1_rmsd": {"type": ["number", "null"]},
        "best_rmsd": {"type": ["number", "null"]},
        "score": {"type": ["number", "null"]},
        "seconds": {"type": "number"},
        "timings": {"type": "object"},
        "success": {"type": "boolean"},
        "kept_hetero": {"type": "array", "items": {"type": "string"}},
        "backend": {"type": ["string", "null"]},
        "result_id": {"type": ["integer", "null"]},
        "error": {"type": ["string", "null"]},
    },
}

OUTPUTS: dict[str, Any] = {
    "type": "object",
    "required": ["complexes", "total", "succeeded", "success_rate", "threshold"],
    "properties": {
        "complexes": {"type": "array", "items": _COMPLEX},
        "total": {"type": "integer", "description": "entries: complexes times seeds"},
        "succeeded": {"type": "integer"},
        "errors": {"type": "integer"},
        "success_rate": {"type": "number", "description": "top-1 RMSD below the threshold"},
        "threshold": {"type": "number"},
        "seconds": {"type": "number"},
        "seeds": {"type": "array", "items": {"type": "integer"}},
        "engine": {"type": "string"},
        "backend": {"type": "string"},
        "summary": {"type": "object", "description": "rates per seed and their mean"},
    },
}

DEFINITION = TaskDefinition(
    task_id="redock_benchmark",
    version="1",
    name="Redocking benchmark",
    category="benchmark",
    description=(
        "Redock the crystal ligand of each complex in a folder, once per seed, and report, "
        "per complex, the top-1 and best pose RMSD to the crystal pose, the top score and the "
        "time; the success rate counts complexes whose top-1 pose is within 2 Å, per seed "
        "and on average."
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


def auto_keep_hetero(receptor_file: Path, ligand: Any, clash: float = 1.5) -> list[str]:
    """Residue names of the hetero groups to keep: every one that is neither water nor the ligand.

    A group is taken for the ligand (and left out) when one of its atoms lies
    within ``clash`` Å of a crystal ligand atom: a copy of the ligand in the
    pocket. Amino acids (standard and modified ones madlab has templates
    for) are not hetero groups.

    Parameters
    ----------
    receptor_file
        The receptor structure.
    ligand
        The crystal ligand (RDKit molecule with coordinates).
    """
    import numpy as np

    from madlab.molecules.residue_templates import template_for
    from madlab.molecules.structure import read_structure

    st = read_structure(receptor_file)
    lig = np.asarray(ligand.GetConformer().GetPositions())
    keep: list[str] = []
    overlapping: set[str] = set()
    for chain in st[0]:
        for res in chain:
            name = res.name.strip().upper()
            if res.is_water() or template_for(name) is not None:
                continue
            xyz = np.array([[a.pos.x, a.pos.y, a.pos.z] for a in res])
            near = len(xyz) and np.min(np.linalg.norm(xyz[:, None] - lig[None], axis=2)) < clash
            if near:
                overlapping.add(name)
            elif name not in keep:
                keep.append(name)
    return [n for n in keep if n not in overlapping]


@dataclass
class Complex:
    """One prepared complex: receptor, ligand chemistry, crystal pose and box."""

    name: str
    receptor: PreparedReceptor
    ligand: PreparedLigand
    crystal: Any
    box: Box


def prepare_complex(
    folder: Path,
    workdir: Path,
    *,
    keep_hetero: str | list[str] = "auto",
    autobox_add: float = 4.0,
    ph: float = 7.4,
) -> Complex:
    """Prepare one complex folder for redocking.

    Raises
    ------
    madlab.errors.MadlabError
        When the receptor or ligand cannot be read or prepared.
    """
    from rdkit import Chem

    from madlab.molecules.box import box_from_ligand
    from madlab.molecules.ligand import prepare_ligand
    from madlab.molecules.receptor import prepare_receptor
    from madlab.molecules.records import read_ligands

    crystal = read_ligands(folder / LIGAND_FILE, need_3d=True)[0].mol
    if keep_hetero == "auto":
        keep = auto_keep_hetero(folder / RECEPTOR_FILE, crystal)
    else:
        keep = [] if keep_hetero == "none" else list(keep_hetero)
    receptor = prepare_receptor(
        folder / RECEPTOR_FILE, out_dir=workdir / folder.name, name=folder.name, keep_hetero=keep
    )
    chemistry = Chem.Mol(crystal)
    chemistry.RemoveAllConformers()  # dock the chemistry, not the answer
    ligand = prepare_ligand(chemistry, name=folder.name, ph=ph, source=str(folder / LIGAND_FILE))
    box = box_from_ligand(crystal, padding=autobox_add)
    return Complex(folder.name, receptor, ligand, crystal, box)


def pose_rmsds(result: LigandResult, crystal: Any) -> list[float]:
    """Symmetry-corrected heavy-atom RMSD of each pose to the crystal pose (set on the poses)."""
    from rdkit import Chem

    from madlab.molecules.rmsd import heavy_atom_rmsd

    rmsds = []
    for pose in result.poses:
        pose.rmsd = heavy_atom_rmsd(Chem.MolFromMolBlock(pose.molblock, removeHs=False), crystal)
        rmsds.append(pose.rmsd)
    return rmsds


def entry_of(
    name: str, seed: int, result: LigandResult | None, rmsds: list[float], threshold: float
) -> dict[str, Any]:
    """One complex and seed's line of the report."""
    entry: dict[str, Any] = {"complex": name, "seed": seed, "top1_rmsd": None, "best_rmsd": None}
    entry.update({"score": None, "success": False, "result_id": None, "error": None})
    if result is None:
        return entry
    entry["backend"] = result.backend
    entry["timings"] = {k: round(v, 3) for k, v in result.timings.items()}
    if result.error or not rmsds:
        entry["error"] = result.error or "no pose"
    else:
        entry["top1_rmsd"], entry["best_rmsd"] = round(rmsds[0], 3), round(min(rmsds), 3)
        entry["score"] = result.poses[0].affinity
        entry["success"] = rmsds[0] < threshold
    return entry


def engine_options(params: dict[str, Any]) -> dict[str, Any]:
    """The engine options among the parameters (those given)."""
    return {k: params[k] for k in ENGINE_OPTIONS if params.get(k) is not None}


def run_benchmark(
    params: dict[str, Any],
    *,
    engine_factory: Callable[..., DockingEngine],
    workdir: Path,
    on_result: Callable[[LigandResult, dict[str, Any]], None] | None = None,
    on_entry: Callable[[dict[str, Any]], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Redock every complex once per seed; return the entries, counts and summary.

    Parameters
    ----------
    params
        The task's parameters (see :data:`INPUTS`).
    engine_factory
        Returns the engine by name and options.
    workdir
        Scratch folder (prepared receptors).
    on_result
        Called with each result and its entry (which it may complete, e.g. with a result id).
    on_entry
        Called with each finished entry.
    on_progress
        Called with (done, total) entries.
    is_cancelled
        Checked after each entry; when true the run stops.

    Raises
    ------
    madlab.errors.MadlabError
        The first error, when every complex failed.
    """
    root = Path(params["complexes"]).expanduser()
    folders = complex_folders(root, params.get("ids"))
    threshold = float(params.get("threshold", 2.0))
    seeds = list(params.get("seeds") or [params.get("seed", 42)])
    engine_name = params.get("engine", "vina")
    engine = engine_factory(engine_name, **engine_options(params))
    entries: list[dict[str, Any]] = []
    first_error: MadlabError | None = None
    started = time.perf_counter()
    total = len(folders) * len(seeds)
    if on_progress:
        on_progress(0, total)
    stop = False
    for folder in folders:
        t0 = time.perf_counter()
        try:
            item = prepare_complex(
                folder,
                workdir,
                keep_hetero=params.get("keep_hetero", "auto"),
                autobox_add=params.get("autobox_add", 4.0),
                ph=params.get("ph", 7.4),
            )
            prep_error: MadlabError | None = None
        except MadlabError as err:
            prep_error, first_error = err, first_error or err
        prepared = time.perf_counter() - t0
        for seed in seeds:
            t1 = time.perf_counter()
            if prep_error is not None:
                entry = entry_of(folder.name, seed, None, [], threshold)
                entry["error"] = f"{folder.name}: {prep_error}"
            else:
                parameters = DockingParameters(
                    scoring=ScoringFunction(params.get("scoring", "vina")),
                    exhaustiveness=params.get("exhaustiveness", 8),
                    num_poses=params.get("num_poses", 9),
                    seed=seed,
                    cpu=params.get("cpu", 1),
                )
                try:
                    runs = engine.run(item.receptor, [item.ligand], item.box, parameters)
                    result = next(iter(runs))
                    rmsds = pose_rmsds(result, item.crystal)
                    entry = entry_of(folder.name, seed, result, rmsds, threshold)
                    entry["kept_hetero"] = list(item.receptor.kept_hetero)
                    if on_result:
                        on_result(result, entry)
                except MadlabError as err:
                    first_error = first_error or err
                    entry = entry_of(folder.name, seed, None, [], threshold)
                    entry["error"] = f"{folder.name}: {err}"
            entry["seconds"] = round(time.perf_counter() - t1 + prepared, 3)
            prepared = 0.0  # preparation counts once, with the first seed
            entries.append(entry)
            if on_progress:
                on_progress(len(entries), total)
            if on_entry:
                on_entry(entry)
            if is_cancelled and is_cancelled():
                stop = True
                break
        if stop:
            break
    errors = sum(1 for e in entries if e["error"])
    if first_error is not None and errors == len(entries):
        raise first_error
    succeeded = sum(1 for e in entries if e["success"])
    backends = sorted({e["backend"] for e in entries if e.get("backend")})
    return {
        "complexes": entries,
        "total": len(entries),
        "succeeded": succeeded,
        "errors": errors,
        "success_rate": round(succeeded / len(entries), 4) if entries else 0.0,
        "threshold": threshold,
        "seconds": round(time.perf_counter() - started, 3),
        "seeds": seeds,
        "engine": engine_name,
        "backend": ", ".join(backends),
        "exhaustiveness": params.get("exhaustiveness", 8),
        "set": str(root),
        "summary": summarize(entries, threshold),
    }


def run(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Redock every complex; store each one's poses (with RMSD) as a result.

    A complex that fails is reported with its error and counts as a failure;
    when every complex fails, the first error is raised.
    """
    out_dir = ctx.workdir / "out"
    out_dir.mkdir(parents=True, exist_ok=True)

    def store(result: LigandResult, entry: dict[str, Any]) -> None:
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

    return run_benchmark(
        params,
        engine_factory=ctx.engine_factory,
        workdir=ctx.workdir,
        on_result=store,
        on_entry=ctx.partial,
        on_progress=ctx.progress,
        is_cancelled=ctx.is_cancelled,
    )


TASK = BuiltinTask(definition=DEFINITION, implementation=run)
