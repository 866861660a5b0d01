"""The 3D viewer's scene and renderers, the results table and the 2D depictions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest

from madlab.errors import ValidationError
from madlab.molecules.interactions import detect_interactions
from madlab.widgets.file_manager import first_molecule, preview_svg
from madlab.widgets.results_viewer import (
    depict_svg,
    download_link,
    interactions_html,
    pose_rows,
)
from madlab.widgets.viewer3d import INTERACTION_COLOURS, MolecularViewer3D, choose_backend


def _record(path: Path) -> str:
    return path.read_text().split("$$$$")[0] + "$$$$\n"


def _results(complexes: Path) -> list[dict[str, Any]]:
    """Results shaped as the API returns them, with crystal ligands as poses."""
    imatinib = _record(complexes / "1iep" / "ligand.sdf")
    benzene = _record(complexes / "184l" / "ligand.sdf")
    return [
        {
            "id": 7,
            "ligand": "benzene-like",
            "smiles": "",
            "binding_affinity": -4.1,
            "error": None,
            "poses": [
                {"rank": 2, "affinity": -3.9, "molblock": benzene, "rmsd": None, "scores": {}},
                {"rank": 1, "affinity": -4.1, "molblock": benzene, "rmsd": 0.42, "scores": {}},
            ],
        },
        {"id": 9, "ligand": "broken", "binding_affinity": None, "error": "no atoms", "poses": []},
        {
            "id": 8,
            "ligand": "imatinib",
            "binding_affinity": -12.3,
            "poses": [
                {
                    "rank": 1,
                    "affinity": -12.3,
                    "molblock": imatinib,
                    "rmsd": 0.8,
                    "scores": {"CNNscore": 0.91, "CNNaffinity": 8.2},
                }
            ],
        },
    ]


def test_poses_are_ranked_best_ligand_first_then_by_rank(complexes: Path) -> None:
    rows = pose_rows(_results(complexes))
    assert [(r.ligand, r.rank) for r in rows] == [
        ("imatinib", 1),
        ("benzene-like", 1),
        ("benzene-like", 2),
    ]
    best = rows[0]
    assert best.cnn_score == 0.91 and best.cnn_affinity == 8.2 and best.rmsd == 0.8
    assert "CNNscore 0.910" in best.label and "-12.30 kcal/mol" in best.label
    assert rows[2].rmsd is None and "RMSD" not in rows[2].label
    assert "RMSD 0.42 Å" in rows[1].label


def test_depictions_are_svg_drawings_of_the_ligand(complexes: Path) -> None:
    imatinib = _record(complexes / "1iep" / "ligand.sdf")
    svg = depict_svg(imatinib)
    assert svg.startswith("<?xml") and "<svg" in svg and svg.count("<path") > 30
    with pytest.raises(ValidationError, match="2D depiction"):
        depict_svg("not a molblock")
    assert preview_svg("c1ccccc1O phenol\n", "smiles").count("<path") > 5
    assert preview_svg(imatinib, "sdf").startswith("<?xml")
    assert preview_svg("ATOM ...", "pdb") == "" and first_molecule("", "mol2") is None


def test_download_link_carries_the_pose() -> None:
    link = download_link("pose\n$$$$\n", "imatinib_pose1.sdf")
    assert 'download="imatinib_pose1.sdf"' in link and "base64,cG9zZQokJCQkCg==" in link


@pytest.mark.parametrize("backend", ["py3dmol", "nglview"])
def test_a_pose_in_its_pocket_is_drawn_by_either_renderer(complexes: Path, backend: str) -> None:
    receptor = (complexes / "1iep" / "receptor.pdb").read_text()
    pose = _record(complexes / "1iep" / "ligand.sdf")
    found = detect_interactions(receptor, pose)
    viewer = MolecularViewer3D(backend=backend)
    viewer.add_receptor(receptor)
    viewer.add_ligand(pose, "imatinib")
    viewer.add_labels([("THR 315 A", (1.0, 2.0, 3.0))])
    viewer.add_interactions(found)
    kinds = [item.kind for item in viewer.scene]
    assert kinds[:3] == ["receptor", "ligand", "label"] and kinds.count("line") == len(found)
    hbond = next(i for i in viewer.scene if i.text == "hydrogen_bond")
    assert hbond.colour == INTERACTION_COLOURS["hydrogen_bond"]
    view = viewer.render()
    assert view is viewer.view
    if backend == "nglview":
        assert viewer.children == (view,) and isinstance(view, widgets.DOMWidget)
        # receptor, pose, then one shape with the labels and interaction lines
        assert len(view._ngl_component_ids) == 3
    else:
        assert viewer.children == (viewer.output,)
        assert "addCylinder" in view.startjs and "addLabel" in view.startjs
    viewer.clear()
    assert viewer.scene == [] and "<table>" in interactions_html(found)
    assert "no interaction" in interactions_html([])


def test_the_renderer_falls_back_or_is_refused_by_name() -> None:
    assert choose_backend("auto") in ("nglview", "py3dmol")
    assert choose_backend("py3dmol") == "py3dmol"
    with pytest.raises(ValidationError, match="unknown 3D viewer"):
        choose_backend("pymol")
