"""Pipelines as saved in the store: a named, versioned spec owned by an organization."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PipelineRecord:
    """A saved pipeline.

    ``spec`` is the pipeline spec as JSON (steps, edges, sweeps, conditions);
    its meaning belongs to :mod:`madlab.pipelines`, the store keeps it as given.
    ``is_template`` marks a template; ``visibility`` is ``private`` (its
    author), ``organization`` (shared with the organization) or ``public``
    (read-only to every organization).
    """

    id: str
    organization_id: str
    name: str
    version: str
    spec: dict[str, Any]
    created_by: str
    created_at: datetime
    updated_at: datetime
    description: str = ""
    tags: list[str] = field(default_factory=list)
    is_template: bool = False
    visibility: str = "private"
