"""SQLAlchemy implementation of :class:`~madlab.store.ports.ResultRepository`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from madlab.domain.docking import LigandResult
from madlab.domain.results import StoredResult
from madlab.errors import NotFoundError, ValidationError
from madlab.store import values
from madlab.store.mapping import to_result
from madlab.store.models import JobRow, PoseRow, ResultRow
from madlab.store.ports.jobs import ResultRepository


class SqlResultRepository(ResultRepository):
    """Docking results and poses in a SQL database (see the port for the contract)."""

    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self._session = session
        self._clock = clock

    def add(
        self,
        organization_id: str,
        job_id: str,
        result: LigandResult,
        *,
        files: Mapping[str, str] | None = None,
        visualization: Mapping[str, Any] | None = None,
    ) -> int:
        """Store one ligand's result and its poses; returns the result id."""
        self._job(organization_id, job_id)
        where = f"ligand {result.ligand!r}"
        poses = sorted(result.poses, key=lambda p: p.rank)
        ranks = [p.rank for p in poses]
        if len(set(ranks)) != len(ranks):
            raise ValidationError(f"{where}: pose ranks {ranks} are not unique", field="poses.rank")
        file_map = values.json_object(files, "files")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in file_map.items()):
            raise ValidationError("files must map roles to artifact keys (strings)", field="files")
        pose_rows = [
            PoseRow(
                organization_id=organization_id,
                rank=pose.rank,
                affinity=values.finite(pose.affinity, f"{where} pose {pose.rank} affinity"),
                rmsd=(
                    values.finite(pose.rmsd, f"{where} pose {pose.rank} rmsd")
                    if pose.rmsd is not None
                    else None
                ),
                scores=values.json_object(pose.scores, f"{where} pose {pose.rank} scores"),
                energies=values.json_object(pose.energies, f"{where} pose {pose.rank} energies"),
                molblock=pose.molblock,
            )
            for pose in poses
        ]
        best = pose_rows[0] if pose_rows else None
        ligand = values.text(result.ligand, "ligand", max_length=255)
        self._replace_earlier(organization_id, job_id, ligand)
        row = ResultRow(
            organization_id=organization_id,
            job_id=job_id,
            ligand=ligand,
            smiles=result.smiles,
            engine_used=result.engine,
            backend=result.backend,
            engine_version=result.engine_version,
            binding_affinity=best.affinity if best else None,
            rmsd_value=best.rmsd if best else None,
            poses_generated=len(pose_rows),
            result_files=file_map,
            visualization_data=values.json_object(visualization, "visualization"),
            parameters=values.json_object(result.parameters, "parameters"),
            box=result.box.to_dict() if result.box is not None else None,
            seconds=float(result.seconds),
            error=result.error,
            created_at=self._clock(),
            poses=pose_rows,
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def get(self, organization_id: str, result_id: int) -> StoredResult:
        """One result with its poses."""
        query = (
            select(ResultRow)
            .where(ResultRow.id == result_id, ResultRow.organization_id == organization_id)
            .options(selectinload(ResultRow.poses))
        )
        row = self._session.scalars(query).one_or_none()
        if row is None:
            raise NotFoundError("result", result_id)
        return to_result(row, list(row.poses))

    def for_job(
        self,
        organization_id: str,
        job_id: str,
        *,
        with_poses: bool = True,
        limit: int | None = None,
    ) -> list[StoredResult]:
        """The job's results, best first, failed ligands last."""
        self._job(organization_id, job_id)
        query = (
            select(ResultRow)
            .where(ResultRow.job_id == job_id, ResultRow.organization_id == organization_id)
            .order_by(
                ResultRow.binding_affinity.is_(None),
                ResultRow.binding_affinity,
                ResultRow.id,
            )
        )
        if limit is not None:
            query = query.limit(limit)
        if with_poses:
            query = query.options(selectinload(ResultRow.poses))
        rows = list(self._session.scalars(query))
        return [to_result(r, list(r.poses) if with_poses else None) for r in rows]

    def _replace_earlier(self, organization_id: str, job_id: str, ligand: str) -> None:
        """Drop a result of the same ligand in the same job (from an earlier attempt).

        A job re-run after its worker died writes each ligand again; keeping
        only the newest makes result writes idempotent per (job, ligand).
        """
        query = select(ResultRow).where(
            ResultRow.organization_id == organization_id,
            ResultRow.job_id == job_id,
            ResultRow.ligand == ligand,
        )
        for earlier in self._session.scalars(query):
            self._session.delete(earlier)
        self._session.flush()

    def _job(self, organization_id: str, job_id: str) -> JobRow:
        row = self._session.get(JobRow, job_id)
        if row is None or row.organization_id != organization_id:
            raise NotFoundError("job", job_id)
        return row
