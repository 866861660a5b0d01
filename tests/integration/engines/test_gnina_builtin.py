"""Gnina built in: the program's CNN scores on its own poses, and its docking pipeline on 184l."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdkit import Chem

from madlab.domain import Box, DockingParameters, DockMode, PreparedReceptor
from madlab.engines.cnn import CnnScorer
from madlab.engines.gnina import GninaEngine
from madlab.engines.gnina_builtin import GninaBuiltin
from madlab.engines.program_sdf import read_program_sdf
from madlab.molecules.box import box_from_ligand
from madlab.molecules.ligand import prepare_ligand
from madlab.molecules.receptor import prepare_receptor
from madlab.molecules.rmsd import heavy_atom_rmsd
from tests.unit.engines import helpers

pytestmark = pytest.mark.slow

CNN_TAGS = ("CNNscore", "CNNaffinity", "CNN_VS", "CNNaffinity_variance")


@pytest.fixture(scope="module")
def gnina(tmp_path_factory: pytest.TempPathFactory) -> GninaBuiltin:
    """One built-in gnina on the CPU (networks loaded once for the module)."""
    return GninaBuiltin(tmp_path_factory.mktemp("cache"), device="cpu")


@pytest.mark.parametrize("complex_id", ["184l", "1uw6"])
def test_score_only_on_gninas_poses_gives_gninas_scores(
    gnina: GninaBuiltin, peer_outputs: Path, tmp_path: Path, complex_id: str
) -> None:
    path = peer_outputs / f"{complex_id}_gnina_dock_default1.0.sdf"
    recorded = read_program_sdf(path.read_text(), str(path))
    receptor = prepare_receptor(helpers.COMPLEXES / complex_id / "receptor.pdb", tmp_path)
    ligands = [
        prepare_ligand(p.mol, name=f"pose{i}", protonation=False)
        for i, p in enumerate(recorded, start=1)
    ]
    params = DockingParameters(mode=DockMode.SCORE_ONLY, cpu=1)
    box = box_from_ligand(path)  # around every pose (gnina extends its box to fit them)
    results = list(gnina.run(receptor, ligands, box, params))
    assert [r.backend for r in results] == ["gnina-builtin"] * len(recorded)
    for result, program in zip(results, recorded, strict=True):
        pose = result.poses[0]
        for tag in CNN_TAGS:
            # CNN_VS is the product of two scores each within 1e-4 of gnina's
            tolerance = 1e-3 if tag == "CNN_VS" else 1e-4
            assert pose.scores[tag] == pytest.approx(program.scores[tag], abs=tolerance), tag
            assert f"<{tag}>" in pose.molblock
        # the empirical part, on the receptor typed as gnina types it
        assert pose.affinity == pytest.approx(program.affinity, abs=0.05)
        assert result.timings["cnn"] > 0 and result.parameters["cnn"] == "default"


def test_the_cnn_must_see_the_users_receptor_file(
    gnina: GninaBuiltin, peer_outputs: Path, tmp_path: Path
) -> None:
    """Madlab's rebuilt hydrogens change the CNN's input on 2nnq; the user's file gives gnina's."""
    import csv

    with (peer_outputs / "crystal_pose_scores.tsv").open() as fh:
        (program,) = [
            r
            for r in csv.DictReader(fh, delimiter="\t")
            if r["complex"] == "2nnq" and r["model"] == "default1.0"
        ]
    receptor = prepare_receptor(helpers.COMPLEXES / "2nnq" / "receptor.pdb", tmp_path)
    crystal = helpers.crystal_ligand("2nnq")
    scorer = CnnScorer("default", device="cpu")
    (rebuilt,) = scorer.score(receptor.pdb_path, [crystal])
    assert abs(rebuilt.cnn_score - float(program["CNNscore"])) > 0.01
    ligand = prepare_ligand(crystal, name="2nnq", protonation=False)
    params = DockingParameters(mode=DockMode.SCORE_ONLY, cpu=1)
    (result,) = gnina.run(receptor, [ligand], helpers.site_box("2nnq"), params)
    pose = result.poses[0]
    assert pose.scores["CNNscore"] == pytest.approx(float(program["CNNscore"]), abs=1e-4)
    assert pose.scores["CNNaffinity"] == pytest.approx(float(program["CNNaffinity"]), abs=1e-4)
    assert pose.affinity == pytest.approx(float(program["minimizedAffinity"]), abs=0.02)


def test_docking_ranks_by_cnnscore_with_every_tag(
    gnina: GninaBuiltin, receptor_184l: PreparedReceptor, box_184l: Box
) -> None:
    ligand = helpers.smiles_ligand(helpers.SMILES_184L, "isobutylbenzene")
    params = DockingParameters(exhaustiveness=2, seed=5, cpu=1, num_poses=5)
    (result,) = gnina.run(receptor_184l, [ligand], box_184l, params)
    assert result.error is None and result.backend == "gnina-builtin" and result.engine == "gnina"
    scores = [p.scores["CNNscore"] for p in result.poses]
    assert 1 <= len(scores) <= 5 and scores == sorted(scores, reverse=True)
    for pose in result.poses:
        assert set(CNN_TAGS) <= set(pose.scores)
        assert pose.scores["CNN_VS"] == pytest.approx(
            pose.scores["CNNscore"] * pose.scores["CNNaffinity"], rel=1e-6
        )
        assert "<CNNaffinity_variance>" in pose.molblock and "<minimizedAffinity>" in pose.molblock
    assert [p.rank for p in result.poses] == list(range(1, len(scores) + 1))
    assert result.timings["search"] > 0 and result.timings["cnn"] > 0
    assert result.seconds == pytest.approx(result.timings["search"] + result.timings["cnn"])
    assert result.parameters["num_mc_saved"] == 50
    assert result.parameters["pose_sort_order"] == "CNNscore"
    assert result.parameters["cnn_receptor"] == str(receptor_184l.source_path)
    top = Chem.MolFromMolBlock(result.poses[0].molblock, removeHs=False)
    assert heavy_atom_rmsd(top, helpers.crystal_ligand()) < 2.0


def test_without_cnn_scoring_poses_rank_by_energy_and_carry_no_cnn_tag(
    receptor_184l: PreparedReceptor, box_184l: Box, tmp_path: Path
) -> None:
    engine = GninaEngine(tmp_path / "cache", backend="builtin", cnn_scoring="none")
    ligand = helpers.smiles_ligand(helpers.SMILES_184L, "isobutylbenzene")
    (result,) = engine.run(
        receptor_184l, [ligand], box_184l, DockingParameters(exhaustiveness=2, cpu=1, num_poses=4)
    )
    affinities = [p.affinity for p in result.poses]
    assert affinities == sorted(affinities) and len(affinities) == 4
    assert all(p.scores == {} and "<CNNscore>" not in p.molblock for p in result.poses)
    assert "cnn" not in result.timings and "cnn_receptor" not in result.parameters


def test_a_single_model_has_no_affinity_variance_and_energy_order_is_kept(
    receptor_184l: PreparedReceptor, box_184l: Box, tmp_path: Path
) -> None:
    engine = GninaEngine(
        tmp_path / "cache", backend="builtin", cnn="redock_default2018", pose_sort_order="Energy"
    )
    ligand = helpers.smiles_ligand(helpers.SMILES_184L, "isobutylbenzene")
    params = DockingParameters(exhaustiveness=2, cpu=1, num_poses=3)
    (result,) = engine.run(receptor_184l, [ligand], box_184l, params)
    assert [p.affinity for p in result.poses] == sorted(p.affinity for p in result.poses)
    assert all("CNNaffinity_variance" not in p.scores for p in result.poses)
    assert all(0 <= p.scores["CNNscore"] <= 1 for p in result.poses)


def test_minimize_scores_the_minimized_pose(
    gnina: GninaBuiltin, receptor_184l: PreparedReceptor, box_184l: Box, peer_outputs: Path
) -> None:
    path = peer_outputs / "184l_gnina_minimize_default1.0.sdf"
    (program,) = read_program_sdf(path.read_text(), str(path))
    ligand = helpers.crystal_pose_ligand()
    (result,) = gnina.run(
        receptor_184l, [ligand], box_184l, DockingParameters(mode=DockMode.MINIMIZE, cpu=1)
    )
    pose = result.poses[0]
    # gnina's own minimization of this pose, for scale (not the same minimizer)
    assert pose.affinity == pytest.approx(program.affinity, abs=0.5)
    assert 0 < pose.scores["minimizedRMSD"] < 1.0
    assert pose.scores["CNNscore"] == pytest.approx(program.scores["CNNscore"], abs=0.1)


def test_the_cnn_sees_a_kept_cofactor_as_the_users_file_has_it(
    gnina: GninaBuiltin, tmp_path: Path
) -> None:
    """2h7l's NAD (ATOM records by the ligand) is in the grid, as gnina given the file sees it."""
    from madlab.tasks.builtin.redock_benchmark import prepare_complex

    item = prepare_complex(helpers.COMPLEXES / "2h7l", tmp_path, keep_hetero="auto")
    assert [h.split(":")[1] for h in item.receptor.kept_hetero] == ["NAD"]
    ligand = prepare_ligand(item.crystal, name="2h7l", protonation=False)
    params = DockingParameters(mode=DockMode.SCORE_ONLY, cpu=1)
    (result,) = gnina.run(item.receptor, [ligand], item.box, params)
    seen = Path(result.parameters["cnn_receptor"])
    assert seen == helpers.COMPLEXES / "2h7l" / "receptor.pdb"  # nothing removed: the file itself
    without = tmp_path / "no_nad.pdb"
    without.write_text(
        "".join(line for line in seen.open() if line[17:20] != "NAD" or "ATOM" not in line[:6])
    )
    scorer = CnnScorer("default", device="cpu")
    (as_file,) = scorer.score(seen, [item.crystal])
    (no_cofactor,) = scorer.score(without, [item.crystal])
    cnn = result.poses[0].scores["CNNscore"]
    # the pose goes through the engine's PDBQT round trip (coordinates to 1e-3 Å)
    assert cnn == pytest.approx(as_file.cnn_score, abs=1e-3)
    assert abs(cnn - no_cofactor.cnn_score) > 0.05, no_cofactor  # the cofactor is in view
