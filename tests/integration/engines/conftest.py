"""Fixtures of the engine integration tests (real docking with Vina on 184l)."""

from __future__ import annotations

import pytest

from madlab.domain import Box, PreparedReceptor
from tests.unit.engines import helpers


@pytest.fixture(scope="session")
def receptor_184l(tmp_path_factory: pytest.TempPathFactory) -> PreparedReceptor:
    """T4 lysozyme L99A (184l) prepared to PDBQT."""
    if not helpers.COMPLEXES.is_dir():
        pytest.fail(f"shared complexes not found at {helpers.COMPLEXES.resolve()}")
    return helpers.receptor(tmp_path_factory.mktemp("rec184l"))


@pytest.fixture(scope="session")
def box_184l() -> Box:
    """A box 4 Å around the crystal ligand of 184l."""
    return helpers.site_box(padding=4.0)
