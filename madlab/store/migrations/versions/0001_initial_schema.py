"""Initial schema: tenancy, task catalog, workers, pipelines, jobs, results and poses.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types spelled out here (not imported from the models) so that this revision
# stays what it was when the models change.
_JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
_TIMESTAMP = sa.DateTime(timezone=True)
_BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JOB_STATUSES = (
    "('submitted', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'retrying', "
    "'dead_lettered')"
)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "organizations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
    )
    op.create_table(
        "users",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_users")),
    )
    op.create_table(
        "workers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=True),
        sa.Column("capabilities", _JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_heartbeat", _TIMESTAMP, nullable=False),
        sa.Column("started_at", _TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "status IN ('online', 'busy', 'draining', 'offline')", name=op.f("ck_workers_status")
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_workers")),
    )
    op.create_index("ix_workers_status_heartbeat", "workers", ["status", "last_heartbeat"])

    op.create_table(
        "memberships",
        sa.Column("organization_id", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_memberships_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_name"],
            ["users.name"],
            name=op.f("fk_memberships_user_name_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "user_name", name=op.f("pk_memberships")),
    )
    op.create_index("ix_memberships_user_name", "memberships", ["user_name"])

    op.create_table(
        "pipelines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("spec", _JSON, nullable=False),
        sa.Column("tags", _JSON, nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_pipelines_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipelines")),
        sa.UniqueConstraint(
            "organization_id",
            "name",
            "version",
            name=op.f("uq_pipelines_organization_id_name_version"),
        ),
    )
    op.create_index(
        "ix_pipelines_org_created", "pipelines", ["organization_id", "created_at", "id"]
    )

    op.create_table(
        "task_definitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=64), nullable=True),
        sa.Column("task_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("interface_spec", _JSON, nullable=False),
        sa.Column("service_config", _JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'deprecated')", name=op.f("ck_task_definitions_status")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_task_definitions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_definitions")),
        sa.UniqueConstraint("task_id", "version", name=op.f("uq_task_definitions_task_id_version")),
    )
    op.create_index(
        "ix_task_definitions_org_category", "task_definitions", ["organization_id", "category"]
    )

    op.create_table(
        "task_executions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("task_id", sa.String(length=128), nullable=False),
        sa.Column("task_version", sa.String(length=32), nullable=False),
        sa.Column("parameters", _JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("engine_used", sa.String(length=64), nullable=True),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("error", _JSON, nullable=True),
        sa.Column("execution_metrics", _JSON, nullable=False),
        sa.Column("resource_usage", _JSON, nullable=False),
        sa.Column("pipeline_id", sa.String(length=36), nullable=True),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("started_at", _TIMESTAMP, nullable=True),
        sa.Column("finished_at", _TIMESTAMP, nullable=True),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            f"status IN {_JOB_STATUSES}",
            name=op.f("ck_task_executions_status"),
        ),
        sa.CheckConstraint("progress_done >= 0", name=op.f("ck_task_executions_progress_done")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_task_executions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["task_executions.id"],
            name=op.f("fk_task_executions_parent_id_task_executions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_task_executions_pipeline_id_pipelines"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_executions")),
    )
    op.create_index(
        "ix_task_executions_org_created", "task_executions", ["organization_id", "created_at", "id"]
    )
    op.create_index(
        "ix_task_executions_org_engine_created",
        "task_executions",
        ["organization_id", "engine_used", "created_at"],
    )
    op.create_index(
        "ix_task_executions_org_status_created",
        "task_executions",
        ["organization_id", "status", "created_at", "id"],
    )
    op.create_index(
        "ix_task_executions_org_task_created",
        "task_executions",
        ["organization_id", "task_id", "created_at"],
    )
    op.create_index("ix_task_executions_parent", "task_executions", ["parent_id"])
    op.create_index("ix_task_executions_pipeline", "task_executions", ["pipeline_id"])
    op.create_index(
        "ix_task_executions_status_updated", "task_executions", ["status", "updated_at"]
    )

    op.create_table(
        "docking_results",
        sa.Column("id", _BIGID, autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("ligand", sa.String(length=255), nullable=False),
        sa.Column("smiles", sa.Text(), nullable=False),
        sa.Column("engine_used", sa.String(length=64), nullable=False),
        sa.Column("backend", sa.String(length=128), nullable=False),
        sa.Column("engine_version", sa.String(length=64), nullable=False),
        sa.Column("binding_affinity", sa.Float(), nullable=True),
        sa.Column("rmsd_value", sa.Float(), nullable=True),
        sa.Column("poses_generated", sa.Integer(), nullable=False),
        sa.Column("result_files", _JSON, nullable=False),
        sa.Column("visualization_data", _JSON, nullable=False),
        sa.Column("parameters", _JSON, nullable=False),
        sa.Column("box", _JSON, nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["task_executions.id"],
            name=op.f("fk_docking_results_job_id_task_executions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_docking_results_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_docking_results")),
    )
    op.create_index(
        "ix_docking_results_job_affinity", "docking_results", ["job_id", "binding_affinity"]
    )
    op.create_index(
        "ix_docking_results_org_affinity",
        "docking_results",
        ["organization_id", "binding_affinity"],
    )
    op.create_index(
        "ix_docking_results_org_ligand", "docking_results", ["organization_id", "ligand"]
    )

    op.create_table(
        "job_events",
        sa.Column("id", _BIGID, autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("at", _TIMESTAMP, nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.CheckConstraint(
            f"to_status IN {_JOB_STATUSES}",
            name=op.f("ck_job_events_to_status"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["task_executions.id"],
            name=op.f("fk_job_events_job_id_task_executions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_job_events_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_events")),
    )
    op.create_index("ix_job_events_job", "job_events", ["job_id", "id"])
    op.create_index("ix_job_events_org_at", "job_events", ["organization_id", "at"])

    op.create_table(
        "poses",
        sa.Column("id", _BIGID, autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=64), nullable=False),
        sa.Column("result_id", _BIGID, nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("affinity", sa.Float(), nullable=False),
        sa.Column("rmsd", sa.Float(), nullable=True),
        sa.Column("scores", _JSON, nullable=False),
        sa.Column("energies", _JSON, nullable=False),
        sa.Column("molblock", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_poses_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["docking_results.id"],
            name=op.f("fk_poses_result_id_docking_results"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poses")),
        sa.UniqueConstraint("result_id", "rank", name=op.f("uq_poses_result_id_rank")),
    )
    op.create_index("ix_poses_org_affinity", "poses", ["organization_id", "affinity"])


def downgrade() -> None:
    """Undo this revision."""
    op.drop_index("ix_poses_org_affinity", table_name="poses")

    op.drop_table("poses")
    op.drop_index("ix_job_events_org_at", table_name="job_events")
    op.drop_index("ix_job_events_job", table_name="job_events")

    op.drop_table("job_events")
    op.drop_index("ix_docking_results_org_ligand", table_name="docking_results")
    op.drop_index("ix_docking_results_org_affinity", table_name="docking_results")
    op.drop_index("ix_docking_results_job_affinity", table_name="docking_results")

    op.drop_table("docking_results")
    op.drop_index("ix_task_executions_status_updated", table_name="task_executions")
    op.drop_index("ix_task_executions_pipeline", table_name="task_executions")
    op.drop_index("ix_task_executions_parent", table_name="task_executions")
    op.drop_index("ix_task_executions_org_task_created", table_name="task_executions")
    op.drop_index("ix_task_executions_org_status_created", table_name="task_executions")
    op.drop_index("ix_task_executions_org_engine_created", table_name="task_executions")
    op.drop_index("ix_task_executions_org_created", table_name="task_executions")

    op.drop_table("task_executions")
    op.drop_index("ix_task_definitions_org_category", table_name="task_definitions")

    op.drop_table("task_definitions")
    op.drop_index("ix_pipelines_org_created", table_name="pipelines")

    op.drop_table("pipelines")
    op.drop_index("ix_memberships_user_name", table_name="memberships")

    op.drop_table("memberships")
    op.drop_index("ix_workers_status_heartbeat", table_name="workers")

    op.drop_table("workers")
    op.drop_table("users")
    op.drop_table("organizations")
