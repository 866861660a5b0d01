"""Grids and scores equal libmolgrid's and gninatorch's for the same typed atoms.

madlab's scorer draws its own grids and runs its own networks; this test gives
the same typed atoms to libmolgrid (grid maker, type maps, coordinate merge and
centre) and to gninatorch (network code and weight loading), in the reference
environment ``.venv-molgrid`` made by ``make reference-env``, and compares.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem

from madlab.engines.cnn import CnnScorer
from madlab.engines.cnn.atomtypes import (
    LIGAND_MAP,
    LIGAND_MAP_2017,
    RECEPTOR_MAP,
    RECEPTOR_MAP_2017,
    ChannelMap,
)
from madlab.engines.cnn.featurize import ligand_center, pose_grid
from madlab.engines.cnn.ligand import type_ligand
from madlab.engines.cnn.receptor import load_receptor
from tests.conftest import REPO_ROOT

REFERENCE_PYTHON = Path(
    os.environ.get("MADLAB_MOLGRID_PYTHON", REPO_ROOT / ".venv-molgrid" / "bin" / "python")
)
SCRIPT = Path(__file__).with_name("molgrid_reference.py")
MODELS_2018 = (
    "dense",
    "general_default2018_3",
    "dense_3",
    "crossdock_default2018",
    "redock_default2018_2",
)
TOL = 1e-4

pytestmark = pytest.mark.skipif(
    not REFERENCE_PYTHON.exists(),
    reason=f"reference environment missing at {REFERENCE_PYTHON}: run `make reference-env`",
)


def _map_text(m: ChannelMap) -> str:
    return "\n".join(" ".join(row) for row in m.channels) + "\n"


def _run_reference(tmp_path: Path, receptor, ligands, keep_grids: bool) -> dict:
    arrays = {"rec_coords": receptor.coords, "rec_types": receptor.types}
    for i, lig in enumerate(ligands):
        arrays[f"lig_coords_{i}"] = lig.coords
        arrays[f"lig_types_{i}"] = lig.types
    spec = {
        "n_poses": len(ligands),
        "families": {
            "2018": {
                "receptor_map": _map_text(RECEPTOR_MAP),
                "ligand_map": _map_text(LIGAND_MAP),
                "models": list(MODELS_2018),
                "keep_grids": keep_grids,
            },
            "2017": {
                "receptor_map": _map_text(RECEPTOR_MAP_2017),
                "ligand_map": _map_text(LIGAND_MAP_2017),
                "models": ["default2017"],
                "keep_grids": keep_grids,
            },
        },
    }
    src, dst = tmp_path / "in.npz", tmp_path / "out.npz"
    np.savez(src, spec=json.dumps(spec), **arrays)
    proc = subprocess.run(
        [str(REFERENCE_PYTHON), str(SCRIPT), str(src), str(dst)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict(np.load(dst))


@pytest.mark.parametrize("name", ["1iep", "6ahs"])
def test_grids_equal_libmolgrid(name: str, complexes: Path, tmp_path: Path) -> None:
    receptor = load_receptor(complexes / name / "receptor.pdb")
    ligand = type_ligand(Chem.MolFromMolFile(str(complexes / name / "ligand.sdf"), removeHs=False))
    ref = _run_reference(tmp_path, receptor, [ligand], keep_grids=True)
    for family, rmap, lmap in (
        ("2018", RECEPTOR_MAP, LIGAND_MAP),
        ("2017", RECEPTOR_MAP_2017, LIGAND_MAP_2017),
    ):
        ours = pose_grid(receptor, ligand, rmap, lmap).numpy()
        theirs = ref[f"grids_{family}"][0]
        assert ours.shape == theirs.shape
        assert np.abs(ours - theirs).max() < TOL
        assert float(theirs.sum()) > 100.0  # a real, non-empty grid
        np.testing.assert_allclose(ligand_center(ligand), ref[f"centers_{family}"][0], atol=1e-5)


def test_scores_equal_gninatorch(complexes: Path, peer_outputs: Path, tmp_path: Path) -> None:
    scorer = CnnScorer([*MODELS_2018, "default2017"], device="cpu")
    for name in ("184l", "1uw6", "2nnq"):
        receptor = load_receptor(complexes / name / "receptor.pdb")
        mols = [Chem.MolFromMolFile(str(complexes / name / "ligand.sdf"), removeHs=False)]
        if name == "1uw6":
            docked = peer_outputs / "1uw6_gnina_dock_default1.0.sdf"
            mols += [m for m in Chem.SDMolSupplier(str(docked), removeHs=False)][:3]
        ligands = [type_ligand(m) for m in mols]
        probs, affinities = scorer.score_typed(receptor, ligands)
        ref = _run_reference(tmp_path, receptor, ligands, keep_grids=False)
        for k, model in enumerate([*MODELS_2018, "default2017"]):
            np.testing.assert_allclose(probs[:, k], ref[f"score_{model}"], atol=TOL)
            np.testing.assert_allclose(affinities[:, k], ref[f"affinity_{model}"], atol=TOL)
