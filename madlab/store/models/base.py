"""The declarative base and the constraint naming convention of every table."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: Stable constraint and index names, so that migrations can address them on
#: every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of the mapped tables; ``Base.metadata`` is the whole schema."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def in_list(values: list[str]) -> str:
    """SQL text of a ``IN (...)`` list of string literals for a CHECK constraint."""
    return ", ".join(f"'{v}'" for v in values)
