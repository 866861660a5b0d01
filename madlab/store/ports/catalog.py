"""Ports of the tenancy, task catalog, service registry and pipeline repositories."""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from madlab.domain.organizations import Membership, Organization, User
from madlab.domain.pipeline_records import PipelineRecord
from madlab.domain.tasks import TaskDefinition, TaskStatus
from madlab.domain.workers import Worker, WorkerStatus


class OrganizationRepository(ABC):
    """Organizations (tenants)."""

    @abstractmethod
    def ensure(self, organization_id: str, *, name: str | None = None) -> Organization:
        """The organization ``organization_id``, created when missing.

        ``name`` defaults to the id; an existing organization keeps its name.
        Raises ``ValidationError`` for an id that is not a slug (letters, digits,
        ``-_.@``, up to 64 characters).
        """

    @abstractmethod
    def get(self, organization_id: str) -> Organization:
        """The organization (``NotFoundError`` when missing)."""

    @abstractmethod
    def list(self) -> builtins.list[Organization]:
        """Every organization, by id."""


class UserRepository(ABC):
    """Users and their memberships of organizations."""

    @abstractmethod
    def ensure(self, name: str) -> User:
        """The user ``name``, created when missing, with memberships."""

    @abstractmethod
    def get(self, name: str) -> User:
        """The user with memberships (``NotFoundError`` when missing)."""

    @abstractmethod
    def add_member(self, organization_id: str, user: str, *, admin: bool = False) -> Membership:
        """Make ``user`` (created when missing) a member; sets the admin flag if a member."""

    @abstractmethod
    def remove_member(self, organization_id: str, user: str) -> None:
        """End a membership (``NotFoundError`` when there is none)."""

    @abstractmethod
    def members(self, organization_id: str) -> builtins.list[Membership]:
        """The organization's memberships, by user name."""


class TaskDefinitionRepository(ABC):
    """Task definitions: built-ins (no organization) and organization-registered ones."""

    @abstractmethod
    def save(self, definition: TaskDefinition) -> TaskDefinition:
        """Insert a definition, or update the one with the same (task_id, version).

        Raises ``ConflictError`` when that (task_id, version) belongs to another
        owner (a built-in or another organization), ``NotFoundError`` for an
        unknown organization.
        """

    @abstractmethod
    def get(
        self, task_id: str, version: str | None = None, *, organization_id: str | None
    ) -> TaskDefinition:
        """A definition visible to the organization (built-in or its own).

        ``version=None`` picks the newest active version. ``NotFoundError`` when
        there is none.
        """

    @abstractmethod
    def list(
        self,
        *,
        organization_id: str | None,
        category: str | None = None,
        include_deprecated: bool = False,
    ) -> builtins.list[TaskDefinition]:
        """Definitions visible to the organization, by task id then version."""

    @abstractmethod
    def set_status(
        self, task_id: str, version: str, status: TaskStatus, *, organization_id: str | None
    ) -> TaskDefinition:
        """Deprecate (or re-activate) a definition the caller owns."""


class WorkerRepository(ABC):
    """The service registry: workers and their heartbeats (not organization-scoped)."""

    @abstractmethod
    def heartbeat(
        self,
        name: str,
        *,
        capabilities: Mapping[str, Any] | None = None,
        status: WorkerStatus = WorkerStatus.ONLINE,
        hostname: str | None = None,
    ) -> Worker:
        """Register a worker or refresh it; ``capabilities=None`` keeps the known ones."""

    @abstractmethod
    def get(self, name: str) -> Worker:
        """The worker (``NotFoundError`` when unknown)."""

    @abstractmethod
    def list(
        self, *, status: WorkerStatus | None = None, seen_since: datetime | None = None
    ) -> builtins.list[Worker]:
        """Workers by name, optionally only those in ``status`` or heard from since a time."""

    @abstractmethod
    def set_status(self, name: str, status: WorkerStatus) -> Worker:
        """Change a worker's status without a heartbeat (for example: offline)."""


class PipelineRepository(ABC):
    """Saved pipeline specs of an organization."""

    @abstractmethod
    def add(
        self,
        organization_id: str,
        *,
        name: str,
        spec: Mapping[str, Any],
        created_by: str,
        version: str = "1",
        description: str = "",
        tags: Sequence[str] = (),
    ) -> PipelineRecord:
        """Save a pipeline; ``ConflictError`` if (name, version) exists in the organization."""

    @abstractmethod
    def get(self, organization_id: str, pipeline_id: str) -> PipelineRecord:
        """A saved pipeline (``NotFoundError`` for another organization's)."""

    @abstractmethod
    def update(
        self,
        organization_id: str,
        pipeline_id: str,
        *,
        spec: Mapping[str, Any] | None = None,
        description: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> PipelineRecord:
        """Replace the given fields of a saved pipeline."""

    @abstractmethod
    def list(self, organization_id: str) -> builtins.list[PipelineRecord]:
        """The organization's pipelines, newest first."""

    @abstractmethod
    def delete(self, organization_id: str, pipeline_id: str) -> None:
        """Delete a saved pipeline (jobs that ran it keep their records)."""
