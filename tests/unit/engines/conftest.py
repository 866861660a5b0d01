"""Fixtures of the engine unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from madlab.domain import PreparedReceptor
from tests.unit.engines import helpers


@pytest.fixture(scope="session")
def receptor_184l(tmp_path_factory: pytest.TempPathFactory) -> PreparedReceptor:
    """T4 lysozyme L99A (184l) prepared to PDBQT."""
    if not helpers.COMPLEXES.is_dir():
        pytest.fail(f"shared complexes not found at {helpers.COMPLEXES.resolve()}")
    return helpers.receptor(tmp_path_factory.mktemp("rec184l"))


@pytest.fixture(scope="session")
def receptor_pdbqt(receptor_184l: PreparedReceptor) -> Path:
    """The 184l receptor PDBQT file."""
    return Path(receptor_184l.pdbqt_path)
