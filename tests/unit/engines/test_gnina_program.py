"""The gnina program backend: gnina's CNN options and tags, through a stand-in executable.

The gnina program cannot be installed here, so these tests run a stand-in
(``tests/unit/engines/standin.py``) that accepts gnina's command line and writes
gnina's real recorded output (``shared/data/peer-outputs``) back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from madlab.domain import DockingParameters, DockMode, PreparedReceptor
from madlab.engines.gnina import GninaEngine
from madlab.errors import ValidationError
from tests.unit.engines import helpers
from tests.unit.engines.standin import write_standin


@pytest.fixture()
def gnina(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, peer_outputs: Path) -> Path:
    """A gnina stand-in replaying gnina's docking of 1uw6."""
    exe = write_standin(tmp_path / "bin", "gnina")
    monkeypatch.setenv("STANDIN_REPLAY", str(peer_outputs / "1uw6_gnina_dock_default1.0.sdf"))
    monkeypatch.setenv("STANDIN_LOG", str(tmp_path / "calls.jsonl"))
    monkeypatch.delenv("STANDIN_MODE", raising=False)
    return exe


def _engine(exe: Path, **options: object) -> GninaEngine:
    return GninaEngine(env={"MADLAB_GNINA_PATH": str(exe), "PATH": ""}, **options)  # type: ignore[arg-type]


def _args(tmp_path: Path) -> list[str]:
    (line,) = (tmp_path / "calls.jsonl").read_text().splitlines()
    return list(json.loads(line))


def test_gnina_poses_carry_the_programs_cnn_scores(
    gnina: Path, tmp_path: Path, receptor_184l: PreparedReceptor, peer_outputs: Path
) -> None:
    params = DockingParameters(exhaustiveness=2, seed=1)
    (result,) = _engine(gnina).run(
        receptor_184l, [helpers.crystal_pose_ligand()], helpers.site_box(), params
    )
    assert result.backend == "gnina-program" and result.engine == "gnina"
    assert len(result.poses) == 9
    best = result.poses[0]
    assert best.scores["CNNscore"] == pytest.approx(0.9673295617)
    assert best.scores["CNNaffinity"] == pytest.approx(6.4909796715)
    assert set(best.scores) == {"CNNscore", "CNNaffinity", "CNN_VS", "CNNaffinity_variance"}
    assert "<CNNscore>" in best.molblock and "<madlab_backend>\ngnina-program" in best.molblock
    args = _args(tmp_path)
    # the program runs its own default model; madlab only passes what it is asked for
    assert "--cnn" not in args and "--no_gpu" not in args
    assert args[args.index("--cnn_scoring") + 1] == "rescore"
    assert args[args.index("--pose_sort_order") + 1] == "CNNscore"
    assert result.parameters["cnn_scoring"] == "rescore"


def test_cnn_options_reach_the_program(
    gnina: Path, tmp_path: Path, receptor_184l: PreparedReceptor
) -> None:
    engine = _engine(
        gnina,
        cnn=["dense", "crossdock_default2018"],
        pose_sort_order="cnnaffinity",
        device="cpu",
    )
    list(
        engine.run(
            receptor_184l,
            [helpers.crystal_pose_ligand()],
            helpers.site_box(),
            DockingParameters(mode=DockMode.MINIMIZE),
        )
    )
    args = _args(tmp_path)
    at = args.index("--cnn")
    assert args[at + 1 : at + 3] == ["dense", "crossdock_default2018"]
    assert args[args.index("--pose_sort_order") + 1] == "CNNaffinity"
    assert "--no_gpu" in args and "--minimize" in args


def test_output_without_cnn_tags_has_no_cnn_scores(
    gnina: Path,
    receptor_184l: PreparedReceptor,
    peer_outputs: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STANDIN_REPLAY", str(peer_outputs / "184l_smina_dock.sdf"))
    (result,) = _engine(gnina, cnn_scoring="none").run(
        receptor_184l, [helpers.crystal_pose_ligand()], helpers.site_box(), DockingParameters()
    )
    assert result.poses and all(p.scores == {} for p in result.poses)  # absent, not zero
    assert all("<CNNscore>" not in p.molblock for p in result.poses)


def test_the_program_takes_cnn_levels_the_builtin_backend_does_not(gnina: Path) -> None:
    assert _engine(gnina, cnn_scoring="refinement").cnn_scoring == "refinement"
    with pytest.raises(ValidationError, match="need the gnina program"):
        GninaEngine(env={"PATH": ""}, cnn_scoring="refinement")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"cnn": "nope"}, "model"),
        ({"cnn_scoring": "sometimes"}, "cnn_scoring"),
        ({"pose_sort_order": "alphabetical"}, "pose_sort_order"),
        ({"backend": "cloud"}, "backend"),
    ],
)
def test_bad_options_name_their_field(gnina: Path, options: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        _engine(gnina, **options)
    assert info.value.field == field


def test_availability_of_both_backends(gnina: Path) -> None:
    found = {a.backend: a for a in _engine(gnina).availability()}
    assert found["gnina-program"].available
    assert found["gnina-program"].version.startswith("gnina stand-in")
    assert found["gnina-builtin"].available and "torch" in found["gnina-builtin"].version
