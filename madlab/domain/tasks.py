"""Task definitions: what a job can run, described as data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class TaskStatus(str, Enum):
    """Whether new jobs may use a task definition."""

    ACTIVE = "active"
    DEPRECATED = "deprecated"


@dataclass(frozen=True)
class TaskDefinition:
    """A versioned task: id, JSON-schema interface and service configuration.

    Attributes
    ----------
    task_id, version
        Together unique in the store (``dock``, ``1``).
    name
        Title shown in the task library.
    category
        Grouping in the library (``docking``, ``preparation``, ``analysis``...).
    interface_spec
        JSON schemas of the inputs and outputs (``{"inputs": {...}, "outputs": {...}}``).
    service_config
        How it runs: queue, engine, resources, notebook template...
    description
        A paragraph for people.
    status
        Deprecated tasks stay readable but take no new jobs.
    organization_id
        ``None`` for built-in tasks every organization sees, else the owner.
    created_at, updated_at
        Set by the store (``None`` before the definition is stored).
    """

    task_id: str
    version: str
    name: str
    category: str
    interface_spec: dict[str, Any] = field(default_factory=dict)
    service_config: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    status: TaskStatus = TaskStatus.ACTIVE
    organization_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_builtin(self) -> bool:
        """True for definitions shared by every organization."""
        return self.organization_id is None
