"""The docking use case: prepare, dock, rank, record.

One call runs a whole docking job in the calling process: it records the job
in the store, prepares the receptor and ligands, derives the box, runs the
engine over the batch (so receptor maps are computed once), scores poses
against an optional reference, writes one SDF per ligand plus a summary, keeps
the files in the artifact store and the results in the store. The CLI, the
runtime workers and notebooks all call :func:`run_docking`.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from madlab.domain import (
    Box,
    DockingParameters,
    DockMode,
    JobStatus,
    LigandResult,
    PreparedLigand,
    PreparedReceptor,
    ScoringFunction,
)
from madlab.engines.base import DockingEngine
from madlab.errors import MadlabError, ValidationError
from madlab.molecules import box as boxes
from madlab.molecules.formats import read_ligands
from madlab.molecules.ligand import prepare_ligands
from madlab.molecules.receptor import prepare_receptor
from madlab.molecules.rmsd import heavy_atom_rmsd
from madlab.storage.artifacts import ArtifactStore
from madlab.store.database import Store
from madlab.tasks.context import TaskContext
from madlab.tasks.report import write_pose_sdf, write_summary

DOCK_TASK_ID = "dock"
DOCK_TASK_VERSION = "1"

Vec3 = tuple[float, float, float]


class DockRequest(BaseModel):
    """What a user asks of a docking job (validated at every entry point).

    Exactly one way of defining the box: ``center`` with ``size``,
    ``autobox_ligand`` (with ``autobox_add`` padding), or ``whole_receptor``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    receptor: Path
    ligand_files: list[Path] = Field(default_factory=list)
    smiles: list[str] = Field(default_factory=list)
    center: Vec3 | None = None
    size: Vec3 | None = None
    autobox_ligand: Path | None = None
    autobox_add: float = Field(default=4.0, ge=0.0, le=20.0)
    whole_receptor: bool = False
    reference: Path | None = None
    engine: str = "vina"
    backend: Literal["auto", "program", "builtin"] = "auto"
    cnn: str | None = None
    cnn_scoring: Literal["none", "rescore", "refinement", "metrorescore", "all"] | None = None
    pose_sort_order: Literal["CNNscore", "CNNaffinity", "Energy"] | None = None
    custom_scoring: Path | None = None
    scoring: ScoringFunction = ScoringFunction.VINA
    mode: DockMode = DockMode.DOCK
    exhaustiveness: int = Field(default=8, ge=1, le=512)
    num_poses: int = Field(default=9, ge=1, le=100)
    energy_range: float = Field(default=3.0, gt=0.0)
    min_rmsd: float = Field(default=1.0, gt=0.0)
    seed: int = 42
    cpu: int = Field(default=0, ge=0)
    ph: float = Field(default=7.4, ge=0.0, le=14.0)
    keep_hetero: list[str] = Field(default_factory=list)

    @field_validator("keep_hetero")
    @classmethod
    def _upper(cls, names: list[str]) -> list[str]:
        return [n.strip().upper() for n in names if n.strip()]

    @model_validator(mode="after")
    def _one_box_and_some_ligands(self) -> DockRequest:
        ways = sum(
            [
                self.center is not None or self.size is not None,
                self.autobox_ligand is not None,
                self.whole_receptor,
            ]
        )
        if ways != 1:
            raise ValueError(
                "give exactly one box: --center with --size, --autobox-ligand, or --whole-receptor"
            )
        if (self.center is None) != (self.size is None):
            raise ValueError("--center and --size go together")
        if not self.ligand_files and not self.smiles:
            raise ValueError("give at least one ligand (--ligand FILE or --smiles SMILES)")
        gnina_only = [n for n in ("cnn", "cnn_scoring", "pose_sort_order") if getattr(self, n)]
        if gnina_only and self.engine != "gnina":
            raise ValueError(f"{', '.join(gnina_only)}: only for --engine gnina")
        if self.custom_scoring is not None and self.engine not in ("smina", "gnina"):
            raise ValueError("custom_scoring: only for --engine smina or gnina")
        if self.engine == "vina" and self.backend == "program":
            raise ValueError("backend: vina has one backend (the vina bindings); use auto")
        return self

    def engine_options(self) -> dict[str, Any]:
        """Options for the engine factory: only those the request sets.

        ``backend`` (unless ``auto``), and gnina's ``cnn``, ``cnn_scoring`` and
        ``pose_sort_order``, and smina's or gnina's ``custom_scoring``, when given.
        """
        options: dict[str, Any] = {}
        if self.backend != "auto" and self.engine != "vina":
            options["backend"] = self.backend
        for name in ("cnn", "cnn_scoring", "pose_sort_order"):
            if getattr(self, name) is not None:
                options[name] = getattr(self, name)
        if self.custom_scoring is not None:
            options["custom_scoring"] = str(self.custom_scoring)
        return options

    def parameters(self) -> DockingParameters:
        """The engine-facing search and scoring settings."""
        return DockingParameters(
            scoring=self.scoring,
            mode=self.mode,
            exhaustiveness=self.exhaustiveness,
            num_poses=self.num_poses,
            energy_range=self.energy_range,
            min_rmsd=self.min_rmsd,
            seed=self.seed,
            cpu=self.cpu,
        )

    def to_record(self) -> dict[str, Any]:
        """JSON-ready form stored with the job."""
        return self.model_dump(mode="json")


@dataclass
class DockOutcome:
    """What a finished docking job produced."""

    job_id: str
    status: JobStatus
    results: list[LigandResult]
    box: Box
    out_dir: Path
    warnings: list[str] = field(default_factory=list)
    receptor: PreparedReceptor | None = None

    @property
    def failed_ligands(self) -> list[LigandResult]:
        """Ligands that produced no poses, with their errors."""
        return [r for r in self.results if r.error]


def collect_ligands(request: DockRequest) -> list[PreparedLigand]:
    """Prepare every ligand of a request (files first, then SMILES)."""
    ligands: list[PreparedLigand] = []
    for path in request.ligand_files:
        ligands.extend(prepare_ligands(path, ph=request.ph))
    for i, smi in enumerate(request.smiles, start=1):
        named = smi if len(smi.split()) > 1 else f"{smi} smiles_{i}"
        ligands.extend(prepare_ligands(named, ph=request.ph))
    names: dict[str, int] = {}
    for lig in ligands:  # unique names, so output files never overwrite each other
        n = names.get(lig.name, 0)
        names[lig.name] = n + 1
        if n:
            lig.name = f"{lig.name}_{n + 1}"
    return ligands


def resolve_box(request: DockRequest, receptor: PreparedReceptor) -> Box:
    """The search box the request asks for."""
    if request.center is not None and request.size is not None:
        return boxes.box_from_center_size(request.center, request.size)
    if request.autobox_ligand is not None:
        return boxes.box_from_ligand(request.autobox_ligand, padding=request.autobox_add)
    return boxes.box_around_receptor(receptor.pdb_path)


def _reference_mol(request: DockRequest) -> Any | None:
    if request.reference is None:
        return None
    records = read_ligands(request.reference, need_3d=True)
    if not records:
        raise ValidationError(
            f"{request.reference}: no molecule to compare poses with", field="reference"
        )
    return records[0].mol


def _score_against_reference(result: LigandResult, reference: Any | None) -> None:
    if reference is None:
        return
    from rdkit import Chem

    for pose in result.poses:
        mol = Chem.MolFromMolBlock(pose.molblock, removeHs=False)
        try:
            pose.rmsd = heavy_atom_rmsd(mol, reference)
        except MadlabError:
            pose.rmsd = None  # a different compound than the reference: no RMSD


def execute_docking(request: DockRequest, ctx: TaskContext) -> DockOutcome:
    """Run the docking of an existing job: the ``dock`` task's implementation.

    Prepares the receptor and ligands, derives the box, runs the engine over
    the batch, and stores each ligand's result (and its files) as soon as it
    finishes, reporting progress and the partial result through ``ctx``. It
    does not change the job's state: the caller (the runtime, or
    :func:`run_docking`) does.

    Raises
    ------
    madlab.errors.MadlabError
        For bad input or an engine failure.
    """
    engine = ctx.engine_factory(request.engine, **request.engine_options())
    receptor = prepare_receptor(
        request.receptor, out_dir=ctx.workdir / "receptor", keep_hetero=request.keep_hetero
    )
    ligands = collect_ligands(request)
    box = resolve_box(request, receptor)
    warnings = [w for lig in ligands for w in boxes.check_box(box, lig.mol)]
    reference = _reference_mol(request)
    out_dir = ctx.out_dir or ctx.workdir / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    receptor_ref = ctx.artifacts.put_file(
        receptor.pdbqt_path,
        name=f"{receptor.name}.pdbqt",
        media_type="chemical/x-pdbqt",
        compress=True,
    )
    results: list[LigandResult] = []
    ctx.progress(0, len(ligands))
    for result in engine.run(receptor, ligands, box, request.parameters()):
        _score_against_reference(result, reference)
        files = {"receptor_pdbqt": receptor_ref.key}
        if result.poses:
            sdf_path = write_pose_sdf(result, out_dir)
            files["poses_sdf"] = ctx.artifacts.put_file(
                sdf_path, name=sdf_path.name, media_type="chemical/x-mdl-sdfile", compress=True
            ).key
        results.append(result)
        with ctx.store.unit_of_work() as uow:
            result_id = uow.results.add(ctx.organization_id, ctx.job_id, result, files=files)
        ctx.progress(len(results), len(ligands))
        ctx.partial(
            {
                "result_id": result_id,
                "ligand": result.ligand,
                "best_affinity": result.best.affinity if result.best else None,
                "poses": len(result.poses),
                "error": result.error,
            }
        )
        if ctx.is_cancelled():
            break
    write_summary(results, out_dir, job_id=ctx.job_id, box=box)
    return DockOutcome(
        job_id=ctx.job_id,
        status=JobStatus.RUNNING,
        results=results,
        box=box,
        out_dir=out_dir,
        warnings=warnings,
        receptor=receptor,
    )


def docking_metrics(outcome: DockOutcome, seconds: float) -> dict[str, Any]:
    """Execution metrics recorded with a finished docking job."""
    return {
        "seconds": round(seconds, 3),
        "ligands": len(outcome.results),
        "ligands_failed": len(outcome.failed_ligands),
        "poses": sum(len(r.poses) for r in outcome.results),
    }


def run_docking(
    request: DockRequest,
    *,
    store: Store,
    artifacts: ArtifactStore,
    engine_factory: Callable[..., DockingEngine],
    out_dir: Path,
    organization: str = "default",
    user: str = "local",
    on_progress: Callable[[int, int], None] | None = None,
    on_partial: Callable[[dict[str, Any]], None] | None = None,
    work_root: Path | None = None,
) -> DockOutcome:
    """Record a docking job and run it to its end in this process.

    Parameters
    ----------
    request
        The validated request.
    store, artifacts
        Where the job, its results and its files are recorded.
    engine_factory
        Returns the engine adapter named by ``request.engine``, built with
        :meth:`DockRequest.engine_options` as keywords.
    out_dir
        Where the per-ligand SDF files and the summary (CSV and JSON) go.
    organization, user
        Who runs the job; every row is scoped to the organization.
    on_progress, on_partial
        Called with (done, total), and with each ligand's partial result
        (``ligand``, ``best_affinity``, ``poses``, ``error``), as it finishes.
    work_root
        Parent of the job's working folder (removed when the job ends).

    Returns
    -------
    DockOutcome
        The job id, final status, per-ligand results and the box.

    Raises
    ------
    madlab.errors.MadlabError
        For bad input or an engine failure; the job is then recorded as failed
        with the error, and nothing stored before is touched.
    """
    # An unknown engine or bad engine options fail before a job is recorded.
    engine_factory(request.engine, **request.engine_options())
    with store.unit_of_work() as uow:
        org = uow.organizations.ensure(organization)
        job = uow.jobs.add(
            organization_id=org.id,
            user=user,
            task_id=DOCK_TASK_ID,
            task_version=DOCK_TASK_VERSION,
            parameters=request.to_record(),
            engine=request.engine,
        )
        uow.jobs.transition(org.id, job.id, JobStatus.QUEUED)
        uow.jobs.transition(org.id, job.id, JobStatus.RUNNING)
    org_id, job_id = org.id, job.id
    work = Path(tempfile.mkdtemp(prefix=f"madlab-{job_id[:8]}-", dir=work_root))
    ctx = TaskContext(
        organization_id=org_id,
        job_id=job_id,
        user=user,
        store=store,
        artifacts=artifacts,
        engine_factory=engine_factory,
        workdir=work,
        out_dir=out_dir,
        on_progress=on_progress,
        on_partial=on_partial,
    )
    started = time.perf_counter()
    try:
        outcome = execute_docking(request, ctx)
    except MadlabError as err:
        with store.unit_of_work() as uow:
            uow.jobs.fail(org_id, job_id, error=err.to_dict())
        raise
    except BaseException as err:
        with store.unit_of_work() as uow:
            uow.jobs.fail(
                org_id,
                job_id,
                error={"code": "internal_error", "message": f"{type(err).__name__}: {err}"},
            )
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with store.unit_of_work() as uow:
        uow.jobs.set_metrics(
            org_id,
            job_id,
            execution_metrics=docking_metrics(outcome, time.perf_counter() - started),
        )
        if outcome.results and len(outcome.failed_ligands) == len(outcome.results):
            outcome.status = JobStatus.FAILED
            uow.jobs.fail(org_id, job_id, error=all_failed_error(outcome))
        else:
            outcome.status = JobStatus.SUCCEEDED
            uow.jobs.transition(org_id, job_id, JobStatus.SUCCEEDED)
    return outcome


def all_failed_error(outcome: DockOutcome) -> dict[str, Any]:
    """The job error recorded when no ligand could be docked."""
    return {
        "code": "all_ligands_failed",
        "message": "no ligand could be docked: "
        + "; ".join(f"{r.ligand}: {r.error}" for r in outcome.failed_ligands),
    }


def load_example(name: str = "1iep") -> tuple[Path, Path]:
    """Paths of a complex shipped with madlab: (receptor PDB, crystal ligand SDF)."""
    from importlib import resources

    root = resources.files("madlab") / "data" / "examples" / name
    receptor, ligand = Path(str(root / "receptor.pdb")), Path(str(root / "ligand.sdf"))
    if not receptor.is_file():
        raise ValidationError(
            f"no example complex named {name!r}",
            field="example",
            hint="the shipped example is '1iep'",
        )
    return receptor, ligand
