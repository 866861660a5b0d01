"""Ports of the store: repository and unit-of-work ABCs that services depend on."""

from madlab.store.ports.catalog import (
    OrganizationRepository,
    PipelineRepository,
    TaskDefinitionRepository,
    UserRepository,
    WorkerRepository,
)
from madlab.store.ports.jobs import JobRepository, NewJob, ResultRepository
from madlab.store.ports.unit_of_work import UnitOfWork

__all__ = [
    "JobRepository",
    "NewJob",
    "OrganizationRepository",
    "PipelineRepository",
    "ResultRepository",
    "TaskDefinitionRepository",
    "UnitOfWork",
    "UserRepository",
    "WorkerRepository",
]
