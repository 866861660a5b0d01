"""Shared data for the CNN scorer's integration tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA

#: Complexes whose crystal poses the gnina program scored.
CRYSTAL = ("184l", "1uw6", "1iep", "6ahs", "2nnq")


@pytest.fixture(scope="session")
def program_crystal_scores() -> dict[tuple[str, str], dict[str, float]]:
    """The gnina program's ``--score_only`` results, by (complex, model)."""
    path = SHARED_DATA / "peer-outputs" / "crystal_pose_scores.tsv"
    out: dict[tuple[str, str], dict[str, float]] = {}
    with path.open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["program"] != "gnina":
                continue
            out[(row["complex"], row["model"])] = {
                k: float(row[k]) for k in ("CNNscore", "CNNaffinity", "CNNvariance") if row[k]
            }
    return out


def complex_files(complexes: Path, name: str) -> tuple[Path, Path]:
    """Receptor PDB and crystal ligand SDF of a complex."""
    return complexes / name / "receptor.pdb", complexes / name / "ligand.sdf"
