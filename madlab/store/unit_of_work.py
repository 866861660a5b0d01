"""SQLAlchemy unit of work: one session, every repository, one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from madlab.store.ports.unit_of_work import UnitOfWork
from madlab.store.repositories import (
    SqlJobRepository,
    SqlOrganizationRepository,
    SqlPipelineRepository,
    SqlResultRepository,
    SqlTaskDefinitionRepository,
    SqlUserRepository,
    SqlWorkerRepository,
)


class SqlUnitOfWork(UnitOfWork):
    """The repositories of one SQLAlchemy session.

    Made by :meth:`madlab.store.Store.unit_of_work`, which owns the session
    and commits or rolls back around the block.
    """

    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.organizations = SqlOrganizationRepository(session, clock)
        self.users = SqlUserRepository(session, clock)
        self.jobs = SqlJobRepository(session, clock)
        self.results = SqlResultRepository(session, clock)
        self.tasks = SqlTaskDefinitionRepository(session, clock)
        self.workers = SqlWorkerRepository(session, clock)
        self.pipelines = SqlPipelineRepository(session, clock)

    def commit(self) -> None:
        """Commit the transaction."""
        self.session.commit()

    def rollback(self) -> None:
        """Roll the transaction back."""
        self.session.rollback()
