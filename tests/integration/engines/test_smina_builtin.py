"""Smina built in on the Vina core: smina's scores on crystal poses, ranking, modes, terms."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rdkit import Chem

from madlab.domain import Box, DockingParameters, DockMode, LigandResult, PreparedReceptor
from madlab.engines.smina import SminaEngine
from madlab.engines.smina_builtin import SminaBuiltin
from madlab.engines.smina_scoring import VINA_TERMS
from madlab.errors import ValidationError
from madlab.molecules.ligand import prepare_ligand
from madlab.molecules.receptor import prepare_receptor
from madlab.molecules.rmsd import heavy_atom_rmsd
from tests.unit.engines import helpers

pytestmark = pytest.mark.slow

#: How close the built-in backend comes to smina's own --score_only affinity (kcal/mol).
SMINA_TOLERANCE = 0.02


def _smina_scores(peer_outputs: Path) -> dict[str, float]:
    with (peer_outputs / "crystal_pose_scores.tsv").open() as fh:
        rows = csv.DictReader(fh, delimiter="\t")
        return {
            r["complex"]: float(r["minimizedAffinity"]) for r in rows if r["program"] == "smina"
        }


def _score(engine: SminaBuiltin, complex_id: str, out: Path) -> LigandResult:
    receptor = prepare_receptor(helpers.COMPLEXES / complex_id / "receptor.pdb", out)
    crystal = helpers.crystal_ligand(complex_id)
    ligand = prepare_ligand(crystal, name=complex_id, protonation=False)
    params = DockingParameters(mode=DockMode.SCORE_ONLY, cpu=1)
    (result,) = engine.run(receptor, [ligand], helpers.site_box(complex_id), params)
    assert result.error is None, result.error
    return result


@pytest.mark.parametrize("complex_id", ["184l", "1uw6", "1iep", "6ahs", "2nnq"])
def test_score_only_gives_sminas_affinity_on_crystal_poses(
    complex_id: str, peer_outputs: Path, tmp_path: Path
) -> None:
    result = _score(SminaBuiltin(tmp_path / "cache"), complex_id, tmp_path / "rec")
    expected = _smina_scores(peer_outputs)[complex_id]
    assert result.backend == "smina-builtin" and result.engine == "smina"
    assert result.poses[0].affinity == pytest.approx(expected, abs=SMINA_TOLERANCE)
    assert result.parameters["receptor_typing"] == "program"


def test_madlabs_own_receptor_hydrogens_move_the_score(peer_outputs: Path, tmp_path: Path) -> None:
    """Why the receptor is typed as smina types it: madlab's hydrogens change 2nnq's donors."""
    engine = SminaBuiltin(tmp_path / "cache", receptor_typing="madlab")
    result = _score(engine, "2nnq", tmp_path / "rec")
    assert abs(result.poses[0].affinity - _smina_scores(peer_outputs)["2nnq"]) > 0.2
    with pytest.raises(ValidationError, match="receptor_typing"):
        SminaBuiltin(tmp_path / "cache", receptor_typing="openbabel")


def test_docking_ranks_by_sminas_affinity(
    receptor_184l: PreparedReceptor, box_184l: Box, tmp_path: Path
) -> None:
    engine = SminaEngine(tmp_path / "cache", backend="builtin")
    ligand = helpers.smiles_ligand(helpers.SMILES_184L, "isobutylbenzene")
    params = DockingParameters(exhaustiveness=2, seed=3, cpu=1, num_poses=5, energy_range=3.0)
    (result,) = engine.run(receptor_184l, [ligand], box_184l, params)
    assert result.error is None and result.backend == "smina-builtin"
    affinities = [p.affinity for p in result.poses]
    assert 1 <= len(affinities) <= 5 and affinities == sorted(affinities)
    assert affinities[-1] <= affinities[0] + 3.0
    for pose in result.poses:  # smina's affinity: intermolecular energy, torsions adjusted
        assert pose.affinity == pytest.approx(
            pose.energies["inter"] + pose.energies["torsions"], abs=1e-6
        )
        assert f"<minimizedAffinity>\n{pose.affinity:.3f}" in pose.molblock
    assert [p.rank for p in result.poses] == list(range(1, len(affinities) + 1))
    top = Chem.MolFromMolBlock(result.poses[0].molblock, removeHs=False)
    assert heavy_atom_rmsd(top, helpers.crystal_ligand()) < 2.0


@pytest.mark.parametrize("mode", [DockMode.MINIMIZE, DockMode.LOCAL_ONLY])
def test_minimize_and_local_only_report_the_rmsd_moved(
    receptor_184l: PreparedReceptor, box_184l: Box, tmp_path: Path, mode: DockMode
) -> None:
    engine = SminaBuiltin(tmp_path / "cache")
    ligand = helpers.crystal_pose_ligand()
    score = DockingParameters(mode=DockMode.SCORE_ONLY, cpu=1)
    (scored,) = engine.run(receptor_184l, [ligand], box_184l, score)
    (moved,) = engine.run(receptor_184l, [ligand], box_184l, DockingParameters(mode=mode, cpu=1))
    pose = moved.poses[0]
    assert pose.affinity <= scored.poses[0].affinity + 1e-6
    assert 0.0 < pose.scores["minimizedRMSD"] < 1.0
    assert "<minimizedRMSD>" in pose.molblock
    mol = Chem.MolFromMolBlock(pose.molblock, removeHs=False)
    assert heavy_atom_rmsd(mol, ligand.mol) <= pose.scores["minimizedRMSD"] + 1e-6
    assert "minimizedRMSD" not in scored.poses[0].scores


def test_a_custom_scoring_file_sets_the_cores_weights(
    receptor_184l: PreparedReceptor, box_184l: Box, tmp_path: Path
) -> None:
    ligand = helpers.crystal_pose_ligand()
    params = DockingParameters(mode=DockMode.SCORE_ONLY, cpu=1)
    (plain,) = SminaBuiltin(tmp_path / "cache").run(receptor_184l, [ligand], box_184l, params)
    default = tmp_path / "default.txt"
    default.write_text("".join(f"{w} {t}\n" for t, w in VINA_TERMS.items()))
    (same,) = SminaBuiltin(tmp_path / "cache", custom_scoring=default).run(
        receptor_184l, [ligand], box_184l, params
    )
    assert same.poses[0].affinity == pytest.approx(plain.poses[0].affinity, abs=2e-3)
    assert same.parameters["custom_scoring"]["scoring"] == "vina"
    # Only the first gaussian, weight -0.05, no torsional division: the score is that term alone.
    only = tmp_path / "gauss.txt"
    only.write_text("-0.05 gauss(o=0,_w=0.5,_c=8)\n")
    engine = SminaBuiltin(tmp_path / "cache", custom_scoring=only)
    (gauss,) = engine.run(receptor_184l, [ligand], box_184l, params)
    expected = plain.poses[0].energies["gauss1"] * (-0.05 / -0.035579)
    assert gauss.poses[0].affinity == pytest.approx(expected, abs=5e-3)
    # The file is read again at each run: an edit takes effect.
    only.write_text("-0.10 gauss(o=0,_w=0.5,_c=8)\n")
    (twice,) = engine.run(receptor_184l, [ligand], box_184l, params)
    assert twice.poses[0].affinity == pytest.approx(2 * gauss.poses[0].affinity, abs=5e-3)


def test_a_term_the_core_lacks_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "terms.txt"
    bad.write_text(
        "-0.035579 gauss(o=0,_w=0.5,_c=8)\n0.1 ad4_solvation(d-sigma=3.6,_s/q=0.01097,_c=8)\n"
    )
    with pytest.raises(ValidationError) as info:
        SminaEngine(tmp_path / "cache", backend="builtin", custom_scoring=bad)
    assert f"{bad}, line 2" in str(info.value) and "ad4_solvation" in str(info.value)


def test_vinardo_scores_with_its_own_function(
    receptor_184l: PreparedReceptor, box_184l: Box, tmp_path: Path
) -> None:
    from madlab.domain import ScoringFunction

    ligand = helpers.crystal_pose_ligand()
    engine = SminaBuiltin(tmp_path / "cache")
    vina_params = DockingParameters(mode=DockMode.SCORE_ONLY, cpu=1)
    vinardo = DockingParameters(mode=DockMode.SCORE_ONLY, cpu=1, scoring=ScoringFunction.VINARDO)
    (a,) = engine.run(receptor_184l, [ligand], box_184l, vina_params)
    (b,) = engine.run(receptor_184l, [ligand], box_184l, vinardo)
    assert b.parameters["scoring"] == "vinardo" and "gauss2" not in b.poses[0].energies
    assert a.poses[0].affinity != pytest.approx(b.poses[0].affinity, abs=0.05)
