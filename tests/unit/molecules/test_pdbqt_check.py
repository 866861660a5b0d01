"""Checks of ligand and receptor PDBQT text."""

from __future__ import annotations

import pytest

from madlab.errors import InputFileError
from madlab.molecules.pdbqt_check import atom_type, check_pdbqt


def atom(serial: int, ad_type: str = "C") -> str:
    return (
        f"ATOM  {serial:>5}  C   UNL     1       0.000   0.000   0.000  0.00  0.00"
        f"    +0.000 {ad_type:<2}"
    )


LIGAND = "\n".join(
    [
        "REMARK  2 active torsions:",
        "ROOT",
        atom(1),
        atom(2, "A"),
        "ENDROOT",
        "BRANCH   2   3",
        atom(3),
        "BRANCH   3   4",
        atom(4, "OA"),
        atom(5, "HD"),
        "ENDBRANCH   3   4",
        "ENDBRANCH   2   3",
        "TORSDOF 2",
        "",
    ]
)


def test_valid_ligand() -> None:
    info = check_pdbqt(LIGAND, "l.pdbqt")
    assert (info.kind, info.atoms, info.torsdof, info.branches) == ("ligand", 5, 2, 2)


def test_multi_model_docking_output() -> None:
    text = "".join(f"MODEL {i}\n{LIGAND}ENDMDL\n" for i in (1, 2, 3))
    info = check_pdbqt(text)
    assert (info.kind, info.models, info.atoms) == ("ligand", 3, 15)


def test_receptor_with_flexible_residue() -> None:
    text = "\n".join(
        [
            atom(1, "N"),
            atom(2, "NA"),
            "BEGIN_RES ARG A  10",
            "ROOT",
            atom(3),
            "ENDROOT",
            "BRANCH 3 4",
            atom(4),
            "ENDBRANCH 3 4",
            "END_RES ARG A  10",
        ]
    )
    assert check_pdbqt(text).kind == "receptor"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("ENDBRANCH   3   4\n", ""), "does not match BRANCH 3 4"),
        (lambda t: t.replace("ENDBRANCH   2   3\n", ""), "never closed"),
        (lambda t: t.replace("ENDBRANCH   3   4", "ENDBRANCH   3   5"), "does not match"),
        (lambda t: t.replace("TORSDOF 2\n", ""), "without a TORSDOF"),
        (lambda t: t.replace("TORSDOF 2", "TORSDOF 1"), "less than the 2 branches"),
        (lambda t: t.replace("TORSDOF 2", "TORSDOF two"), "whole number"),
        (lambda t: t.replace("ENDROOT\n", ""), "outside the torsion tree"),
        (lambda t: t.replace("ROOT\n", "", 1), "ENDROOT without ROOT"),
        (lambda t: t.replace("ENDROOT", "ENDROOT\nROOT"), "second ROOT"),
        (lambda t: t.replace(" OA", " Xx"), "unknown AutoDock atom type 'Xx'"),
        (lambda t: t.replace("BRANCH   2   3", "BRANCH 2"), "needs two atom numbers"),
        (lambda t: t.split("BRANCH   2   3")[0].replace("ENDROOT\n", ""), "never closed by"),
        (
            lambda t: t.replace("ENDBRANCH   2   3", "ENDBRANCH   2   3\nENDBRANCH   1   2"),
            "without an open BRANCH",
        ),
    ],
)
def test_broken_torsion_trees_are_named(edit: object, message: str) -> None:
    with pytest.raises(InputFileError, match=message):
        check_pdbqt(edit(LIGAND), "l.pdbqt")  # type: ignore[operator]


def test_unknown_type_names_the_line() -> None:
    with pytest.raises(InputFileError) as err:
        check_pdbqt(LIGAND.replace(" OA", " oa"), "l.pdbqt")
    assert err.value.line == 9 and "l.pdbqt" in str(err.value)


def test_truncated_atom_line_and_no_atoms() -> None:
    with pytest.raises(InputFileError, match="truncated atom line"):
        check_pdbqt(atom(1)[:40])
    with pytest.raises(InputFileError, match="no ATOM"):
        check_pdbqt("REMARK nothing\n")
    with pytest.raises(InputFileError, match="outside the torsion tree"):
        check_pdbqt("BRANCH 1 2\n" + atom(1) + "\nENDBRANCH 1 2\n")
    with pytest.raises(InputFileError, match="END_RES without BEGIN_RES"):
        check_pdbqt(atom(1) + "\nEND_RES\n")
    with pytest.raises(InputFileError, match="flexible residue whose ROOT"):
        check_pdbqt("BEGIN_RES\nROOT\n" + atom(1) + "\nEND_RES\n")


def test_atom_type_reads_the_type_column() -> None:
    assert atom_type(atom(1, "Zn")) == "Zn"
    assert atom_type("ATOM 1 C UNL 1 0 0 0 0 0 0 HD") == "HD"
