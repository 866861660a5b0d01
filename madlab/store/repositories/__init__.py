"""SQLAlchemy adapters of the repository ports (one session each, shared by a unit of work)."""

from madlab.store.repositories.jobs import SqlJobRepository
from madlab.store.repositories.pipelines import SqlPipelineRepository
from madlab.store.repositories.results import SqlResultRepository
from madlab.store.repositories.tasks import SqlTaskDefinitionRepository
from madlab.store.repositories.tenancy import SqlOrganizationRepository, SqlUserRepository
from madlab.store.repositories.workers import SqlWorkerRepository

__all__ = [
    "SqlJobRepository",
    "SqlOrganizationRepository",
    "SqlPipelineRepository",
    "SqlResultRepository",
    "SqlTaskDefinitionRepository",
    "SqlUserRepository",
    "SqlWorkerRepository",
]
