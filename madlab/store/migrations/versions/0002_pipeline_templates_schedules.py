"""Pipeline templates (flag and visibility) and pipeline schedules.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(
        "pipelines",
        sa.Column("is_template", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "pipelines",
        sa.Column("visibility", sa.String(length=16), server_default="private", nullable=False),
    )
    op.create_index("ix_pipelines_visibility", "pipelines", ["visibility"])
    op.create_table(
        "pipeline_schedules",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=64), nullable=False),
        sa.Column("pipeline_id", sa.String(length=36), nullable=False),
        sa.Column("cron", sa.String(length=120), nullable=False),
        sa.Column("inputs", _JSON, nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", _TIMESTAMP, nullable=False),
        sa.Column("last_run_at", _TIMESTAMP, nullable=True),
        sa.Column("last_job_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_pipeline_schedules_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_pipeline_schedules_pipeline_id_pipelines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_schedules")),
    )
    op.create_index("ix_pipeline_schedules_due", "pipeline_schedules", ["enabled", "next_run_at"])


def downgrade() -> None:
    """Undo this revision."""
    op.drop_index("ix_pipeline_schedules_due", table_name="pipeline_schedules")
    op.drop_table("pipeline_schedules")
    op.drop_index("ix_pipelines_visibility", table_name="pipelines")
    with op.batch_alter_table("pipelines") as batch:
        batch.drop_column("visibility")
        batch.drop_column("is_template")
