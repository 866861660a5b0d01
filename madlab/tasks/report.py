"""Files a docking job leaves for the user: ranked poses as SDF and a summary table."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from madlab.domain import Box, LigandResult

SUMMARY_COLUMNS = [
    "ligand",
    "smiles",
    "rank",
    "affinity_kcal_mol",
    "rmsd_to_reference",
    "engine",
    "backend",
    "engine_version",
    "poses_file",
    "error",
]


def safe_filename(name: str) -> str:
    """A file-system-safe version of a ligand name."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned or "ligand"


def write_pose_sdf(result: LigandResult, out_dir: Path) -> Path:
    """Write a ligand's ranked poses to ``<out_dir>/<ligand>_poses.sdf``.

    Each record keeps the engine's tags; the RMSD to the reference, when
    known, is added as ``madlab_rmsd``.
    """
    path = out_dir / f"{safe_filename(result.ligand)}_poses.sdf"
    with path.open("w") as fh:
        for pose in result.poses:
            block = pose.molblock.rstrip("\n")
            if block.endswith("$$$$"):
                block = block[: -len("$$$$")].rstrip("\n")
            fh.write(block + "\n")
            if not block.endswith("M  END"):
                fh.write("\n")  # a data item ends with a blank line
            if pose.rmsd is not None:
                fh.write(f">  <madlab_rmsd>\n{pose.rmsd:.3f}\n\n")
            fh.write("$$$$\n")
    return path


def summary_rows(results: list[LigandResult]) -> list[dict[str, Any]]:
    """One row per pose (and one per failed ligand), ranked within each ligand."""
    rows: list[dict[str, Any]] = []
    for r in results:
        base = {
            "ligand": r.ligand,
            "smiles": r.smiles,
            "engine": r.engine,
            "backend": r.backend,
            "engine_version": r.engine_version,
        }
        if not r.poses:
            rows.append(
                {
                    **base,
                    "rank": None,
                    "affinity_kcal_mol": None,
                    "rmsd_to_reference": None,
                    "poses_file": None,
                    "error": r.error,
                }
            )
            continue
        for pose in r.poses:
            rows.append(
                {
                    **base,
                    "rank": pose.rank,
                    "affinity_kcal_mol": round(pose.affinity, 3),
                    "rmsd_to_reference": None if pose.rmsd is None else round(pose.rmsd, 3),
                    "poses_file": f"{safe_filename(r.ligand)}_poses.sdf",
                    "error": None,
                    **{k: round(v, 5) for k, v in pose.scores.items()},
                }
            )
    return rows


def write_summary(
    results: list[LigandResult], out_dir: Path, *, job_id: str, box: Box
) -> tuple[Path, Path]:
    """Write ``summary.csv`` (one row per pose) and ``summary.json`` (job, box, ligands)."""
    rows = summary_rows(results)
    extra = sorted({k for row in rows for k in row} - set(SUMMARY_COLUMNS))
    csv_path = out_dir / "summary.csv"
    with csv_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=SUMMARY_COLUMNS + extra)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    json_path = out_dir / "summary.json"
    payload = {
        "job_id": job_id,
        "box": box.to_dict(),
        "ligands": [
            {
                "ligand": r.ligand,
                "smiles": r.smiles,
                "engine": r.engine,
                "backend": r.backend,
                "engine_version": r.engine_version,
                "parameters": r.parameters,
                "seconds": round(r.seconds, 3),
                "error": r.error,
                "poses": [
                    {
                        "rank": p.rank,
                        "affinity": p.affinity,
                        "rmsd": p.rmsd,
                        "energies": p.energies,
                        "scores": p.scores,
                    }
                    for p in r.poses
                ],
            }
            for r in results
        ],
    }
    json_path.write_text(json.dumps(payload, indent=2))
    return csv_path, json_path
