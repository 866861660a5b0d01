"""The built-in CNN scorer gives the gnina program's numbers.

References: ``../shared/data/peer-outputs`` — the gnina program's ``--score_only``
results on five crystal poses (printed to 5 decimals) and its own docked and
minimized poses with their CNN tags (coordinates printed to 4 decimals).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from rdkit import Chem

from madlab.engines.cnn import CnnScorer
from madlab.engines.cnn.models import DEFAULT_ENSEMBLE
from tests.integration.cnn.conftest import CRYSTAL, complex_files

# The program prints 5 decimals: half a unit of rounding plus float noise.
CRYSTAL_TOL = 1e-5
# Docked coordinates are printed with 4 decimals, which moves scores by ~1e-5.
DOCKED_TOL = 5e-5
SINGLE_MODELS = (
    "crossdock_default2018",
    "dense",
    "general_default2018",
    "redock_default2018",
    "default2017",
)


def _ligand(path: Path) -> Chem.Mol:
    mol = Chem.MolFromMolFile(str(path), removeHs=False)
    assert mol is not None
    return mol


@pytest.fixture(scope="module")
def default_scorer() -> CnnScorer:
    return CnnScorer("default", device="cpu")


@pytest.mark.parametrize("name", CRYSTAL)
def test_default_ensemble_matches_program_on_crystal_pose(
    name: str, complexes: Path, program_crystal_scores: dict, default_scorer: CnnScorer
) -> None:
    receptor, ligand = complex_files(complexes, name)
    [scores] = default_scorer.score(receptor, [_ligand(ligand)])
    ref = program_crystal_scores[(name, "default1.0")]
    assert scores.cnn_score == pytest.approx(ref["CNNscore"], abs=CRYSTAL_TOL)
    assert scores.cnn_affinity == pytest.approx(ref["CNNaffinity"], abs=CRYSTAL_TOL)
    assert scores.cnn_affinity_variance == pytest.approx(ref["CNNvariance"], abs=CRYSTAL_TOL)
    assert scores.cnn_vs == pytest.approx(scores.cnn_score * scores.cnn_affinity)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU")
def test_gpu_scores_match_program(
    complexes: Path, peer_outputs: Path, program_crystal_scores: dict
) -> None:
    scorer = CnnScorer("default", device="cuda")
    for name in CRYSTAL:
        receptor, ligand = complex_files(complexes, name)
        [scores] = scorer.score(receptor, [_ligand(ligand)])
        ref = program_crystal_scores[(name, "default1.0")]
        assert scores.cnn_score == pytest.approx(ref["CNNscore"], abs=CRYSTAL_TOL)
        assert scores.cnn_affinity == pytest.approx(ref["CNNaffinity"], abs=CRYSTAL_TOL)
    poses = _tagged(peer_outputs / "1uw6_gnina_dock_default1.0.sdf")
    results = scorer.score(complexes / "1uw6" / "receptor.pdb", poses)
    for pose, res in zip(poses, results, strict=True):
        assert res.cnn_score == pytest.approx(float(pose.GetProp("CNNscore")), abs=DOCKED_TOL)


def test_single_models_match_program_on_crystal_poses(
    complexes: Path, program_crystal_scores: dict
) -> None:
    scorer = CnnScorer(list(SINGLE_MODELS), device="cpu")
    for name in CRYSTAL:
        receptor, ligand = complex_files(complexes, name)
        probs, affinities = scorer.member_outputs(receptor, [_ligand(ligand)])
        for k, model in enumerate(SINGLE_MODELS):
            ref = program_crystal_scores[(name, model)]
            assert probs[0, k] == pytest.approx(ref["CNNscore"], abs=CRYSTAL_TOL), (name, model)
            assert affinities[0, k] == pytest.approx(ref["CNNaffinity"], abs=CRYSTAL_TOL), (
                name,
                model,
            )


def _tagged(path: Path) -> list[Chem.Mol]:
    mols = [m for m in Chem.SDMolSupplier(str(path), removeHs=False) if m is not None]
    assert mols
    return mols


@pytest.fixture(scope="module")
def docked(complexes: Path, peer_outputs: Path, default_scorer: CnnScorer) -> dict:
    """The program's docked and minimized poses with our scores, by (complex, run)."""
    out = {}
    for name in ("184l", "1uw6"):
        for run in ("dock", "minimize"):
            poses = _tagged(peer_outputs / f"{name}_gnina_{run}_default1.0.sdf")
            out[(name, run)] = (
                poses,
                default_scorer.score(complexes / name / "receptor.pdb", poses),
            )
    return out


@pytest.mark.parametrize("name", ["184l", "1uw6"])
@pytest.mark.parametrize("run", ["dock", "minimize"])
def test_default_ensemble_matches_program_on_its_own_poses(
    name: str, run: str, docked: dict
) -> None:
    poses, results = docked[(name, run)]
    for pose, res in zip(poses, results, strict=True):
        assert res.cnn_score == pytest.approx(float(pose.GetProp("CNNscore")), abs=DOCKED_TOL)
        assert res.cnn_affinity == pytest.approx(float(pose.GetProp("CNNaffinity")), abs=DOCKED_TOL)
        assert res.cnn_affinity_variance == pytest.approx(
            float(pose.GetProp("CNNaffinity_variance")), abs=DOCKED_TOL
        )
        assert res.cnn_vs == pytest.approx(float(pose.GetProp("CNN_VS")), abs=4 * DOCKED_TOL)


@pytest.mark.parametrize("name", ["184l", "1uw6"])
def test_docked_poses_keep_the_program_ranking(name: str, docked: dict) -> None:
    _, results = docked[(name, "dock")]
    # The program wrote its poses sorted by CNNscore.
    assert list(np.argsort([-r.cnn_score for r in results])) == list(range(len(results)))


def test_batched_scores_equal_one_by_one(complexes: Path, peer_outputs: Path) -> None:
    poses = _tagged(peer_outputs / "1uw6_gnina_dock_default1.0.sdf")[:3]
    receptor = complexes / "1uw6" / "receptor.pdb"
    batched = CnnScorer("default", device="cpu", batch_size=16).score(receptor, poses)
    single = CnnScorer("default", device="cpu", batch_size=1)
    one_by_one = [single.score(receptor, [p])[0] for p in poses]
    for a, b in zip(batched, one_by_one, strict=True):
        assert a.cnn_score == pytest.approx(b.cnn_score, abs=1e-6)
        assert a.cnn_affinity == pytest.approx(b.cnn_affinity, abs=1e-5)
        assert a.cnn_affinity_variance == pytest.approx(b.cnn_affinity_variance, abs=1e-5)


def test_conformers_of_one_molecule_are_scored_as_poses(
    complexes: Path, peer_outputs: Path, default_scorer: CnnScorer
) -> None:
    poses = _tagged(peer_outputs / "184l_gnina_dock_default1.0.sdf")[:3]
    merged = Chem.Mol(poses[0])
    for pose in poses[1:]:
        merged.AddConformer(pose.GetConformer(), assignId=True)
    receptor = complexes / "184l" / "receptor.pdb"
    by_conformer = default_scorer.score(receptor, merged)
    by_molecule = default_scorer.score(receptor, poses)
    assert [r.cnn_score for r in by_conformer] == pytest.approx(
        [r.cnn_score for r in by_molecule], abs=1e-6
    )
    assert len(DEFAULT_ENSEMBLE) == 5
