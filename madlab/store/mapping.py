"""Rows to domain dataclasses: nothing mapped by the ORM leaves the store."""

from __future__ import annotations

from madlab.domain.docking import Box
from madlab.domain.jobs import Job, JobEvent, JobStatus
from madlab.domain.organizations import Membership, Organization, User
from madlab.domain.pipeline_records import PipelineRecord
from madlab.domain.results import StoredPose, StoredResult
from madlab.domain.tasks import TaskDefinition, TaskStatus
from madlab.domain.workers import Worker, WorkerStatus
from madlab.store.models import (
    JobEventRow,
    JobRow,
    MembershipRow,
    OrganizationRow,
    PipelineRow,
    PoseRow,
    ResultRow,
    TaskDefinitionRow,
    UserRow,
    WorkerRow,
)


def to_organization(row: OrganizationRow) -> Organization:
    """Domain form of an organization row."""
    return Organization(id=row.id, name=row.name, created_at=row.created_at)


def to_membership(row: MembershipRow) -> Membership:
    """Domain form of a membership row."""
    return Membership(
        organization_id=row.organization_id, user=row.user_name, is_admin=row.is_admin
    )


def to_user(row: UserRow) -> User:
    """Domain form of a user row with its memberships (loaded by the caller)."""
    return User(
        name=row.name,
        created_at=row.created_at,
        memberships=[to_membership(m) for m in row.memberships],
    )


def to_job(row: JobRow) -> Job:
    """Domain form of a task execution row."""
    return Job(
        id=row.id,
        organization_id=row.organization_id,
        user=row.user_name,
        task_id=row.task_id,
        task_version=row.task_version,
        parameters=dict(row.parameters),
        status=JobStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        engine=row.engine_used,
        queue=row.queue,
        priority=row.priority,
        progress_done=row.progress_done,
        progress_total=row.progress_total,
        error=dict(row.error) if row.error is not None else None,
        execution_metrics=dict(row.execution_metrics),
        resource_usage=dict(row.resource_usage),
        attempt=row.attempt,
        name=row.name,
        pipeline_id=row.pipeline_id,
        parent_id=row.parent_id,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def to_event(row: JobEventRow) -> JobEvent:
    """Domain form of a job event row."""
    return JobEvent(
        id=row.id,
        job_id=row.job_id,
        from_status=JobStatus(row.from_status) if row.from_status else None,
        to_status=JobStatus(row.to_status),
        at=row.at,
        detail=row.detail,
    )


def to_pose(row: PoseRow) -> StoredPose:
    """Domain form of a pose row."""
    return StoredPose(
        id=row.id,
        rank=row.rank,
        affinity=row.affinity,
        molblock=row.molblock,
        rmsd=row.rmsd,
        scores=dict(row.scores),
        energies=dict(row.energies),
    )


def to_result(row: ResultRow, poses: list[PoseRow] | None = None) -> StoredResult:
    """Domain form of a result row, with ``poses`` when given (already ranked)."""
    box = None
    if row.box:
        center, size = row.box["center"], row.box["size"]
        box = Box(center=(center[0], center[1], center[2]), size=(size[0], size[1], size[2]))
    return StoredResult(
        id=row.id,
        organization_id=row.organization_id,
        job_id=row.job_id,
        ligand=row.ligand,
        smiles=row.smiles,
        engine=row.engine_used,
        backend=row.backend,
        engine_version=row.engine_version,
        binding_affinity=row.binding_affinity,
        rmsd=row.rmsd_value,
        poses_generated=row.poses_generated,
        files=dict(row.result_files),
        visualization_data=dict(row.visualization_data),
        parameters=dict(row.parameters),
        created_at=row.created_at,
        box=box,
        seconds=row.seconds,
        error=row.error,
        poses=[to_pose(p) for p in poses or []],
    )


def to_task(row: TaskDefinitionRow) -> TaskDefinition:
    """Domain form of a task definition row."""
    return TaskDefinition(
        task_id=row.task_id,
        version=row.version,
        name=row.name,
        category=row.category,
        interface_spec=dict(row.interface_spec),
        service_config=dict(row.service_config),
        description=row.description,
        status=TaskStatus(row.status),
        organization_id=row.organization_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def to_worker(row: WorkerRow) -> Worker:
    """Domain form of a worker row."""
    return Worker(
        name=row.name,
        status=WorkerStatus(row.status),
        last_heartbeat=row.last_heartbeat,
        started_at=row.started_at,
        hostname=row.hostname,
        capabilities=dict(row.capabilities),
    )


def to_pipeline(row: PipelineRow) -> PipelineRecord:
    """Domain form of a saved pipeline row."""
    return PipelineRecord(
        id=row.id,
        organization_id=row.organization_id,
        name=row.name,
        version=row.version,
        spec=dict(row.spec),
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        description=row.description,
        tags=list(row.tags),
        is_template=bool(row.is_template),
        visibility=row.visibility or "private",
    )
