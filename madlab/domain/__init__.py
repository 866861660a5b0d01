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
from madlab.domain.jobs import TRANSITIONS, Job, JobEvent, JobStatus, can_transition
from madlab.domain.organizations import Membership, Organization, User
from madlab.domain.paging import Page
from madlab.domain.pipeline_records import PipelineRecord
from madlab.domain.results import StoredPose, StoredResult
from madlab.domain.tasks import TaskDefinition, TaskStatus
from madlab.domain.workers import Worker, WorkerStatus

__all__ = [
    "TRANSITIONS",
    "Box",
    "DockMode",
    "DockingParameters",
    "Job",
    "JobEvent",
    "JobStatus",
    "LigandResult",
    "Membership",
    "Organization",
    "Page",
    "PipelineRecord",
    "Pose",
    "PreparedLigand",
    "PreparedReceptor",
    "ResidueIssue",
    "ScoringFunction",
    "StoredPose",
    "StoredResult",
    "TaskDefinition",
    "TaskStatus",
    "User",
    "Worker",
    "WorkerStatus",
    "can_transition",
]
