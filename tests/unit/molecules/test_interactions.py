"""Protein–ligand interactions found from geometry, checked on crystal complexes."""

from __future__ import annotations

from pathlib import Path

import pytest

from madlab.errors import ValidationError
from madlab.molecules.interactions import (
    detect_interactions,
    pocket_residues,
    read_pose,
    read_protein,
)


def _complex(complexes: Path, pdb_id: str) -> tuple[str, str]:
    folder = complexes / pdb_id
    ligand = (folder / "ligand.sdf").read_text().split("$$$$")[0] + "$$$$\n"
    return (folder / "receptor.pdb").read_text(), ligand


def _found(interactions: list, kind: str) -> set[str]:
    return {i.residue for i in interactions if i.kind == kind}


def test_imatinib_in_abl_kinase_has_its_known_contacts(complexes: Path) -> None:
    receptor, ligand = _complex(complexes, "1iep")
    found = detect_interactions(receptor, ligand)
    # The hinge (Met318 backbone NH) and gatekeeper (Thr315) hydrogen bonds.
    assert {"THR 315 A", "MET 318 A"} <= _found(found, "hydrogen_bond")
    assert "PHE 317 A" in _found(found, "pi_stacking")
    assert _found(found, "hydrophobic")
    for i in found:
        assert 0 < i.distance <= 6.0 and len(i.ligand_point) == len(i.protein_point) == 3
    assert found == sorted(found, key=lambda i: (i.kind, i.distance))


def test_thrombin_inhibitor_makes_the_s1_salt_bridge(complexes: Path) -> None:
    receptor, ligand = _complex(complexes, "1a46")
    found = detect_interactions(receptor, ligand)
    assert "ASP 189 H" in _found(found, "salt_bridge")
    assert "SER 195 H" in _found(found, "hydrogen_bond")
    assert "TRP 215 H" in _found(found, "pi_stacking")


def test_apolar_ligand_in_the_lysozyme_cavity_is_only_hydrophobic(complexes: Path) -> None:
    receptor, ligand = _complex(complexes, "184l")
    found = detect_interactions(receptor, ligand)
    assert found and {i.kind for i in found} == {"hydrophobic"}
    pocket = [label for label, _ in pocket_residues(read_protein(receptor), read_pose(ligand))]
    assert {"LEU 84 A", "VAL 87 A", "TYR 88 A", "PHE 153 A"} <= set(pocket)


def test_pdbqt_receptors_are_read_with_their_elements() -> None:
    line = "ATOM      1  OG1 THR A 315      10.000  11.000  12.000  1.00  0.00    -0.393 OA"
    (atom,) = read_protein(line + "\n" + line.replace(" OA", " HD").replace("OG1", "HG1"))
    assert atom.element == "O" and atom.residue_label == "THR 315 A"
    assert atom.xyz == (10.0, 11.0, 12.0)


def test_unreadable_inputs_name_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match="no ATOM or HETATM"):
        read_protein("HEADER only\n")
    bad = "ATOM      1  CA  ALA A   1      10.0xx  11.000  12.000  1.00  0.00           C"
    with pytest.raises(ValidationError, match="line 2"):
        read_protein("REMARK\n" + bad)
    with pytest.raises(ValidationError, match="not a readable SDF"):
        read_pose("garbage")
