"""Job listing indexes: id as the last key of the task and engine filters, sorts by
update time and priority, and a trigram index of the text search on PostgreSQL.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from alembic import op
from sqlalchemy import Connection, text

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger(__name__)

_TABLE = "task_executions"
#: Kept in step with madlab.store.models.jobs.SEARCH_INDEX / SEARCH_SQL.
_SEARCH_INDEX = "ix_task_executions_search"
_SEARCH_SQL = "(id || ' ' || coalesce(name, '') || ' ' || task_id || ' ' || user_name)"


def _reindex(name: str, columns: list[str]) -> None:
    op.drop_index(name, table_name=_TABLE)
    op.create_index(name, _TABLE, columns)


def upgrade() -> None:
    """Apply this revision."""
    _reindex(
        "ix_task_executions_org_task_created", ["organization_id", "task_id", "created_at", "id"]
    )
    _reindex(
        "ix_task_executions_org_engine_created",
        ["organization_id", "engine_used", "created_at", "id"],
    )
    op.create_index(
        "ix_task_executions_org_updated", _TABLE, ["organization_id", "updated_at", "id"]
    )
    op.create_index(
        "ix_task_executions_org_priority_created",
        _TABLE,
        ["organization_id", "priority", "created_at", "id"],
    )
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    available = bind.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if available is None:
        log.warning("pg_trgm is not installed: the job text search scans the table")
        return
    schema = _trgm_schema(bind)
    if schema is None:
        # In public, not in the first schema of the search path: a database
        # has one pg_trgm, and it must outlive any one madlab schema.
        savepoint = bind.begin_nested()
        try:
            bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        except Exception as err:  # no right to create it: search without the index
            savepoint.rollback()
            log.warning("cannot create extension pg_trgm (%s): the job text search scans", err)
            return
        savepoint.commit()
        schema = _trgm_schema(bind) or "public"
    bind.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS {_SEARCH_INDEX} ON {_TABLE} "
            f'USING gin ({_SEARCH_SQL} "{schema}".gin_trgm_ops)'
        )
    )


def _trgm_schema(bind: Connection) -> str | None:
    """The schema pg_trgm is installed in, if it is."""
    row = bind.execute(
        text(
            "SELECT n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
        )
    ).first()
    return None if row is None else str(row[0])


def downgrade() -> None:
    """Undo this revision."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(text(f"DROP INDEX IF EXISTS {_SEARCH_INDEX}"))
    op.drop_index("ix_task_executions_org_priority_created", table_name=_TABLE)
    op.drop_index("ix_task_executions_org_updated", table_name=_TABLE)
    _reindex(
        "ix_task_executions_org_engine_created", ["organization_id", "engine_used", "created_at"]
    )
    _reindex("ix_task_executions_org_task_created", ["organization_id", "task_id", "created_at"])
