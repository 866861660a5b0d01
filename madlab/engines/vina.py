"""AutoDock Vina through its Python bindings (engine ``vina``, backend ``vina-python``).

The engine docks, scores or minimizes a batch of ligands against one receptor in
one box, in the worker's process. Receptor grid maps are computed once and every
ligand is set on the same Vina object (see :mod:`madlab.engines.vina_grid`).
Ligands go to Vina as PDBQT written by Meeko and poses come back as RDKit
molecules with the input's bond orders and hydrogens
(:mod:`madlab.molecules.pdbqt`). Each pose carries Vina's energies and the
intermolecular energy split into its terms (:mod:`madlab.engines.vina_terms`).
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rdkit import Chem

from madlab.domain import (
    Box,
    DockingParameters,
    DockMode,
    LigandResult,
    Pose,
    PreparedLigand,
    PreparedReceptor,
    ScoringFunction,
)
from madlab.engines.base import Availability, DockingEngine
from madlab.engines.maps import MapCache
from madlab.engines.sdf_tags import Provenance, make_pose
from madlab.engines.vina_grid import GRID_SPACING, MAP_TYPES, GridPool, VinaGrid, vina_reason
from madlab.engines.vina_terms import intermolecular_terms, read_pdbqt_atoms, type_atoms
from madlab.errors import EngineUnavailableError, MadlabError, ValidationError
from madlab.molecules.pdbqt import ligand_to_pdbqt, pdbqt_poses_to_mols

try:
    import vina as _vina_module
except ImportError as _err:  # pragma: no cover - vina is a dependency
    _vina_module = None
    _IMPORT_ERROR = str(_err)
else:
    _IMPORT_ERROR = ""

__all__ = ["BACKEND", "ENERGY_NAMES", "VinaEngine"]

log = logging.getLogger(__name__)

BACKEND = "vina-python"
#: Names of Vina's energies in :attr:`Pose.energies` (kcal/mol): the estimated
#: free energy, the intermolecular and intramolecular energies, the torsional
#: adjustment, and the intramolecular energy of the unbound reference (Vina's
#: "intra best pose"). ``total = inter + intra + torsions - intra_best_pose``.
ENERGY_NAMES = ("total", "inter", "intra", "torsions", "intra_best_pose")
_AD4_REASON = (
    "the ad4 scoring function needs AutoDock4 affinity maps made by AutoGrid4, "
    "which madlab does not run; use vina or vinardo"
)
_Failure = (RuntimeError, TypeError, ValueError, MadlabError)


def _version() -> str:
    return str(getattr(_vina_module, "__version__", "")) if _vina_module else ""


class VinaEngine(DockingEngine):
    """AutoDock Vina over the ``vina`` Python bindings.

    Parameters
    ----------
    cache_dir
        Folder of the receptor map cache (entries go in ``<cache_dir>/vina``);
        default ``Settings.from_env().cache_dir``. Used in ``no_refine`` mode.
    no_refine
        ``False`` (Vina's default): final poses are refined and scored on the
        receptor's atoms, and maps are reused within the process only (the
        bindings cannot combine maps read from disk with receptor atoms).
        ``True``: poses are refined and scored on the grid maps (Vina's
        ``--no_refine``), and maps are shared between processes through the
        disk cache, always read back from it so cold and warm runs agree.
    keep
        How many idle Vina objects (each with its maps) to keep in memory.

    Notes
    -----
    Scoring functions ``vina`` and ``vinardo`` are supported; ``ad4`` raises
    :class:`~madlab.errors.EngineUnavailableError`.
    """

    name = "vina"
    backend = BACKEND

    def __init__(
        self, cache_dir: str | Path | None = None, *, no_refine: bool = False, keep: int = 2
    ) -> None:
        if cache_dir is None:
            from madlab.settings import Settings

            cache_dir = Settings.from_env().cache_dir
        self.cache_dir = Path(cache_dir)
        self.no_refine = no_refine
        self.version = _version()
        self.grids = GridPool(
            self._make_vina,
            version=self.version,
            cache=MapCache(self.cache_dir / "vina", MAP_TYPES),
            keep=keep,
            engine=self.name,
            backend=self.backend,
        )

    def availability(self) -> list[Availability]:
        """The ``vina-python`` backend, and the ``ad4`` scoring function (unavailable)."""
        if _vina_module is None:
            return [
                Availability(
                    self.name, self.backend, False, reason=f"cannot import vina: {_IMPORT_ERROR}"
                )
            ]
        return [
            Availability(self.name, self.backend, True, self.version),
            Availability(
                self.name, f"{self.backend} (ad4 scoring)", False, self.version, reason=_AD4_REASON
            ),
        ]

    def _make_vina(self, scoring: str, cpu: int, seed: int, no_refine: bool) -> Any:
        if _vina_module is None:
            raise EngineUnavailableError(
                f"cannot import vina: {_IMPORT_ERROR}", engine=self.name, backend=self.backend
            )
        return _vina_module.Vina(
            sf_name=scoring, cpu=cpu, seed=seed, verbosity=0, no_refine=no_refine
        )

    def run(
        self,
        receptor: PreparedReceptor,
        ligands: Iterable[PreparedLigand],
        box: Box,
        params: DockingParameters,
    ) -> Iterator[LigandResult]:
        """Dock, score or minimize each ligand; yield its result as soon as it is done.

        Raises
        ------
        madlab.errors.ValidationError
            For parameters or a box Vina cannot use.
        madlab.errors.EngineUnavailableError
            For the ``ad4`` scoring function.
        madlab.errors.EngineError
            When Vina cannot read the receptor or the box lies outside it.
        """
        _check(box, params)
        if params.scoring is ScoringFunction.AD4:
            raise EngineUnavailableError(
                _AD4_REASON,
                engine=self.name,
                backend=self.backend,
                hint="choose scoring vina or vinardo",
            )
        grid = self.grids.acquire(Path(receptor.pdbqt_path), box, params, no_refine=self.no_refine)
        parameters = {
            **params.to_dict(),
            "seed": grid.seed,
            "no_refine": self.no_refine,
            "grid_spacing": GRID_SPACING,
        }
        provenance = Provenance(self.name, self.backend, self.version, parameters, box)
        try:
            for ligand in ligands:
                yield self._one(grid, ligand, params, provenance)
        finally:
            self.grids.release(grid)

    def _one(
        self,
        grid: VinaGrid,
        ligand: PreparedLigand,
        params: DockingParameters,
        provenance: Provenance,
    ) -> LigandResult:
        start = time.perf_counter()
        result = LigandResult(
            ligand=ligand.name,
            smiles=ligand.smiles,
            poses=[],
            engine=self.name,
            backend=self.backend,
            engine_version=self.version,
            parameters=dict(provenance.parameters),
            box=provenance.box,
        )
        try:
            pdbqt = ligand_to_pdbqt(ligand)
            try:
                grid.vina.set_ligand_from_string(pdbqt)
            except _Failure as err:
                raise _LigandFailure(f"Vina rejected the ligand: {vina_reason(err)}") from err
            result.poses = self._poses(grid, ligand, pdbqt, params, provenance)
        except _LigandFailure as err:
            result.error = f"ligand '{ligand.name}': {err}"
        except MadlabError as err:
            named = f"'{ligand.name}'" in err.message
            result.error = err.message if named else f"ligand '{ligand.name}': {err.message}"
        except (RuntimeError, TypeError, ValueError) as err:
            result.error = f"ligand '{ligand.name}': Vina failed: {vina_reason(err)}"
        result.seconds = time.perf_counter() - start
        if result.error:
            log.info("%s", result.error)
        return result

    def _poses(
        self,
        grid: VinaGrid,
        ligand: PreparedLigand,
        pdbqt: str,
        params: DockingParameters,
        provenance: Provenance,
    ) -> list[Pose]:
        v = grid.vina
        if params.mode is DockMode.DOCK:
            saved, returned, energy_range = self._search_limits(params)
            v.dock(
                exhaustiveness=params.exhaustiveness,
                n_poses=saved,
                min_rmsd=params.min_rmsd,
                max_evals=params.max_evals,
            )
            text = v.poses(n_poses=returned, energy_range=energy_range)
            if not text.strip():
                raise _LigandFailure("Vina found no pose in the box")
            rows = [list(r) for r in v.energies(n_poses=returned, energy_range=energy_range)]
            models = _split_models(text)
            mols = pdbqt_poses_to_mols(text, ligand.mol, name=ligand.name)
        else:
            e = list(v.score() if params.mode is DockMode.SCORE_ONLY else v.optimize())
            # score/optimize columns: total, lig_inter, flex_inter, other_inter,
            # flex_intra, lig_intra, torsions, lig_intra best pose
            rows = [[e[0], e[1] + e[2] + e[3], e[4] + e[5], e[6], e[7]]]
            if params.mode is DockMode.SCORE_ONLY:
                models = [pdbqt]
                mols = [_input_pose(ligand)]
            else:
                models = [_current_pose(v)]
                mols = pdbqt_poses_to_mols(models[0], ligand.mol, name=ligand.name)
        if not len(rows) == len(models) == len(mols):
            raise _LigandFailure(f"Vina returned {len(rows)} energies for {len(mols)} poses")
        poses = []
        for rank, (row, model, mol) in enumerate(zip(rows, models, mols, strict=True), start=1):
            energies = dict(zip(ENERGY_NAMES, (float(x) for x in row), strict=True))
            energies.update(self._terms(grid, model, params))
            poses.append(
                make_pose(
                    mol,
                    rank=rank,
                    affinity=energies["total"],
                    energies=energies,
                    provenance=provenance,
                    scores=self._pose_scores(ligand, mol, params),
                )
            )
        return poses

    def _search_limits(self, params: DockingParameters) -> tuple[int, int, float]:
        """Poses the search keeps, poses returned, and their energy range (kcal/mol).

        Vina's command line keeps ``num_poses`` poses; adapters built on this
        core (smina, gnina) keep more and rank them their own way.
        """
        return params.num_poses, params.num_poses, params.energy_range

    def _pose_scores(
        self, ligand: PreparedLigand, mol: Any, params: DockingParameters
    ) -> dict[str, float]:
        """Extra scores written as SDF tags of a pose (none for Vina)."""
        return {}

    @staticmethod
    def _terms(grid: VinaGrid, model: str, params: DockingParameters) -> dict[str, float]:
        """The intermolecular energy's terms (an addition: never fails a pose)."""
        try:
            coords, types = read_pdbqt_atoms(model)
            return intermolecular_terms(
                grid.receptor, type_atoms(coords, types), params.scoring.value
            )
        except ValueError as err:  # pragma: no cover - defensive
            log.warning("no term decomposition for a pose: %s", err)
            return {}


class _LigandFailure(Exception):
    """A failure confined to one ligand (reported in its result)."""


def _split_models(text: str) -> list[str]:
    models: list[str] = []
    current: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("MODEL"):
            current = []
        elif line.startswith("ENDMDL"):
            models.append("".join(current))
        else:
            current.append(line)
    return models or [text]


def _input_pose(ligand: PreparedLigand) -> Any:
    """The ligand as given (a scored pose keeps its exact input coordinates)."""
    mol = Chem.Mol(ligand.mol)
    for prop in list(mol.GetPropNames()):
        mol.ClearProp(prop)
    mol.SetProp("_Name", ligand.name)
    return mol


def _current_pose(v: Any) -> str:
    with tempfile.TemporaryDirectory(prefix="madlab-vina-") as tmp:
        path = Path(tmp) / "pose.pdbqt"
        v.write_pose(str(path), overwrite=True)
        return path.read_text()


def _check(box: Box, params: DockingParameters) -> None:
    """Refuse settings Vina would reject or misread, naming the field."""
    for i, value in enumerate(box.center):
        if not math.isfinite(value):
            raise ValidationError(f"box center {value} is not a number", field=f"box.center[{i}]")
    for i, value in enumerate(box.size):
        if not math.isfinite(value) or value <= 0:
            raise ValidationError(f"box size {value} Å must be positive", field=f"box.size[{i}]")
    rules = [
        ("exhaustiveness", params.exhaustiveness >= 1, "must be 1 or more"),
        ("num_poses", params.num_poses >= 1, "must be 1 or more"),
        ("energy_range", params.energy_range > 0, "must be positive (kcal/mol)"),
        ("min_rmsd", params.min_rmsd > 0, "must be positive (Å)"),
        ("cpu", params.cpu >= 0, "must be 0 (all cores) or more"),
        ("max_evals", params.max_evals >= 0, "must be 0 (Vina's heuristic) or more"),
    ]
    for field, ok, rule in rules:
        if not ok:
            raise ValidationError(f"{field} = {getattr(params, field)} {rule}", field=field)
