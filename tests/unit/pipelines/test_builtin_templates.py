"""The shipped pipeline templates load, pass the planner, and consensus ranking."""

from __future__ import annotations

import pytest

from madlab.errors import NotFoundError
from madlab.pipelines.planner import check_graph, stages, sweep_points
from madlab.pipelines.results import Hit, consensus
from madlab.pipelines.templates import builtin_template, builtin_templates


def test_every_builtin_template_is_a_valid_pipeline() -> None:
    templates = builtin_templates()
    assert set(templates) == {
        "dock_one_ligand",
        "screen_library",
        "redocking_benchmark",
        "consensus_vina_gnina",
    }
    for spec in templates.values():
        check_graph(spec)
    assert stages(templates["consensus_vina_gnina"]) == [["vina", "gnina"]]
    assert templates["screen_library"].steps[0].foreach is not None
    assert len(sweep_points(templates["redocking_benchmark"].sweep)) == 3
    assert builtin_template("dock_one_ligand").name == "Dock one ligand"
    with pytest.raises(NotFoundError, match="screen_library"):
        builtin_template("nope")


def hit(ligand: str, engine: str, affinity: float) -> Hit:
    return Hit(0, "j", ligand, "C", "r.pdb", affinity, 0.0, 1, 16.0, 0.0, 0, 0, 0, "", engine)


def test_consensus_ranks_by_every_engine() -> None:
    hits = [
        hit("a", "vina", -9.0),
        hit("b", "vina", -7.0),
        hit("c", "vina", -8.0),
        hit("a", "gnina", -6.0),
        hit("b", "gnina", -8.0),
        hit("c", "gnina", -9.0),
        hit("d", "gnina", -12.0),  # only one engine: left out
        hit("a", "vina", -8.5),  # a worse pose of the same ligand
    ]
    rows = consensus(hits)
    assert [r["ligand"] for r in rows] == ["c", "a", "b"]
    assert rows[0] == {
        "ligand": "c",
        "gnina_affinity": -9.0,
        "gnina_rank": 1,
        "vina_affinity": -8.0,
        "vina_rank": 2,
        "mean_rank": 1.5,
    }
    assert consensus([]) == []
