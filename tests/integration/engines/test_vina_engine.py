"""Real docking with the Vina engine on T4 lysozyme L99A (184l) and its 10-atom ligand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem
from vina import Vina

from madlab.domain import (
    Box,
    DockingParameters,
    DockMode,
    LigandResult,
    PreparedLigand,
    PreparedReceptor,
    ScoringFunction,
)
from madlab.engines.vina import VinaEngine
from madlab.errors import EngineError, EngineUnavailableError
from madlab.molecules.pdbqt import ligand_to_pdbqt
from madlab.molecules.rmsd import heavy_atom_rmsd
from tests.unit.engines import helpers

pytestmark = pytest.mark.slow

FAST = DockingParameters(exhaustiveness=4, cpu=1, num_poses=5)


def _mol(result: LigandResult, rank: int = 1) -> Chem.Mol:
    """The pose's SDF record read back, tags included."""
    supplier = Chem.SDMolSupplier()
    supplier.SetData(result.poses[rank - 1].molblock, removeHs=False)
    (mol,) = list(supplier)
    assert mol is not None
    return mol


def _run(
    engine: VinaEngine,
    receptor: PreparedReceptor,
    ligands: list[PreparedLigand],
    box: Box,
    params: DockingParameters = FAST,
) -> list[LigandResult]:
    return list(engine.run(receptor, ligands, box, params))


def test_redocking_184l_finds_the_crystal_pose(
    tmp_path: Path, receptor_184l: PreparedReceptor, box_184l: Box
) -> None:
    ligand = helpers.smiles_ligand(helpers.SMILES_184L, "isobutylbenzene")  # chemistry only
    params = DockingParameters(exhaustiveness=8, cpu=1)
    (result,) = _run(VinaEngine(tmp_path), receptor_184l, [ligand], box_184l, params)
    assert result.error is None
    assert 1 <= len(result.poses) <= 9
    assert [p.rank for p in result.poses] == list(range(1, len(result.poses) + 1))
    affinities = [p.affinity for p in result.poses]
    assert affinities == sorted(affinities) and affinities[0] < -5.0
    top = _mol(result)
    assert heavy_atom_rmsd(top, helpers.crystal_ligand()) < 2.0
    # SDF out keeps bond orders and every hydrogen of the input
    assert Chem.MolToSmiles(Chem.RemoveHs(top)) == ligand.smiles
    assert top.GetNumAtoms() == ligand.mol.GetNumAtoms()
    # provenance and scores, as tags and as fields
    assert float(top.GetProp("minimizedAffinity")) == pytest.approx(affinities[0], abs=1e-3)
    assert top.GetProp("madlab_engine") == "vina" and top.GetProp("madlab_backend") == "vina-python"
    assert top.GetProp("madlab_engine_version") == result.engine_version == "1.2.7"
    recorded = json.loads(top.GetProp("madlab_parameters"))
    assert recorded == result.parameters
    assert recorded["exhaustiveness"] == 8 and recorded["seed"] == 42
    assert recorded["no_refine"] is False
    assert result.box == box_184l and result.seconds > 0
    energies = result.poses[0].energies
    assert energies["total"] == pytest.approx(
        energies["inter"] + energies["intra"] + energies["torsions"] - energies["intra_best_pose"],
        abs=0.01,
    )
    terms = ("gauss1", "gauss2", "repulsion", "hydrophobic", "hydrogen_bond")
    assert sum(energies[t] for t in terms) == pytest.approx(energies["inter"], abs=0.01)
    assert float(top.GetProp("madlab_energy_inter")) == pytest.approx(energies["inter"])


def test_same_seed_gives_the_same_poses(
    tmp_path: Path, receptor_184l: PreparedReceptor, box_184l: Box
) -> None:
    ligand = helpers.smiles_ligand(helpers.SMILES_184L, "isobutylbenzene")
    params = DockingParameters(exhaustiveness=4, cpu=1, seed=1234)
    first = _run(VinaEngine(tmp_path / "a"), receptor_184l, [ligand], box_184l, params)[0]
    second = _run(VinaEngine(tmp_path / "b"), receptor_184l, [ligand], box_184l, params)[0]
    assert [p.affinity for p in first.poses] == [p.affinity for p in second.poses]
    for a, b in zip(first.poses, second.poses, strict=True):
        assert a.energies == b.energies
        xyz_a = Chem.MolFromMolBlock(a.molblock).GetConformer().GetPositions()
        xyz_b = Chem.MolFromMolBlock(b.molblock).GetConformer().GetPositions()
        assert np.array_equal(xyz_a, xyz_b)


def test_score_only_on_the_crystal_pose_is_vinas_own_score(
    tmp_path: Path, receptor_184l: PreparedReceptor, box_184l: Box
) -> None:
    ligand = helpers.crystal_pose_ligand()
    params = DockingParameters(mode=DockMode.SCORE_ONLY, cpu=1)
    (result,) = _run(VinaEngine(tmp_path), receptor_184l, [ligand], box_184l, params)
    assert result.error is None and len(result.poses) == 1
    pose = result.poses[0]
    v = Vina(sf_name="vina", cpu=1, verbosity=0)
    v.set_receptor(str(receptor_184l.pdbqt_path))
    v.compute_vina_maps(list(box_184l.center), list(box_184l.size))
    v.set_ligand_from_string(ligand_to_pdbqt(ligand))
    own = v.score()
    assert pose.affinity < 0
    assert pose.affinity == pytest.approx(float(own[0]), abs=1e-3)
    assert pose.energies["inter"] == pytest.approx(float(own[1]), abs=1e-3)
    # the scored pose is the input, untouched
    assert heavy_atom_rmsd(_mol(result), ligand.mol) == pytest.approx(0.0, abs=1e-6)


def test_minimize_relaxes_the_crystal_pose_in_place(
    tmp_path: Path, receptor_184l: PreparedReceptor, box_184l: Box
) -> None:
    ligand = helpers.crystal_pose_ligand()
    engine = VinaEngine(tmp_path)
    score = DockingParameters(mode=DockMode.SCORE_ONLY, cpu=1)
    minimize = DockingParameters(mode=DockMode.MINIMIZE, cpu=1)
    scored = _run(engine, receptor_184l, [ligand], box_184l, score)[0].poses[0]
    (result,) = _run(engine, receptor_184l, [ligand], box_184l, minimize)
    assert result.error is None and len(result.poses) == 1
    minimized = result.poses[0]
    assert minimized.energies["inter"] <= scored.energies["inter"]
    assert minimized.affinity <= scored.affinity + 0.05
    moved = heavy_atom_rmsd(_mol(result), ligand.mol)
    assert 0.0 < moved < 1.0
    assert Chem.MolToSmiles(Chem.RemoveHs(_mol(result))) == ligand.smiles


def test_maps_are_computed_once_per_receptor_box_and_settings(
    tmp_path: Path, receptor_184l: PreparedReceptor, box_184l: Box
) -> None:
    engine = VinaEngine(tmp_path)
    carbon_only = helpers.smiles_ligand(helpers.SMILES_184L, "isobutylbenzene")
    # a second ligand brings atom types the first has not (O, Cl, Br, polar H)
    halogenated = helpers.smiles_ligand("OC(=O)c1ccc(Cl)cc1Br", "bromochlorobenzoate")
    results = _run(engine, receptor_184l, [carbon_only, halogenated], box_184l)
    assert [r.error for r in results] == [None, None]
    assert all(r.poses for r in results)
    assert (engine.grids.stats.computed, engine.grids.stats.reused) == (1, 0)
    _run(engine, receptor_184l, [halogenated], box_184l)  # next batch, same settings
    assert (engine.grids.stats.computed, engine.grids.stats.reused) == (1, 1)
    _run(
        engine,
        receptor_184l,
        [carbon_only],
        box_184l,
        DockingParameters(exhaustiveness=4, cpu=1, seed=7),
    )  # another seed: another Vina object
    assert engine.grids.stats.computed == 2
    assert engine.grids.stats.loaded == 0  # receptor-atom refinement never reads maps from disk


def test_no_refine_maps_are_cached_on_disk_and_shared_between_engines(
    tmp_path: Path, receptor_184l: PreparedReceptor, box_184l: Box
) -> None:
    ligand = helpers.smiles_ligand(helpers.SMILES_184L, "isobutylbenzene")
    cold = VinaEngine(tmp_path, no_refine=True)
    first = _run(cold, receptor_184l, [ligand], box_184l)[0]
    assert (cold.grids.stats.computed, cold.grids.stats.loaded) == (1, 0)
    entries = [p for p in (tmp_path / "vina").iterdir() if not p.name.startswith(".")]
    assert len(entries) == 1 and (entries[0] / "manifest.json").is_file()
    assert len(list(entries[0].glob("maps.*.map"))) == 20  # every X-Score type
    warm = VinaEngine(tmp_path, no_refine=True)
    second = _run(warm, receptor_184l, [ligand], box_184l)[0]
    assert (warm.grids.stats.computed, warm.grids.stats.loaded) == (0, 1)
    assert first.parameters["no_refine"] is True
    # cold and warm cache give the same poses
    assert [p.affinity for p in first.poses] == [p.affinity for p in second.poses]
    assert [p.molblock for p in first.poses] == [p.molblock for p in second.poses]
    assert heavy_atom_rmsd(_mol(second), helpers.crystal_ligand()) < 2.0
    # a damaged entry is not trusted: it is recomputed
    next(entries[0].glob("maps.C_H.map")).write_text("SPACING 0.375\n")
    again = VinaEngine(tmp_path, no_refine=True)
    third = _run(again, receptor_184l, [ligand], box_184l)[0]
    assert (again.grids.stats.computed, again.grids.stats.loaded) == (1, 0)
    assert [p.affinity for p in third.poses] == [p.affinity for p in first.poses]


def test_a_failing_ligand_does_not_stop_the_batch(
    tmp_path: Path, receptor_184l: PreparedReceptor, box_184l: Box
) -> None:
    good = helpers.smiles_ligand(helpers.SMILES_184L, "isobutylbenzene")
    boron = helpers.smiles_ligand("OB(O)c1ccccc1", "phenylboronic-acid")  # Vina has no B type
    tin = helpers.smiles_ligand("C[Sn](C)(C)C", "tetramethyltin")  # no AutoDock type for Sn
    results = _run(VinaEngine(tmp_path), receptor_184l, [good, boron, tin, good], box_184l)
    assert [r.ligand for r in results] == [
        "isobutylbenzene",
        "phenylboronic-acid",
        "tetramethyltin",
        "isobutylbenzene",
    ]
    assert results[0].error is None and results[3].error is None
    assert results[0].poses[0].affinity == results[3].poses[0].affinity
    assert results[1].poses == [] and "phenylboronic-acid" in (results[1].error or "")
    assert "Vina rejected the ligand" in (results[1].error or "")
    assert results[2].poses == [] and "tetramethyltin" in (results[2].error or "")
    assert "Meeko" in (results[2].error or "")
    assert all(r.seconds >= 0 for r in results)


def test_results_come_ligand_by_ligand(
    tmp_path: Path, receptor_184l: PreparedReceptor, box_184l: Box
) -> None:
    taken: list[str] = []

    def ligands() -> Iterator[PreparedLigand]:
        for name in ("first", "second"):
            taken.append(name)
            yield helpers.smiles_ligand(helpers.SMILES_184L, name)

    results = VinaEngine(tmp_path).run(receptor_184l, ligands(), box_184l, FAST)
    first = next(results)
    assert first.ligand == "first" and taken == ["first"]
    assert [r.ligand for r in results] == ["second"]


def test_vinardo_docks_and_splits_its_own_terms(
    tmp_path: Path, receptor_184l: PreparedReceptor, box_184l: Box
) -> None:
    ligand = helpers.smiles_ligand(helpers.SMILES_184L, "isobutylbenzene")
    params = DockingParameters(scoring=ScoringFunction.VINARDO, exhaustiveness=4, cpu=1)
    (result,) = _run(VinaEngine(tmp_path), receptor_184l, [ligand], box_184l, params)
    assert result.error is None and result.parameters["scoring"] == "vinardo"
    energies = result.poses[0].energies
    assert "gauss2" not in energies
    terms = ("gauss1", "repulsion", "hydrophobic", "hydrogen_bond")
    assert sum(energies[t] for t in terms) == pytest.approx(energies["inter"], abs=0.01)


def test_ad4_scoring_is_unavailable(
    tmp_path: Path, receptor_184l: PreparedReceptor, box_184l: Box
) -> None:
    params = DockingParameters(scoring=ScoringFunction.AD4)
    with pytest.raises(EngineUnavailableError, match="AutoGrid4"):
        _run(VinaEngine(tmp_path), receptor_184l, [helpers.crystal_pose_ligand()], box_184l, params)


def test_a_receptor_vina_cannot_read_is_an_engine_error(tmp_path: Path, box_184l: Box) -> None:
    bad = tmp_path / "bad.pdbqt"
    cx, cy, cz = box_184l.center
    bad.write_text(
        f"ATOM      1  C   ALA A   1    {cx:8.3f}{cy:8.3f}{cz:8.3f}  1.00  0.00     0.000 Qq\n"
    )
    receptor = PreparedReceptor("bad", bad, bad)
    with pytest.raises(EngineError, match="Vina cannot read the receptor") as info:
        _run(VinaEngine(tmp_path), receptor, [helpers.crystal_pose_ligand()], box_184l)
    assert str(bad) in str(info.value)
    garbage = tmp_path / "garbage.pdbqt"
    garbage.write_text("ATOM  garbage\n")
    with pytest.raises(EngineError, match="cannot read the receptor PDBQT"):
        _run(
            VinaEngine(tmp_path),
            PreparedReceptor("g", garbage, garbage),
            [helpers.crystal_pose_ligand()],
            box_184l,
        )


def test_a_box_outside_the_receptor_is_an_engine_error(
    tmp_path: Path, receptor_184l: PreparedReceptor
) -> None:
    far = Box((200.0, 200.0, 200.0), (12.0, 12.0, 12.0))
    with pytest.raises(EngineError, match="lies outside the receptor"):
        _run(VinaEngine(tmp_path), receptor_184l, [helpers.crystal_pose_ligand()], far)


def test_no_refine_without_a_writable_cache_still_docks(
    tmp_path: Path, receptor_184l: PreparedReceptor, box_184l: Box
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    ligand = helpers.smiles_ligand(helpers.SMILES_184L, "isobutylbenzene")
    engine = VinaEngine(blocked, no_refine=True)
    (result,) = _run(engine, receptor_184l, [ligand], box_184l)
    assert result.error is None and result.poses[0].affinity < -5.0
    assert (engine.grids.stats.computed, engine.grids.stats.loaded) == (1, 0)


def test_scoring_a_ligand_outside_the_box_fails_that_ligand_only(
    tmp_path: Path, receptor_184l: PreparedReceptor, box_184l: Box
) -> None:
    shifted = Box((box_184l.center[0] + 15.0, *box_184l.center[1:]), box_184l.size)
    params = DockingParameters(mode=DockMode.SCORE_ONLY, cpu=1)
    (result,) = _run(
        VinaEngine(tmp_path), receptor_184l, [helpers.crystal_pose_ligand()], shifted, params
    )
    assert result.poses == []
    assert "outside the grid box" in (result.error or "")
    assert "184l_crystal" in (result.error or "")
