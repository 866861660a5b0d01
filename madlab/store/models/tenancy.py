"""Tables of organizations, users and memberships."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from madlab.store.models.base import Base
from madlab.store.types import UTCDateTime, utcnow


class OrganizationRow(Base):
    """One organization (tenant); ``id`` is its slug."""

    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UserRow(Base):
    """One user, by sign-in name."""

    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    memberships: Mapped[list[MembershipRow]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        order_by="MembershipRow.organization_id",
    )


class MembershipRow(Base):
    """A user's membership of an organization, with the admin flag."""

    __tablename__ = "memberships"

    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_name: Mapped[str] = mapped_column(
        ForeignKey("users.name", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user: Mapped[UserRow] = relationship(back_populates="memberships")
