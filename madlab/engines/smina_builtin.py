"""Smina built in: smina's behaviour on the Vina core (engine ``smina``, backend ``smina-builtin``).

What smina adds to AutoDock Vina, and how the built-in backend provides it on
the ``vina`` bindings (through :class:`~madlab.engines.vina.VinaEngine`, whose
receptor maps, ligand conversion and energy terms it reuses):

* ligands straight from SDF, MOL2 or PDB and boxes from ``autobox_ligand``:
  madlab's preparation and box derivation do this for every engine;
* scoring ``vina`` or ``vinardo``, or a custom scoring file in smina's format
  whose terms the Vina core evaluates (:mod:`madlab.engines.smina_scoring`);
* modes ``score_only``, ``minimize`` and ``local_only`` (local optimization
  from the input pose; both report ``minimizedRMSD``, the heavy-atom RMSD
  between the input and the optimized pose without symmetry or alignment, as
  smina computes it);
* docking keeps ``max(20, num_modes)`` poses per Monte Carlo run, as smina does
  (Vina's command line keeps ``num_modes``), then returns the best
  ``num_modes`` within ``energy_range``, ranked by smina's affinity (the
  intermolecular energy with the torsional adjustment; Vina's total also
  counts each pose's intramolecular energy against the best pose's);
* the receptor typed as smina types it: the user's file (less what
  preparation removed) with OpenBabel's polar hydrogens and types
  (:mod:`madlab.engines.program_typing`), so that scores are smina's
  (``receptor_typing="program"``, the default); ``"madlab"`` uses madlab's
  prepared receptor instead, as the ``vina`` engine does;
* SDF output with smina's tags: ``minimizedAffinity`` and ``minimizedRMSD``.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
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
from madlab.engines.maps import MapCache
from madlab.engines.program_typing import program_receptor_pdbqt
from madlab.engines.receptor_view import program_receptor
from madlab.engines.sdf_tags import Provenance, make_pose
from madlab.engines.smina_scoring import CustomScoring, read_custom_scoring
from madlab.engines.vina import VinaEngine
from madlab.engines.vina_grid import MAP_TYPES, GridPool, VinaGrid
from madlab.errors import ValidationError

__all__ = [
    "BACKEND",
    "RECEPTOR_TYPINGS",
    "RMSD_TAG",
    "SMINA_SAVED_POSES",
    "UNBOUNDED",
    "SminaBuiltin",
    "input_output_rmsd",
    "pose_record",
    "reissue",
]

BACKEND = "smina-builtin"
#: Tag of the RMSD between the input pose and the optimized pose.
RMSD_TAG = "minimizedRMSD"
#: Poses smina keeps per Monte Carlo run when ``num_modes`` is smaller.
SMINA_SAVED_POSES = 20
#: An energy range (kcal/mol) that keeps every pose.
UNBOUNDED = 1e9
#: ``receptor_typing`` values: as the programs type the user's file, or madlab's preparation.
RECEPTOR_TYPINGS = ("program", "madlab")


def input_output_rmsd(before: Any, after: Any) -> float:
    """Heavy-atom RMSD between two conformations of one molecule, atom by atom.

    No symmetry and no alignment: smina's ``minimizedRMSD``.

    Parameters
    ----------
    before, after
        RDKit molecules with the same atoms in the same order.
    """
    heavy = [a.GetIdx() for a in before.GetAtoms() if a.GetAtomicNum() > 1]
    a = np.asarray(before.GetConformer().GetPositions())[heavy]
    b = np.asarray(after.GetConformer().GetPositions())[heavy]
    return float(np.sqrt(((a - b) ** 2).sum(axis=1).mean())) if heavy else 0.0


def pose_record(pose: Pose) -> Any:
    """A pose's SDF record read back as an RDKit molecule, its tags as properties.

    Raises
    ------
    madlab.errors.ValidationError
        When the record cannot be read.
    """
    supplier = Chem.SDMolSupplier()
    supplier.SetData(pose.molblock, removeHs=False)
    mol = next(iter(supplier), None)
    if mol is None:
        raise ValidationError(f"pose {pose.rank} cannot be read back", field="poses")
    return mol


def reissue(pose: Pose, *, rank: int, provenance: Provenance, record: Any = None) -> Pose:
    """The pose again with a new rank and its current affinity, energies and scores as tags.

    Parameters
    ----------
    pose
        The pose (its ``affinity``, ``energies`` and ``scores`` are written).
    rank
        Its new 1-based rank.
    provenance
        What produced it.
    record
        The pose's SDF record as a molecule, when already read (see :func:`pose_record`).
    """
    return make_pose(
        record if record is not None else pose_record(pose),
        rank=rank,
        affinity=pose.affinity,
        energies=pose.energies,
        provenance=provenance,
        scores=pose.scores,
    )


class SminaBuiltin(VinaEngine):
    """Smina's options and output on the Vina core.

    Parameters
    ----------
    cache_dir
        Folder of the receptor map cache (see :class:`VinaEngine`).
    custom_scoring
        A smina custom scoring file. It replaces the scoring function named in
        the docking parameters, as in smina. The file is read again at each
        run, so an edited file takes effect.
    receptor_typing
        ``program`` (default): the receptor typed as smina types the user's
        file; ``madlab``: madlab's prepared receptor PDBQT.
    no_refine, keep
        As for :class:`VinaEngine`.
    """

    name = "smina"
    backend = BACKEND

    def __init__(
        self,
        cache_dir: str | Path | None = None,
        *,
        custom_scoring: str | Path | None = None,
        receptor_typing: str = "program",
        no_refine: bool = False,
        keep: int = 2,
    ) -> None:
        if receptor_typing not in RECEPTOR_TYPINGS:
            raise ValidationError(
                f"receptor_typing {receptor_typing!r} is not one of {', '.join(RECEPTOR_TYPINGS)}",
                field="receptor_typing",
            )
        super().__init__(cache_dir, no_refine=no_refine, keep=keep)
        self.receptor_typing = receptor_typing
        self._typed: dict[tuple[str, float, int], Path] = {}
        self.custom_scoring_path = Path(custom_scoring) if custom_scoring else None
        self.custom: CustomScoring | None = None
        self._keep = keep
        self._lock = threading.Lock()
        if self.custom_scoring_path is not None:
            self._use(read_custom_scoring(self.custom_scoring_path))

    def _use(self, custom: CustomScoring) -> None:
        """Switch to a custom scoring function (maps are keyed by its weights)."""
        self.custom = custom
        self.grids = GridPool(
            self._make_vina,
            version=f"{self.version}+custom-{custom.digest}",
            cache=MapCache(self.cache_dir / "vina", MAP_TYPES),
            keep=self._keep,
            engine=self.name,
            backend=self.backend,
        )

    def _make_vina(self, scoring: str, cpu: int, seed: int, no_refine: bool) -> Any:
        custom = self.custom
        sf = custom.scoring if custom is not None else scoring
        v = super()._make_vina(sf, cpu, seed, no_refine)
        if custom is not None:
            v.set_weights(list(custom.weights))
        return v

    def scoring_parameters(self, params: DockingParameters) -> DockingParameters:
        """The parameters the core runs with (the custom file's scoring family wins)."""
        if self.custom is None:
            return params
        return dataclasses.replace(params, scoring=ScoringFunction(self.custom.scoring))

    def run(
        self,
        receptor: PreparedReceptor,
        ligands: Iterable[PreparedLigand],
        box: Box,
        params: DockingParameters,
    ) -> Iterator[LigandResult]:
        """Dock, score or optimize each ligand as smina would; yield each result when done.

        Raises
        ------
        madlab.errors.ValidationError
            For parameters Vina cannot use, or a custom scoring file with a term
            the Vina core does not support.
        madlab.errors.EngineError
            When the receptor cannot be read or the box lies outside it.
        """
        if self.custom_scoring_path is not None:
            custom = read_custom_scoring(self.custom_scoring_path)
            with self._lock:
                if custom != self.custom:
                    self._use(custom)
        extra: dict[str, Any] = {"receptor_typing": self.receptor_typing}
        if self.custom is not None:
            extra["custom_scoring"] = self.custom.to_dict()
        if self.receptor_typing == "program":
            receptor = self.program_typed(receptor)
        for result in super().run(receptor, ligands, box, self.scoring_parameters(params)):
            result.parameters.update(extra)
            yield result

    def program_typed(self, receptor: PreparedReceptor) -> PreparedReceptor:
        """The receptor with a PDBQT typed as smina types the user's file (made once per file).

        Raises
        ------
        madlab.errors.InputFileError
            When the file cannot be read.
        """
        source = program_receptor(receptor)
        stat = source.stat()
        key = (str(source.resolve()), stat.st_mtime, stat.st_size)
        with self._lock:
            path = self._typed.get(key)
            if path is None or not path.is_file():
                out = Path(receptor.pdb_path).parent / f"{receptor.name}_program.pdbqt"
                path = program_receptor_pdbqt(source, out)
                self._typed[key] = path
        return dataclasses.replace(receptor, pdbqt_path=path)

    def saved_poses(self, params: DockingParameters) -> int:
        """Poses the search keeps: ``max(20, num_modes)``, as smina."""
        return max(SMINA_SAVED_POSES, params.num_poses)

    def kept_poses(self, params: DockingParameters) -> tuple[int, float]:
        """How many ranked poses are returned, and within what energy of the best."""
        return params.num_poses, params.energy_range

    def _search_limits(self, params: DockingParameters) -> tuple[int, int, float]:
        saved = self.saved_poses(params)
        return saved, saved, UNBOUNDED

    def _poses(
        self,
        grid: VinaGrid,
        ligand: PreparedLigand,
        pdbqt: str,
        params: DockingParameters,
        provenance: Provenance,
    ) -> list[Pose]:
        """The core's poses with smina's affinity, ranked and cut as smina does.

        Smina's ``minimizedAffinity`` is a pose's intermolecular energy with
        the torsional adjustment (``inter + torsions``); Vina's total also adds
        the pose's intramolecular energy less the best pose's. Docked poses are
        ranked by smina's affinity and cut to :meth:`kept_poses`.
        """
        poses = super()._poses(grid, ligand, pdbqt, params, provenance)
        for pose in poses:
            if "inter" in pose.energies and "torsions" in pose.energies:
                pose.affinity = pose.energies["inter"] + pose.energies["torsions"]
        if params.mode is DockMode.DOCK and poses:
            keep, energy_range = self.kept_poses(params)
            ranked = sorted(poses, key=lambda p: p.affinity)
            best = ranked[0].affinity
            poses = [p for p in ranked if p.affinity <= best + energy_range][:keep]
        return [reissue(p, rank=i, provenance=provenance) for i, p in enumerate(poses, start=1)]

    def _pose_scores(
        self, ligand: PreparedLigand, mol: Any, params: DockingParameters
    ) -> dict[str, float]:
        if params.mode in (DockMode.MINIMIZE, DockMode.LOCAL_ONLY):
            return {RMSD_TAG: input_output_rmsd(ligand.mol, mol)}
        return {}
