"""Docking results as recorded in the store: one per ligand per job, with its poses."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from madlab.domain.docking import Box, LigandResult, Pose


@dataclass(frozen=True)
class StoredPose:
    """One stored pose of a result; ``molblock`` is its SDF record with tags."""

    id: int
    rank: int
    affinity: float
    molblock: str
    rmsd: float | None = None
    scores: dict[str, float] = field(default_factory=dict)
    energies: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    def to_pose(self) -> Pose:
        """The engine-level :class:`~madlab.domain.Pose` this row stores."""
        return Pose(
            rank=self.rank,
            affinity=self.affinity,
            molblock=self.molblock,
            energies=dict(self.energies),
            rmsd=self.rmsd,
            scores=dict(self.scores),
        )


@dataclass(frozen=True)
class StoredResult:
    """The stored result of one ligand in one job.

    Attributes
    ----------
    id
        Row id, unique in the store.
    organization_id, job_id
        Owner and job.
    ligand, smiles
        The ligand's name and canonical SMILES.
    engine, backend, engine_version
        What produced the poses (``vina``, ``vina-python``, ``1.2.7``).
    binding_affinity
        Best pose's affinity in kcal/mol, ``None`` when no pose came out.
    rmsd
        Best pose's RMSD to the reference in Å, when a reference was given.
    poses_generated
        How many poses the engine returned.
    files
        Artifact keys by role (``poses_sdf``, ``receptor_pdbqt``...).
    visualization_data
        What the viewers need beyond the poses (interactions, surfaces...).
    parameters
        The search and scoring settings used.
    box
        The search box, when there was one.
    seconds
        Wall time spent on this ligand.
    error
        Why the ligand failed, when it did (then there are no poses).
    poses
        The poses, best (rank 1) first; empty when loaded without poses.
    """

    id: int
    organization_id: str
    job_id: str
    ligand: str
    smiles: str
    engine: str
    backend: str
    engine_version: str
    binding_affinity: float | None
    rmsd: float | None
    poses_generated: int
    files: dict[str, str]
    visualization_data: dict[str, Any]
    parameters: dict[str, Any]
    created_at: datetime
    box: Box | None = None
    seconds: float = 0.0
    error: str | None = None
    poses: list[StoredPose] = field(default_factory=list)

    @property
    def best(self) -> StoredPose | None:
        """The top-ranked pose, if poses were loaded and there is one."""
        return self.poses[0] if self.poses else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the poses when loaded."""
        out = asdict(self)
        out["created_at"] = self.created_at.isoformat()
        out["box"] = self.box.to_dict() if self.box is not None else None
        return out

    def to_ligand_result(self) -> LigandResult:
        """The engine-level :class:`~madlab.domain.LigandResult` (needs loaded poses)."""
        return LigandResult(
            ligand=self.ligand,
            smiles=self.smiles,
            poses=[p.to_pose() for p in self.poses],
            engine=self.engine,
            backend=self.backend,
            engine_version=self.engine_version,
            parameters=dict(self.parameters),
            box=self.box,
            seconds=self.seconds,
            error=self.error,
        )
