"""Plain dataclasses and enums shared by every layer (no I/O here)."""

from madlab.domain.docking import (
    Box,
    DockingParameters,
    DockMode,
    LigandResult,
    Pose,
    PreparedLigand,
    PreparedReceptor,
    ResidueIssue,
    ScoringFunction,
)
from madlab.domain.jobs import JobStatus

__all__ = [
    "Box",
    "DockMode",
    "DockingParameters",
    "JobStatus",
    "LigandResult",
    "Pose",
    "PreparedLigand",
    "PreparedReceptor",
    "ResidueIssue",
    "ScoringFunction",
]
