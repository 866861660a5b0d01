"""Atom type tables, model names, weights and the scorer's interface."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from rdkit import Chem
from rdkit.Chem import AllChem

from madlab.engines.cnn import DEFAULT_ENSEMBLE, CnnScorer, CnnScores, available_models
from madlab.engines.cnn.atomtypes import (
    LIGAND_MAP,
    LIGAND_MAP_2017,
    RECEPTOR_MAP,
    RECEPTOR_MAP_2017,
    SminaType,
    TypedAtoms,
    adjust_type,
    type_from_ad_name,
    xs_adjust,
)
from madlab.engines.cnn.models import ModelSpec, ensembles, model_spec, resolve, single_models
from madlab.engines.cnn.networks import Default2017, Default2018, Dense
from madlab.engines.cnn.weights import load_network, weights_dir
from madlab.errors import EngineUnavailableError, ValidationError


def test_channel_maps_have_gninas_sizes() -> None:
    assert (RECEPTOR_MAP.size, LIGAND_MAP.size) == (14, 14)
    assert (RECEPTOR_MAP_2017.size, LIGAND_MAP_2017.size) == (16, 19)
    rec = RECEPTOR_MAP.lookup()
    assert rec[SminaType.HYDROGEN] == -1 and rec[SminaType.POLAR_HYDROGEN] == -1
    assert rec[SminaType.NITROGEN] == rec[SminaType.NITROGEN_XS_ACCEPTOR] == 5
    assert LIGAND_MAP.lookup()[SminaType.ZINC] == 13


def test_xscore_refinement() -> None:
    s = SminaType
    assert (
        adjust_type(s.ALIPHATIC_CARBON_XS_HYDROPHOBE, False, True)
        == s.ALIPHATIC_CARBON_XS_NON_HYDROPHOBE
    )
    assert (
        adjust_type(s.AROMATIC_CARBON_XS_NON_HYDROPHOBE, True, False)
        == s.AROMATIC_CARBON_XS_HYDROPHOBE
    )
    assert adjust_type(s.NITROGEN, True, False) == s.NITROGEN_XS_DONOR
    assert adjust_type(s.NITROGEN_XS_DONOR_ACCEPTOR, False, False) == s.NITROGEN_XS_ACCEPTOR
    assert adjust_type(s.OXYGEN_XS_DONOR, False, False) == s.OXYGEN
    assert adjust_type(s.OXYGEN_XS_ACCEPTOR, True, False) == s.OXYGEN_XS_DONOR_ACCEPTOR
    assert adjust_type(s.SULFUR, True, True) == s.SULFUR
    assert type_from_ad_name("NA") == s.NITROGEN_XS_DONOR_ACCEPTOR
    assert type_from_ad_name("Na") == s.GENERIC_METAL
    # Methanol's oxygen next to its hydrogen; the carbon is bonded to a heteroatom.
    coords = np.array([[0.0, 0, 0], [1.43, 0, 0], [1.75, 0.91, 0]])
    types = np.array([s.ALIPHATIC_CARBON_XS_HYDROPHOBE, s.OXYGEN_XS_ACCEPTOR, s.POLAR_HYDROGEN])
    assert xs_adjust(coords, types).tolist() == [
        s.ALIPHATIC_CARBON_XS_NON_HYDROPHOBE,
        s.OXYGEN_XS_DONOR_ACCEPTOR,
        s.POLAR_HYDROGEN,
    ]
    assert len(xs_adjust(np.zeros((0, 3)), np.zeros(0, dtype=int))) == 0


def test_model_names() -> None:
    assert resolve("default") == resolve("default1.0")
    assert tuple(m.name for m in resolve("default")) == DEFAULT_ENSEMBLE
    assert [m.name for m in resolve("dense_ensemble")] == [
        "dense",
        "dense_1",
        "dense_2",
        "dense_3",
        "dense_4",
    ]
    assert model_spec("default2017").channels == 35
    assert model_spec("crossdock_default2018_3").architecture == "default2018"
    assert len(single_models()) == 21 and len(ensembles()) == 6
    assert "default" in available_models()
    with pytest.raises(ValidationError, match="unknown CNN model"):
        resolve("default1.3")


@pytest.mark.parametrize("cls,channels", [(Default2017, 35), (Default2018, 28), (Dense, 28)])
def test_networks_take_gnina_grids(cls: type, channels: int) -> None:
    net = cls(channels).eval()
    with torch.no_grad():
        logits, affinity = net(torch.zeros((2, channels, 48, 48, 48)))
    assert logits.shape == (2, 2) and affinity.shape == (2,)


def test_weights_load_and_missing_weights_are_reported() -> None:
    assert (weights_dir() / "dense.pt").is_file()
    net = load_network(model_spec("redock_default2018_2"), torch.device("cpu"))
    assert net is load_network(model_spec("redock_default2018_2"), torch.device("cpu"))
    missing = ModelSpec("no_such_model", "dense", RECEPTOR_MAP, LIGAND_MAP)
    with pytest.raises(EngineUnavailableError, match="weight file"):
        load_network(missing, torch.device("cpu"))


def test_scorer_rejects_bad_arguments() -> None:
    with pytest.raises(ValidationError):
        CnnScorer("nonsense")
    with pytest.raises(ValidationError, match="batch_size"):
        CnnScorer(batch_size=0)
    with pytest.raises(ValidationError, match="at least one"):
        CnnScorer([])
    scorer = CnnScorer("crossdock_default2018", device="cpu")
    empty = TypedAtoms(np.zeros((0, 3)), np.zeros(0, dtype=int))
    with pytest.raises(ValidationError, match="not an RDKit molecule"):
        scorer.score(empty, ["CCO"])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="no coordinates"):
        scorer.score(empty, Chem.MolFromSmiles("CCO"))
    probs, affinities = scorer.score_typed(empty, [])
    assert probs.shape == (0, 1) and affinities.shape == (0, 1)


def test_single_model_scores_a_pose_without_variance() -> None:
    mol = Chem.AddHs(Chem.MolFromSmiles("c1ccccc1O"))
    AllChem.EmbedMolecule(mol, randomSeed=3)
    receptor = TypedAtoms(np.array([[3.5, 0.0, 0.0]]), np.array([SminaType.OXYGEN_XS_ACCEPTOR]))
    [scores] = CnnScorer("redock_default2018", device="cpu").score(receptor, [mol])
    assert isinstance(scores, CnnScores)
    assert 0.0 <= scores.cnn_score <= 1.0
    assert scores.cnn_affinity_variance is None
    assert scores.cnn_vs == pytest.approx(scores.cnn_score * scores.cnn_affinity)


def test_importing_the_package_does_not_import_torch() -> None:
    code = (
        "import sys, madlab.engines.cnn as c; c.available_models(); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    with pytest.raises(AttributeError):
        import madlab.engines.cnn as cnn

        cnn.no_such_thing  # noqa: B018


def test_cuda_scoring_turns_tf32_off_and_restores_it() -> None:
    from madlab.engines.cnn.scorer import _full_fp32

    conv, matmul = torch.backends.cudnn.conv, torch.backends.cuda.matmul
    before = (conv.fp32_precision, matmul.fp32_precision)
    with _full_fp32(torch.device("cuda")):
        assert (conv.fp32_precision, matmul.fp32_precision) == ("ieee", "ieee")
    assert (conv.fp32_precision, matmul.fp32_precision) == before
    with pytest.raises(RuntimeError), _full_fp32(torch.device("cuda")):
        raise RuntimeError
    assert (conv.fp32_precision, matmul.fp32_precision) == before
    with _full_fp32(torch.device("cpu")):
        assert (conv.fp32_precision, matmul.fp32_precision) == before
