"""The receptor the smina and gnina programs (and the built-in CNN) see, and its typing."""

from __future__ import annotations

from pathlib import Path

import pytest

from madlab.engines.cnn.receptor import load_receptor
from madlab.engines.program_typing import program_receptor_pdbqt
from madlab.engines.receptor_view import program_receptor
from madlab.engines.vina_terms import read_pdbqt_atoms
from madlab.errors import InputFileError
from madlab.molecules.receptor import prepare_receptor


def test_the_users_file_itself_when_preparation_removed_nothing(
    complexes: Path, tmp_path: Path
) -> None:
    receptor = prepare_receptor(complexes / "184l" / "receptor.pdb", tmp_path)
    assert program_receptor(receptor) == complexes / "184l" / "receptor.pdb"


def test_removed_waters_and_hetero_groups_stay_removed(complexes: Path, tmp_path: Path) -> None:
    source = complexes / "1s63" / "receptor.pdb"
    kept_zinc = prepare_receptor(source, tmp_path / "zn", keep_hetero=["ZN"])
    path = program_receptor(kept_zinc)
    assert path.name == "receptor_as_given.pdb" and path.parent == tmp_path / "zn"
    text = path.read_text()
    assert " ZN " in text and " FPP " not in text  # FPP was not asked for
    original = [ln for ln in source.read_text().splitlines() if ln.startswith(("ATOM", "HETATM"))]
    given = [ln for ln in text.splitlines() if ln.startswith(("ATOM", "HETATM"))]
    assert given == [ln for ln in original if ln[17:20] != "FPP"]  # the records themselves
    everything = prepare_receptor(source, tmp_path / "all", keep_hetero=["ZN", "FPP"])
    assert program_receptor(everything) == source


def test_waters_are_removed_unless_kept(complexes: Path, tmp_path: Path) -> None:
    source = complexes / "5ufx" / "receptor.pdb"
    dry = program_receptor(prepare_receptor(source, tmp_path / "dry"))
    assert "HOH" not in dry.read_text() and "HOH" in source.read_text()
    wet = prepare_receptor(source, tmp_path / "wet", keep_hetero=["HOH"])
    assert program_receptor(wet) == source


def test_an_mmcif_receptor_falls_back_to_the_prepared_pdb(complexes: Path, tmp_path: Path) -> None:
    import gemmi

    st = gemmi.read_structure(str(complexes / "184l" / "receptor.pdb"))
    st.setup_entities()
    cif = tmp_path / "184l.cif"
    st.make_mmcif_document().write_file(str(cif))
    receptor = prepare_receptor(cif, tmp_path / "out")
    assert program_receptor(receptor) == receptor.pdb_path


def test_program_typing_keeps_the_programs_atoms_and_types(complexes: Path, tmp_path: Path) -> None:
    pdb = complexes / "2nnq" / "receptor.pdb"
    coords, types = read_pdbqt_atoms(program_receptor_pdbqt(pdb, tmp_path / "r.pdbqt").read_text())
    cnn = load_receptor(pdb)  # the same perception, as the CNN sees it
    assert len(types) == len(cnn)
    assert coords == pytest.approx(cnn.coords, abs=1e-3)
    assert {"A", "C", "N", "NA", "OA", "HD"} <= set(types)
    assert "H" not in types  # non-polar hydrogens are dropped, as by the programs


def test_program_typing_names_an_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"missing\.pdb"):
        program_receptor_pdbqt(tmp_path / "missing.pdb", tmp_path / "r.pdbqt")
    ions = tmp_path / "ions.pdb"
    ions.write_text(
        "HETATM    1 NA    NA A   1       0.000   0.000   0.000  1.00  0.00          NA  \n"
    )
    with pytest.raises(InputFileError, match="no atom Vina can type"):
        program_receptor_pdbqt(ions, tmp_path / "r.pdbqt")
