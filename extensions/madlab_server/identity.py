"""Who is calling and for which organization: the one place that decides.

A JupyterHub user model with groups (a single-user server under a hub, or a
hub-authenticated service) maps groups named ``<prefix><org>`` to
organizations and ``<prefix><org><admin_suffix>`` to their admins. Without
groups (a plain single-user server) every authenticated request is the
server's owner, in the configured organization.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from madlab.errors import PermissionDeniedError
from madlab.store.database import Store

#: Request header that picks one of several organizations of a user.
ORGANIZATION_HEADER = "X-Madlab-Organization"


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one request.

    Attributes
    ----------
    user
        User name stored with jobs and files.
    organization_id
        The organization every read and write is scoped to.
    is_admin
        Whether the caller administers that organization (registers tasks).
    organizations
        Every organization the caller belongs to.
    """

    user: str
    organization_id: str
    is_admin: bool = False
    organizations: tuple[str, ...] = ()

    def require_admin(self, action: str) -> None:
        """Refuse ``action`` unless the caller is an organization admin.

        Raises
        ------
        madlab.errors.PermissionDeniedError
            Naming the organization and who can do it.
        """
        if not self.is_admin:
            raise PermissionDeniedError(
                f"only admins of organization {self.organization_id} may {action}",
                hint="ask an organization admin",
                organization_id=self.organization_id,
            )


@dataclass
class OrganizationPolicy:
    """How users and groups map to organizations (fed by the extension's traitlets).

    Attributes
    ----------
    default_organization
        Organization of a server without group information.
    owner
        User name of that server's owner.
    group_prefix
        Prefix of the JupyterHub groups that are organizations (``org-``).
    admin_suffix
        Suffix of an organization's admin group (``-admins``).
    admin_users
        Users who administer every organization they belong to.
    owner_is_admin
        Whether the owner of a server without groups is an admin.
    """

    default_organization: str = "default"
    owner: str = "local"
    group_prefix: str = "org-"
    admin_suffix: str = "-admins"
    admin_users: frozenset[str] = frozenset()
    owner_is_admin: bool = True
    _known: set[tuple[str, str, bool]] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def organizations_of(self, groups: Iterable[str]) -> tuple[list[str], set[str]]:
        """Organizations and administered organizations named by hub groups."""
        orgs: set[str] = set()
        admin: set[str] = set()
        for group in groups:
            if not group.startswith(self.group_prefix):
                continue
            name = group[len(self.group_prefix) :]
            if self.admin_suffix and name.endswith(self.admin_suffix):
                base = name[: -len(self.admin_suffix)]
                if base:
                    orgs.add(base)
                    admin.add(base)
            elif name:
                orgs.add(name)
        return sorted(orgs), admin

    def resolve(self, user: Any, requested: str | None = None) -> Caller:
        """The caller behind an authenticated Jupyter user.

        Parameters
        ----------
        user
            ``handler.current_user``; its ``hub_user`` model, when present,
            gives the name and groups.
        requested
            The organization asked for (``X-Madlab-Organization``), for users
            of several.

        Raises
        ------
        madlab.errors.PermissionDeniedError
            A hub user in no organization group, or one asking for an
            organization they are not in.
        """
        hub_user = getattr(user, "hub_user", None)
        if isinstance(hub_user, Mapping) and hub_user.get("groups") is not None:
            name = str(hub_user.get("name") or getattr(user, "username", ""))
            orgs, admin_of = self.organizations_of(hub_user.get("groups") or [])
            if not orgs:
                raise PermissionDeniedError(
                    f"user {name} belongs to no organization",
                    hint=f"ask a hub admin to add you to a group named {self.group_prefix}<name>",
                )
            if requested:
                if requested not in orgs:
                    raise PermissionDeniedError(
                        f"user {name} is not a member of organization {requested}",
                        hint=f"use one of: {', '.join(orgs)}",
                        field=ORGANIZATION_HEADER,
                    )
                org = requested
            else:
                org = orgs[0]
            is_admin = org in admin_of or name in self.admin_users
            return Caller(name, org, is_admin, tuple(orgs))
        org = self.default_organization
        if requested and requested != org:
            raise PermissionDeniedError(
                f"this server serves organization {org} only",
                hint=f"omit {ORGANIZATION_HEADER} or set it to {org}",
                field=ORGANIZATION_HEADER,
            )
        is_admin = self.owner_is_admin or self.owner in self.admin_users
        return Caller(self.owner, org, is_admin, (org,))

    def ensure_member(self, store: Store, caller: Caller) -> None:
        """Record the caller's organization and membership in the store (once per process)."""
        key = (caller.organization_id, caller.user, caller.is_admin)
        if key in self._known:
            return
        with self._lock, store.unit_of_work() as uow:
            uow.organizations.ensure(caller.organization_id)
            uow.users.add_member(caller.organization_id, caller.user, admin=caller.is_admin)
        self._known.add(key)
