"""Tables of docking results (one per ligand per job) and their poses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from madlab.store.models.base import Base
from madlab.store.types import BigIntKey, JSONType, UTCDateTime


class ResultRow(Base):
    """The result of one ligand in one job; best scores are copied up for ranking."""

    __tablename__ = "docking_results"
    __table_args__ = (
        Index("ix_docking_results_job_affinity", "job_id", "binding_affinity"),
        Index("ix_docking_results_org_affinity", "organization_id", "binding_affinity"),
        Index("ix_docking_results_org_ligand", "organization_id", "ligand"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(ForeignKey("task_executions.id", ondelete="CASCADE"))
    ligand: Mapped[str] = mapped_column(String(255))
    smiles: Mapped[str] = mapped_column(Text)
    engine_used: Mapped[str] = mapped_column(String(64))
    backend: Mapped[str] = mapped_column(String(128))
    engine_version: Mapped[str] = mapped_column(String(64))
    binding_affinity: Mapped[float | None] = mapped_column(Float)
    rmsd_value: Mapped[float | None] = mapped_column(Float)
    poses_generated: Mapped[int] = mapped_column(Integer)
    result_files: Mapped[dict[str, str]] = mapped_column(JSONType)
    visualization_data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType)
    box: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    seconds: Mapped[float] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    poses: Mapped[list[PoseRow]] = relationship(
        back_populates="result",
        cascade="all, delete-orphan",
        order_by="PoseRow.rank",
        lazy="raise",
        passive_deletes=True,
    )


class PoseRow(Base):
    """One pose of a result, with its SDF record and scores."""

    __tablename__ = "poses"
    __table_args__ = (
        UniqueConstraint("result_id", "rank"),
        Index("ix_poses_org_affinity", "organization_id", "affinity"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    result_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("docking_results.id", ondelete="CASCADE")
    )
    rank: Mapped[int] = mapped_column(Integer)
    affinity: Mapped[float] = mapped_column(Float)
    rmsd: Mapped[float | None] = mapped_column(Float)
    scores: Mapped[dict[str, float]] = mapped_column(JSONType)
    energies: Mapped[dict[str, float]] = mapped_column(JSONType)
    molblock: Mapped[str] = mapped_column(Text)
    result: Mapped[ResultRow] = relationship(back_populates="poses")
