"""What the Vina engine refuses before docking, and what it says about itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from madlab.domain import Box, DockingParameters, PreparedReceptor
from madlab.engines.vina import VinaEngine
from madlab.engines.vina_grid import vina_reason
from madlab.errors import EngineError, ValidationError
from tests.unit.engines import helpers

GOOD_BOX = Box((0.0, 0.0, 0.0), (10.0, 10.0, 10.0))


@pytest.mark.parametrize(
    ("box", "params", "field"),
    [
        (GOOD_BOX, DockingParameters(exhaustiveness=0), "exhaustiveness"),
        (GOOD_BOX, DockingParameters(num_poses=0), "num_poses"),
        (GOOD_BOX, DockingParameters(energy_range=0.0), "energy_range"),
        (GOOD_BOX, DockingParameters(min_rmsd=-1.0), "min_rmsd"),
        (GOOD_BOX, DockingParameters(cpu=-2), "cpu"),
        (GOOD_BOX, DockingParameters(max_evals=-1), "max_evals"),
        (Box((0.0, 0.0, 0.0), (10.0, 0.0, 10.0)), DockingParameters(), "box.size[1]"),
        (Box((0.0, float("nan"), 0.0), (10.0, 10.0, 10.0)), DockingParameters(), "box.center[1]"),
    ],
)
def test_bad_settings_name_their_field(
    tmp_path: Path, box: Box, params: DockingParameters, field: str
) -> None:
    receptor = PreparedReceptor("r", tmp_path / "r.pdbqt", tmp_path / "r.pdb")
    with pytest.raises(ValidationError) as info:
        list(VinaEngine(tmp_path).run(receptor, [], box, params))
    assert info.value.field == field


def test_a_missing_receptor_file_is_an_engine_error(tmp_path: Path) -> None:
    receptor = PreparedReceptor("r", tmp_path / "absent.pdbqt", tmp_path / "absent.pdb")
    with pytest.raises(EngineError, match=r"absent\.pdbqt") as info:
        list(VinaEngine(tmp_path).run(receptor, [], GOOD_BOX, DockingParameters()))
    assert info.value.engine == "vina" and info.value.backend == "vina-python"


def test_a_receptor_that_is_not_pdbqt_is_an_engine_error(
    tmp_path: Path, receptor_pdbqt: Path
) -> None:
    pdb = tmp_path / "receptor.pdb"
    pdb.write_bytes(receptor_pdbqt.read_bytes())
    receptor = PreparedReceptor("r", pdb, pdb)
    with pytest.raises(EngineError, match=r"must be a \.pdbqt file"):
        list(VinaEngine(tmp_path).run(receptor, [], helpers.site_box(), DockingParameters()))


def test_an_empty_receptor_is_an_engine_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdbqt"
    empty.write_text("REMARK nothing here\n")
    receptor = PreparedReceptor("r", empty, empty)
    with pytest.raises(EngineError, match="has no atoms"):
        list(VinaEngine(tmp_path).run(receptor, [], GOOD_BOX, DockingParameters()))


def test_availability_and_version() -> None:
    engine = VinaEngine("/nonexistent/cache")
    rows = engine.availability()
    assert rows[0].engine == "vina" and rows[0].backend == "vina-python"
    assert rows[0].available and rows[0].version == engine.version == "1.2.7"
    assert not rows[1].available and "ad4" in rows[1].backend


def test_default_cache_folder_comes_from_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MADLAB_CACHE_DIR", str(tmp_path / "cache"))
    assert VinaEngine().cache_dir == tmp_path / "cache"


def test_vina_messages_lose_their_boilerplate() -> None:
    err = TypeError(
        "\n\nPDBQT parsing error: Unknown or inappropriate tag found in rigid receptor.\n"
        " > ATOM garbage\n\nAdditional information:\nWrong number or type of arguments\n"
    )
    assert vina_reason(err) == (
        "PDBQT parsing error: Unknown or inappropriate tag found in rigid receptor. > ATOM garbage"
    )
    assert vina_reason(RuntimeError("\n\nVina runtime error: The ligand is outside")) == (
        "The ligand is outside"
    )
    assert vina_reason(RuntimeError("")) == "RuntimeError"
