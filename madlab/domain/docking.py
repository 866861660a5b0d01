"""Docking concepts: box, parameters, prepared molecules, poses and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any


class ScoringFunction(str, Enum):
    """Empirical scoring functions of the Vina core."""

    VINA = "vina"
    VINARDO = "vinardo"
    AD4 = "ad4"


class DockMode(str, Enum):
    """What an engine does with a ligand."""

    DOCK = "dock"  # global search in the box
    SCORE_ONLY = "score_only"  # score the pose as given
    MINIMIZE = "minimize"  # local optimization from the pose as given
    LOCAL_ONLY = "local_only"  # local optimization from the pose as given, kept in the box


@dataclass(frozen=True)
class Box:
    """A search box: centre and edge lengths in Å (axis-aligned)."""

    center: tuple[float, float, float]
    size: tuple[float, float, float]

    @property
    def volume(self) -> float:
        """Volume in Å³."""
        return self.size[0] * self.size[1] * self.size[2]

    def to_dict(self) -> dict[str, list[float]]:
        """JSON-ready form."""
        return {
            "center": [round(c, 3) for c in self.center],
            "size": [round(s, 3) for s in self.size],
        }


@dataclass(frozen=True)
class DockingParameters:
    """Search and scoring settings, shared by all engines.

    Defaults are AutoDock Vina's, except the seed which is fixed so that a run
    can be repeated.
    """

    scoring: ScoringFunction = ScoringFunction.VINA
    mode: DockMode = DockMode.DOCK
    exhaustiveness: int = 8
    num_poses: int = 9
    energy_range: float = 3.0
    min_rmsd: float = 1.0
    seed: int = 42
    cpu: int = 0  # 0: all cores
    max_evals: int = 0  # 0: Vina's heuristic

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (enums as their values)."""
        return {
            "scoring": self.scoring.value,
            "mode": self.mode.value,
            "exhaustiveness": self.exhaustiveness,
            "num_poses": self.num_poses,
            "energy_range": self.energy_range,
            "min_rmsd": self.min_rmsd,
            "seed": self.seed,
            "cpu": self.cpu,
            "max_evals": self.max_evals,
        }


@dataclass(frozen=True)
class ResidueIssue:
    """What receptor preparation did to one residue, or could not do.

    ``action`` is one of ``removed``, ``repaired``, ``kept``, ``altloc``,
    ``incomplete`` (missing atoms, kept as is), ``untyped``; ``residue`` reads
    like ``A:HIS:57`` (chain:name:number+icode).
    """

    residue: str
    action: str
    detail: str


@dataclass
class PreparedReceptor:
    """A receptor ready for docking.

    Attributes
    ----------
    name
        A short label (file stem by default).
    pdbqt_path
        Receptor PDBQT with AutoDock atom types (rigid).
    pdb_path
        The cleaned receptor with hydrogens as PDB (for viewers and for the
        smina and gnina programs).
    source_path
        The file the user gave.
    report
        Per-residue account of what was removed, repaired, kept or left untyped.
    kept_hetero
        Hetero groups kept in the receptor (metals, cofactors).
    """

    name: str
    pdbqt_path: Path
    pdb_path: Path
    source_path: Path | None = None
    report: list[ResidueIssue] = field(default_factory=list)
    kept_hetero: list[str] = field(default_factory=list)
    atom_count: int = 0


@dataclass
class PreparedLigand:
    """A ligand ready for docking: an RDKit molecule with hydrogens and 3D coordinates.

    ``mol`` is an ``rdkit.Chem.Mol``; ``source`` says where it came from
    (``file.sdf#3`` or ``smiles``); ``smiles`` is its canonical SMILES.
    """

    name: str
    mol: Any
    smiles: str
    source: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class Pose:
    """One docked, scored or minimized pose.

    Attributes
    ----------
    rank
        1-based rank in the engine's order.
    affinity
        Estimated free energy of binding in kcal/mol (``minimizedAffinity``).
    molblock
        The pose as an SDF record (with hydrogens and original bond orders) and
        its tags.
    energies
        Per-term energies (``inter``, ``intra``, ``torsional``...).
    rmsd
        Symmetry-corrected heavy-atom RMSD to a reference, when one was given.
    scores
        Other scores by tag name (``CNNscore``, ``CNNaffinity``...).
    """

    rank: int
    affinity: float
    molblock: str
    energies: dict[str, float] = field(default_factory=dict)
    rmsd: float | None = None
    scores: dict[str, float] = field(default_factory=dict)


@dataclass
class LigandResult:
    """All poses of one ligand from one engine run, and how they were made.

    ``seconds`` is the wall time spent on the ligand; ``timings`` splits it by
    stage where an engine has several (``search``, ``cnn``), in seconds.
    """

    ligand: str
    smiles: str
    poses: list[Pose]
    engine: str
    backend: str
    engine_version: str
    parameters: dict[str, Any]
    box: Box | None = None
    seconds: float = 0.0
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def best(self) -> Pose | None:
        """The top-ranked pose, if any."""
        return self.poses[0] if self.poses else None
