"""Fixtures shared by every test tier."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
COMPLEXES = SHARED_DATA / "complexes"


@pytest.fixture(scope="session")
def complexes() -> Path:
    """Folder of the protein–ligand complexes (one sub-folder per PDB id)."""
    if not COMPLEXES.is_dir():
        pytest.fail(
            f"test data not found at {COMPLEXES}: the shared data folder must sit "
            "beside the repository"
        )
    return COMPLEXES


@pytest.fixture(scope="session")
def peer_outputs() -> Path:
    """Outputs of the smina and gnina programs on some complexes."""
    return SHARED_DATA / "peer-outputs"


@pytest.fixture()
def madlab_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty madlab home folder, used through the environment like a user would."""
    home = tmp_path / "home"
    monkeypatch.setenv("MADLAB_HOME", str(home))
    for var in (
        "MADLAB_DATABASE_URL",
        "MADLAB_ARTIFACTS_DIR",
        "MADLAB_CACHE_DIR",
        "MADLAB_ORGANIZATION",
    ):
        monkeypatch.delenv(var, raising=False)
    return home
