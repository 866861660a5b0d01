"""Port of the unit of work: one transaction over every repository."""

from __future__ import annotations

from abc import ABC, abstractmethod

from madlab.store.ports.catalog import (
    OrganizationRepository,
    PipelineRepository,
    TaskDefinitionRepository,
    UserRepository,
    WorkerRepository,
)
from madlab.store.ports.jobs import JobRepository, ResultRepository


class UnitOfWork(ABC):
    """The repositories of one transaction.

    Obtained from :meth:`madlab.store.Store.unit_of_work`, a context manager
    that commits when its block ends normally and rolls back when it raises.
    What the repositories return are domain dataclasses, valid after the block.
    """

    organizations: OrganizationRepository
    users: UserRepository
    jobs: JobRepository
    results: ResultRepository
    tasks: TaskDefinitionRepository
    workers: WorkerRepository
    pipelines: PipelineRepository

    @abstractmethod
    def commit(self) -> None:
        """Make everything written so far durable (the block may go on)."""

    @abstractmethod
    def rollback(self) -> None:
        """Forget everything written since the last commit."""
