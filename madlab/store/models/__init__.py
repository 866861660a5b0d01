"""The mapped tables. Importing this package registers every table on ``Base.metadata``."""

from madlab.store.models.base import Base
from madlab.store.models.catalog import PipelineRow, TaskDefinitionRow, WorkerRow
from madlab.store.models.jobs import JobEventRow, JobRow
from madlab.store.models.results import PoseRow, ResultRow
from madlab.store.models.schedules import ScheduleRow
from madlab.store.models.tenancy import MembershipRow, OrganizationRow, UserRow

__all__ = [
    "Base",
    "JobEventRow",
    "JobRow",
    "MembershipRow",
    "OrganizationRow",
    "PipelineRow",
    "PoseRow",
    "ResultRow",
    "ScheduleRow",
    "TaskDefinitionRow",
    "UserRow",
    "WorkerRow",
]
