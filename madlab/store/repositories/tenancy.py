"""SQLAlchemy implementations of the organization and user repositories."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from madlab.domain.organizations import Membership, Organization, User
from madlab.errors import NotFoundError
from madlab.store import values
from madlab.store.mapping import to_membership, to_organization, to_user
from madlab.store.models import MembershipRow, OrganizationRow, UserRow
from madlab.store.ports.catalog import OrganizationRepository, UserRepository


class SqlOrganizationRepository(OrganizationRepository):
    """Organizations in a SQL database."""

    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self._session = session
        self._clock = clock

    def ensure(self, organization_id: str, *, name: str | None = None) -> Organization:
        """The organization, created when missing."""
        values.slug(organization_id, "organization")
        row = self._session.get(OrganizationRow, organization_id)
        if row is None:
            row = OrganizationRow(
                id=organization_id,
                name=values.text(name or organization_id, "name", max_length=200),
                created_at=self._clock(),
            )
            self._session.add(row)
            self._session.flush()
        return to_organization(row)

    def get(self, organization_id: str) -> Organization:
        """The organization."""
        row = self._session.get(OrganizationRow, organization_id)
        if row is None:
            raise NotFoundError("organization", organization_id)
        return to_organization(row)

    def list(self) -> builtins.list[Organization]:
        """Every organization, by id."""
        rows = self._session.scalars(select(OrganizationRow).order_by(OrganizationRow.id))
        return [to_organization(r) for r in rows]


class SqlUserRepository(UserRepository):
    """Users and memberships in a SQL database."""

    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self._session = session
        self._clock = clock

    def ensure(self, name: str) -> User:
        """The user, created when missing."""
        return to_user(self._ensure_row(name))

    def get(self, name: str) -> User:
        """The user with memberships."""
        return to_user(self._row(name))

    def add_member(self, organization_id: str, user: str, *, admin: bool = False) -> Membership:
        """Add (or update) a membership."""
        if self._session.get(OrganizationRow, organization_id) is None:
            raise NotFoundError("organization", organization_id)
        user_row = self._ensure_row(user)
        row = self._session.get(MembershipRow, (organization_id, user_row.name))
        if row is None:
            row = MembershipRow(
                organization_id=organization_id,
                user_name=user_row.name,
                is_admin=admin,
                created_at=self._clock(),
            )
            user_row.memberships.append(row)
        else:
            row.is_admin = admin
        self._session.flush()
        return to_membership(row)

    def remove_member(self, organization_id: str, user: str) -> None:
        """End a membership."""
        row = self._session.get(MembershipRow, (organization_id, user))
        if row is None:
            raise NotFoundError("membership", f"{user}@{organization_id}")
        self._session.delete(row)
        self._session.flush()

    def members(self, organization_id: str) -> builtins.list[Membership]:
        """The organization's memberships, by user name."""
        query = (
            select(MembershipRow)
            .where(MembershipRow.organization_id == organization_id)
            .order_by(MembershipRow.user_name)
        )
        return [to_membership(r) for r in self._session.scalars(query)]

    def _row(self, name: str) -> UserRow:
        query = (
            select(UserRow).where(UserRow.name == name).options(selectinload(UserRow.memberships))
        )
        row = self._session.scalars(query).one_or_none()
        if row is None:
            raise NotFoundError("user", name)
        return row

    def _ensure_row(self, name: str) -> UserRow:
        values.text(name, "user", max_length=128)
        try:
            return self._row(name)
        except NotFoundError:
            row = UserRow(name=name, created_at=self._clock(), memberships=[])
            self._session.add(row)
            self._session.flush()
            return row
