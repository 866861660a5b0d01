"""Gnina's ranking of rescored poses, its options, and how requests pass engine options."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdkit import Chem

from madlab.domain import Pose
from madlab.engines.gnina_builtin import check_cnn_options, rank_poses
from madlab.engines.program_sdf import read_program_sdf
from madlab.errors import ValidationError
from madlab.tasks.dock import DockRequest


@pytest.fixture()
def gnina_poses(peer_outputs: Path) -> list[Pose]:
    """Gnina's 9 poses of 1uw6 (its own output), in reverse order."""
    found = read_program_sdf((peer_outputs / "1uw6_gnina_dock_default1.0.sdf").read_text())
    poses = [
        Pose(rank=i, affinity=p.affinity, molblock=Chem.MolToMolBlock(p.mol), scores=p.scores)
        for i, p in enumerate(found, start=1)
    ]
    return poses[::-1]


def test_poses_rank_by_cnnscore_as_gnina_ranked_them(gnina_poses: list[Pose]) -> None:
    ranked = rank_poses(gnina_poses, "CNNscore", 9)
    assert [p.rank for p in ranked] == list(range(1, 10))  # gnina's own order, restored


def test_energy_and_cnnaffinity_orders(gnina_poses: list[Pose]) -> None:
    by_energy = rank_poses(gnina_poses, "Energy", 9)
    assert [p.affinity for p in by_energy] == sorted(p.affinity for p in gnina_poses)
    by_affinity = rank_poses(gnina_poses, "CNNaffinity", 3)
    values = sorted((p.scores["CNNaffinity"] for p in gnina_poses), reverse=True)
    assert [p.scores["CNNaffinity"] for p in by_affinity] == values[:3]


def test_near_duplicates_are_dropped_and_the_count_is_kept(gnina_poses: list[Pose]) -> None:
    best = max(gnina_poses, key=lambda p: p.scores["CNNscore"])
    twin = Pose(rank=99, affinity=best.affinity, molblock=best.molblock, scores=dict(best.scores))
    twin.scores["CNNscore"] -= 1e-6
    ranked = rank_poses([*gnina_poses, twin], "CNNscore", 20)
    assert twin not in ranked and len(ranked) == 9
    assert len(rank_poses(gnina_poses, "CNNscore", 4)) == 4


def test_cnn_options_are_normalized_or_refused() -> None:
    assert check_cnn_options("default", "Rescore", "energy") == ("rescore", "Energy")
    assert check_cnn_options(["dense", "dense_1"], "none", "CNNaffinity") == (
        "none",
        "CNNaffinity",
    )
    with pytest.raises(ValidationError, match="unknown CNN model 'fancy'"):
        check_cnn_options("fancy", "rescore", "CNNscore")


def test_requests_pass_only_the_options_they_set(tmp_path: Path) -> None:
    common = {"receptor": tmp_path / "r.pdb", "smiles": ["CCO"], "whole_receptor": True}
    assert DockRequest(**common).engine_options() == {}  # type: ignore[arg-type]
    gnina = DockRequest(
        **common,  # type: ignore[arg-type]
        engine="gnina",
        backend="builtin",
        cnn="dense",
        cnn_scoring="none",
        pose_sort_order="Energy",
        custom_scoring=tmp_path / "terms.txt",
    )
    assert gnina.engine_options() == {
        "backend": "builtin",
        "cnn": "dense",
        "cnn_scoring": "none",
        "pose_sort_order": "Energy",
        "custom_scoring": str(tmp_path / "terms.txt"),
    }
    assert DockRequest(**common, engine="vina", backend="builtin").engine_options() == {}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"engine": "vina", "cnn": "dense"}, "cnn: only for --engine gnina"),
        ({"engine": "smina", "pose_sort_order": "Energy"}, "only for --engine gnina"),
        ({"engine": "vina", "custom_scoring": "t.txt"}, "only for --engine smina or gnina"),
        ({"engine": "vina", "backend": "program"}, "vina has one backend"),
    ],
)
def test_requests_refuse_options_of_another_engine(
    tmp_path: Path, extra: dict[str, str], message: str
) -> None:
    from pydantic import ValidationError as PydanticError

    with pytest.raises(PydanticError, match=message):
        DockRequest(receptor=tmp_path / "r.pdb", smiles=["CCO"], whole_receptor=True, **extra)  # type: ignore[arg-type]
