"""Ligand preparation: charge state, hydrogens, 3D embedding, names and warnings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem

from madlab.domain import PreparedLigand
from madlab.errors import InputFileError, MadlabError, ValidationError
from madlab.molecules import prepare_ligand, prepare_ligands, smiles_to_mol
from madlab.molecules.protonation import protonate


def heavy_h_distances(lig: PreparedLigand) -> list[float]:
    conf = lig.mol.GetConformer()
    out = []
    for atom in lig.mol.GetAtoms():
        if atom.GetAtomicNum() == 1:
            parent = atom.GetNeighbors()[0].GetIdx()
            out.append(
                float((conf.GetAtomPosition(atom.GetIdx()) - conf.GetAtomPosition(parent)).Length())
            )
    return out


def test_crystal_ligand_keeps_heavy_atom_coordinates_exactly(complex_dir: Path) -> None:
    path = complex_dir / "184l" / "ligand.sdf"
    crystal = Chem.MolFromMolFile(str(path))
    (lig,) = prepare_ligands(path)
    assert lig.name == "184L_I4B_A_401"
    assert lig.source == "ligand.sdf#1"
    assert lig.smiles == "CC(C)Cc1ccccc1"
    assert lig.mol.GetNumAtoms() == 24  # C10H14
    xyz = lig.mol.GetConformer().GetPositions()
    assert np.array_equal(xyz[:10], crystal.GetConformer().GetPositions())
    d = heavy_h_distances(lig)
    assert len(d) == 14 and all(0.9 < x < 1.2 for x in d)
    assert lig.warnings == []


def test_smiles_is_embedded_reproducibly_with_notes() -> None:
    a = next(prepare_ligands("OC(=O)CCN beta-alanine"))
    b = next(prepare_ligands("OC(=O)CCN beta-alanine"))
    assert a.name == "beta-alanine" and a.source == "smiles"
    assert a.smiles == "[NH3+]CCC(=O)[O-]"
    assert a.mol.GetConformer().Is3D()
    assert np.allclose(a.mol.GetConformer().GetPositions(), b.mol.GetConformer().GetPositions())
    assert "embedded 3D from SMILES" in a.warnings
    assert any("protonated 1 aliphatic amine" in w for w in a.warnings)
    assert any("deprotonated 1 carboxylic acid" in w for w in a.warnings)


def test_2d_sdf_is_embedded(tmp_path: Path, sdf_2d: str) -> None:
    p = tmp_path / "flat.sdf"
    p.write_text(sdf_2d)
    (lig,) = prepare_ligands(p)
    assert "embedded 3D from 2D input" in lig.warnings
    assert lig.mol.GetNumAtoms() == 9
    assert (abs(lig.mol.GetConformer().GetPositions()[:, 2]) > 1e-3).any()


def test_ph_changes_the_charge_state() -> None:
    acid = smiles_to_mol("CC(=O)O", "acetic acid")
    assert prepare_ligand(acid, ph=2.0).smiles == "CC(=O)O"
    assert prepare_ligand(acid, ph=7.4).smiles == "CC(=O)[O-]"
    assert prepare_ligand(acid, protonation=False).smiles == "CC(=O)O"
    with pytest.raises(ValidationError, match="outside 0-14"):
        prepare_ligand(acid, ph=15)


@pytest.mark.parametrize(
    ("smiles", "expected"),
    [
        ("CCN", "CC[NH3+]"),
        ("Nc1ccccc1", "Nc1ccccc1"),  # aniline stays neutral
        ("c1ccncc1", "c1ccncc1"),  # pyridine stays neutral
        ("CC(=O)NC", "CNC(C)=O"),  # amide stays neutral
        ("NC(=N)N", "NC(N)=[NH2+]"),  # guanidinium
        ("CN1CCN(C)CC1", "CN1CC[NH+](C)CC1"),  # one piperazine N
        ("CCOP(=O)(O)O", "CCOP(=O)([O-])[O-]"),
        ("CS(=O)(=O)O", "CS(=O)(=O)[O-]"),
        ("c1nn[nH]n1", "c1nn[n-]n1"),
        ("Oc1ccccc1", "Oc1ccccc1"),
    ],
)
def test_protonation_rules(smiles: str, expected: str) -> None:
    mol, _ = protonate(Chem.MolFromSmiles(smiles), 7.4)
    assert Chem.MolToSmiles(mol) == expected


def test_salts_and_unspecified_stereo_are_reported() -> None:
    lig = prepare_ligand(smiles_to_mol("CC(N)CC.Cl", "salt"))
    assert any("2 disconnected fragments" in w for w in lig.warnings)
    assert any("unspecified stereocentre" in w for w in lig.warnings)


def test_bad_ligands_raise_typed_errors() -> None:
    with pytest.raises(InputFileError, match="no molecule"):
        prepare_ligand(None)
    with pytest.raises(InputFileError, match="no heavy atoms"):
        prepare_ligand(Chem.MolFromSmiles("[H][H]", sanitize=False), name="h2")
    bad = Chem.MolFromSmiles("C(C)(C)(C)(C)C", sanitize=False)
    with pytest.raises(InputFileError, match="cannot be sanitized"):
        prepare_ligand(bad, name="bad")
    with pytest.raises(InputFileError, match="cannot be parsed"):
        next(prepare_ligands("C1CC"))
    with pytest.raises(InputFileError, match="empty SMILES"):
        next(prepare_ligands("   "))
    with pytest.raises(InputFileError, match="file not found"):
        next(prepare_ligands("missing/ligands.sdf"))


def test_non_strict_library_skips_bad_records(tmp_path: Path) -> None:
    p = tmp_path / "lib.smi"
    p.write_text("CCO ethanol\nC1CC broken\nc1ccccc1O phenol\n")
    errors: list[MadlabError] = []
    names = [lig.name for lig in prepare_ligands(p, strict=False, on_error=errors.append)]
    assert names == ["ethanol", "phenol"]
    assert len(errors) == 1 and "broken" in str(errors[0])


def test_force_field_fallback_is_reported() -> None:
    boronic = prepare_ligand(smiles_to_mol("OB(O)c1ccccc1", "phenylboronic acid"))
    assert any("UFF" in w for w in boronic.warnings)
    assert boronic.mol.GetConformer().Is3D()


def test_smiles_string_takes_a_default_name() -> None:
    (lig,) = prepare_ligands("CCO", name="smiles_1")
    assert lig.name == "smiles_1"
    (named,) = prepare_ligands("CCO ethanol", name="smiles_1")
    assert named.name == "ethanol"


def test_embedding_keeps_the_input_aromaticity() -> None:
    # caffeine's six-membered ring is aromatic for RDKit but not in MMFF's model;
    # the prepared ligand must keep RDKit's perception for everything downstream.
    ligand = next(prepare_ligands("Cn1cnc2c1c(=O)n(C)c(=O)n2C caffeine"))
    reference = Chem.AddHs(Chem.MolFromSmiles("Cn1cnc2c1c(=O)n(C)c(=O)n2C"))
    aromatic = sum(b.GetIsAromatic() for b in ligand.mol.GetBonds())
    assert aromatic == sum(b.GetIsAromatic() for b in reference.GetBonds()) == 10
