"""Gnina's atom types for ligands and receptors, checked against OpenBabel-derived types.

See ``data/README.md`` for how the expected types were produced.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import AllChem

from madlab.engines.cnn.atomtypes import SminaType
from madlab.engines.cnn.ligand import ligand_molecule, type_ligand
from madlab.engines.cnn.receptor import load_receptor, read_pdb, type_receptor
from madlab.errors import InputFileError, ValidationError

DATA = Path(__file__).with_name("data")
LIGANDS = json.loads((DATA / "ligand_types.json").read_text())
RECEPTORS = json.loads((DATA / "receptor_types.json").read_text())


def _decode(text: str, alphabet: str) -> list[int]:
    return [alphabet.index(c) for c in text]


def _embedded(smiles: str) -> Chem.Mol:
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    assert AllChem.EmbedMolecule(mol, randomSeed=7) == 0
    AllChem.MMFFOptimizeMolecule(mol)
    return mol


@pytest.mark.parametrize("entry", LIGANDS["ligands"], ids=lambda e: e["name"])
def test_ligand_types_match_gnina(entry: dict) -> None:
    mol = _embedded(entry["smiles"])
    expected = _decode(entry["types"], LIGANDS["alphabet"])
    assert type_ligand(mol).types.tolist() == expected
    # Without hydrogens, gnina adds them first; the kept polar ones come last.
    bare = Chem.RemoveHs(mol)
    expected = _decode(entry["types_without_h"], LIGANDS["alphabet"])
    assert type_ligand(bare).types.tolist() == expected


@pytest.mark.parametrize("name", sorted(RECEPTORS["receptors"]))
def test_receptor_types_match_gnina(name: str, complexes: Path) -> None:
    typed = load_receptor(complexes / name / "receptor.pdb")
    expected = _decode(RECEPTORS["receptors"][name], RECEPTORS["alphabet"])
    assert typed.types.tolist() == expected
    assert typed.coords.shape == (len(expected), 3)


def test_polar_hydrogens_are_placed_like_openbabel() -> None:
    # Methanol without hydrogens: the hydroxyl H goes 0.97 Å from O (0.31 + 0.66),
    # at the tetrahedral angle, trans to one of the methyl's other bonds.
    mol = Chem.MolFromMolBlock(
        "\n  test\n\n  2  1  0  0  0  0  0  0  0  0999 V2000\n"
        "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "    1.4300    0.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "  1  2  1  0\nM  END\n"
    )
    m = ligand_molecule(mol)
    assert m.n_atoms == 6  # C, O, three hydrogens on carbon and one on oxygen
    oh = [a for a in range(m.n_atoms) if m.elements[a] == 1 and m.neighbors(a) == [1]]
    assert len(oh) == 1
    d = np.linalg.norm(m.coords[oh[0]] - m.coords[1])
    assert d == pytest.approx(0.31 + 0.66, abs=1e-6)
    assert m.angle(1, 0, oh[0]) == pytest.approx(109.471, abs=0.01)


def test_ligand_polar_hydrogen_types_and_charged_groups() -> None:
    mol = _embedded("C[NH3+]")
    typed = type_ligand(mol)
    types = typed.types.tolist()
    assert types.count(SminaType.POLAR_HYDROGEN) == 3
    assert SminaType.NITROGEN_XS_DONOR in types  # sp3 with four bonds: not an acceptor


def test_largest_fragment_is_kept() -> None:
    mol = _embedded("CCO.[Na+].[Cl-]")
    typed = type_ligand(mol)
    assert SminaType.CHLORINE not in typed.types.tolist()
    assert len(typed) == 4  # C, C, O and the hydroxyl hydrogen


def test_bad_ligands_raise_validation_errors() -> None:
    with pytest.raises(ValidationError, match="no coordinates"):
        type_ligand(Chem.MolFromSmiles("CCO"))
    with pytest.raises(ValidationError, match="no atoms"):
        type_ligand(Chem.Mol())


def test_pdb_without_atoms_is_rejected() -> None:
    with pytest.raises(InputFileError, match="no ATOM or HETATM"):
        read_pdb("HEADER    nothing here\nEND\n", source="empty.pdb")


def test_pdb_reader_follows_openbabel(tmp_path: Path) -> None:
    text = (
        "ATOM      1  N   GLY A   1       0.000   0.000   0.000  1.00  0.00           N\n"
        "ATOM      2  CA  GLY A   1       1.450   0.000   0.000  1.00  0.00\n"
        "HETATM    3 ZN    ZN A 101       5.000   5.000   5.000  1.00  0.00          ZN2+\n"
        "HETATM    4  O   HOH A 201       9.000   9.000   9.000  1.00  0.00           O\n"
        "CONECT    1    2    2\n"
        "END\n"
        "ATOM      5  C   GLY A   2       9.000   0.000   0.000  1.00  0.00           C\n"
    )
    mol = read_pdb(text)
    assert mol.elements == [7, 6, 30, 8]  # the element column, else the atom name
    assert mol.charges[2] == 2
    assert mol.bond_order[mol.bond_between(0, 1)] == 2  # a repeated CONECT serial
    typed = type_receptor(mol)
    assert SminaType.ZINC in typed.types.tolist()
    # Water gets two hydrogens and becomes a donor-acceptor oxygen.
    assert SminaType.OXYGEN_XS_DONOR_ACCEPTOR in typed.types.tolist()
    with pytest.raises(InputFileError, match="cannot read the receptor file"):
        load_receptor(tmp_path / "missing.pdb")


def test_bad_coordinates_name_the_line() -> None:
    with pytest.raises(InputFileError, match="line 2"):
        read_pdb("REMARK x\nATOM      1  N   GLY A   1       0.0a0   0.000   0.000\n")
