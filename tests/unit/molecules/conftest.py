"""Fixtures of the molecules tests: paths to the shared complexes and test files."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
COMPLEX_DIR = REPO_ROOT / ".." / "shared" / "data" / "complexes"
TEST_DATA = REPO_ROOT / "tests" / "data" / "molecules"


@pytest.fixture(scope="session")
def complex_dir() -> Path:
    """Folder of the shared protein–ligand complexes."""
    if not COMPLEX_DIR.is_dir():
        pytest.fail(f"shared complexes not found at {COMPLEX_DIR.resolve()}")
    return COMPLEX_DIR


@pytest.fixture(scope="session")
def fragment_pdb() -> Path:
    """A 7-residue PDB fragment with altlocs, an insertion code, waters and ions."""
    return TEST_DATA / "fragment.pdb"


SDF_3D = """ethanol
  test

  3  2  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.5200    0.0000    0.1000 C   0  0  0  0  0  0  0  0  0  0  0  0
    2.0000    1.3000    0.2000 O   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
  2  3  1  0
M  END
$$$$
"""

SDF_2D = SDF_3D.replace("0.1000 C", "0.0000 C").replace("0.2000 O", "0.0000 O")


@pytest.fixture()
def sdf_3d() -> str:
    """One 3D ethanol record."""
    return SDF_3D


@pytest.fixture()
def sdf_2d() -> str:
    """One 2D ethanol record (all z = 0)."""
    return SDF_2D
