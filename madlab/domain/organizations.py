"""Tenancy: organizations, users and who belongs where."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Organization:
    """A tenant. Every job, result and pipeline belongs to exactly one.

    ``id`` is a short stable slug (``default``, a JupyterHub group name); ``name``
    is for people and may change.
    """

    id: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Membership:
    """A user's place in one organization; admins manage its tasks and members."""

    organization_id: str
    user: str
    is_admin: bool = False


@dataclass(frozen=True)
class User:
    """A person who signs in (the JupyterHub user name) and their memberships."""

    name: str
    created_at: datetime
    memberships: list[Membership] = field(default_factory=list)

    def is_member(self, organization_id: str) -> bool:
        """True when the user belongs to ``organization_id``."""
        return any(m.organization_id == organization_id for m in self.memberships)

    def is_admin(self, organization_id: str) -> bool:
        """True when the user administers ``organization_id``."""
        return any(m.organization_id == organization_id and m.is_admin for m in self.memberships)
