"""Reading ligand files record by record, and every bad-record case."""

from __future__ import annotations

from pathlib import Path

import pytest

from madlab.errors import InputFileError
from madlab.molecules import iter_ligands, read_ligands, read_structure, smiles_to_mol

from .test_formats import MOL2


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_reads_crystal_ligand_with_name_and_3d(complex_dir: Path) -> None:
    (rec,) = read_ligands(complex_dir / "184l" / "ligand.sdf", need_3d=True)
    assert rec.name == "184L_I4B_A_401"
    assert rec.has_3d
    assert rec.source == "ligand.sdf#1"
    assert rec.mol.GetNumHeavyAtoms() == 10


def test_reads_mol2(complex_dir: Path, tmp_path: Path) -> None:
    recs = read_ligands(complex_dir / "2h7l" / "ligand.mol2")
    assert len(recs) == 1 and recs[0].has_3d and recs[0].mol.GetNumHeavyAtoms() > 20
    water = read_ligands(write(tmp_path, "w.mol2", MOL2 + MOL2.replace("water", "water2")))
    assert [r.name for r in water] == ["water", "water2"]


def test_bad_record_is_named(tmp_path: Path, sdf_3d: str) -> None:
    # C#C=O: the middle carbon has five bonds, which RDKit refuses to sanitize.
    bad = sdf_3d.replace("ethanol", "broken").replace("  1  2  1  0\n", "  1  2  3  0\n")
    bad = bad.replace("  2  3  1  0", "  2  3  2  0")
    path = write(tmp_path, "lib.sdf", sdf_3d + bad + sdf_3d)
    with pytest.raises(InputFileError) as err:
        read_ligands(path)
    assert err.value.record == 2
    assert "broken" in str(err.value) and "sanitized" in str(err.value)
    assert "record 2" in str(err.value)
    assert err.value.line == 12
    assert "valence" in str(err.value).lower()


def test_unparsable_record_gives_rdkit_message_without_trace(tmp_path: Path, sdf_3d: str) -> None:
    bad = sdf_3d.replace("  3  2  0", "  3  3  0").replace("M  END", "  1  2  2  0\nM  END")
    with pytest.raises(InputFileError) as err:
        read_ligands(write(tmp_path, "dup.sdf", bad))
    assert "bond already exists" in str(err.value)
    assert "Stacktrace" not in str(err.value)


def test_non_strict_skips_bad_records_with_a_warning(tmp_path: Path, sdf_3d: str) -> None:
    bad = sdf_3d.replace("ethanol", "broken").replace("  1  2  1  0\n", "  1  2  3  0\n")
    bad = bad.replace("  2  3  1  0", "  2  3  2  0")
    path = write(tmp_path, "lib.sdf", sdf_3d + bad + sdf_3d)
    skipped: list[InputFileError] = []
    recs = read_ligands(path, strict=False, on_error=skipped.append)
    assert [r.index for r in recs] == [1, 3]
    assert [e.record for e in skipped] == [2]


def test_non_strict_logs_by_default(
    tmp_path: Path, sdf_3d: str, caplog: pytest.LogCaptureFixture
) -> None:
    bad = sdf_3d.replace("M  END\n", "")
    recs = list(iter_ligands(write(tmp_path, "l.sdf", bad + sdf_3d), strict=False))
    assert len(recs) == 1
    assert "record 1" in caplog.text and "M  END" in caplog.text


def test_non_strict_with_nothing_usable_raises(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no usable molecule"):
        read_ligands(write(tmp_path, "l.smi", "C1CC\nC(C)(C)(C)(C)C\n"), strict=False)


def test_truncated_sdf(tmp_path: Path, sdf_3d: str) -> None:
    cut = sdf_3d + sdf_3d[: sdf_3d.index("  1  2  1")]
    with pytest.raises(InputFileError) as err:
        read_ligands(write(tmp_path, "cut.sdf", cut))
    assert err.value.record == 2 and "truncated" in str(err.value)


def test_sdf_without_counts_line(tmp_path: Path) -> None:
    text = "name\n\n\nnot a counts line\nM  END\n$$$$\n"
    with pytest.raises(InputFileError, match="no counts line"):
        read_ligands(write(tmp_path, "x.sdf", text))


def test_unparsable_sdf_record_gives_rdkit_reason(tmp_path: Path, sdf_3d: str) -> None:
    bad = sdf_3d.replace("    2.0000    1.3000    0.2000 O", "    2.0000    1.3000    0.2000 Qq")
    with pytest.raises(InputFileError, match="cannot be parsed"):
        read_ligands(write(tmp_path, "x.sdf", bad))


def test_need_3d_refuses_2d(tmp_path: Path, sdf_2d: str) -> None:
    path = write(tmp_path, "flat.sdf", sdf_2d)
    with pytest.raises(InputFileError, match="no 3D coordinates"):
        read_ligands(path, need_3d=True)
    (rec,) = read_ligands(path)
    assert not rec.has_3d


def test_mol2_unknown_sybyl_type_names_line_and_type(tmp_path: Path) -> None:
    bad = MOL2.replace("O.3 ", "O.xx")
    with pytest.raises(InputFileError) as err:
        read_ligands(write(tmp_path, "w.mol2", bad))
    assert "'O.xx'" in str(err.value) and err.value.line == 8


def test_mol2_missing_bond_section(tmp_path: Path) -> None:
    cut = MOL2[: MOL2.index("@<TRIPOS>BOND")]
    with pytest.raises(InputFileError, match="missing its @<TRIPOS>BOND section"):
        read_ligands(write(tmp_path, "w.mol2", cut))
    short = MOL2.rsplit("     2     1     3    1", 1)[0]
    with pytest.raises(InputFileError, match="1 of 2 bond lines"):
        read_ligands(write(tmp_path, "w2.mol2", short))


def test_mol2_truncated_atoms_and_bad_counts(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="2 of 3 atom lines"):
        read_ligands(write(tmp_path, "a.mol2", MOL2[: MOL2.index("      3 H2")]))
    with pytest.raises(InputFileError, match="no atom/bond counts"):
        read_ligands(write(tmp_path, "b.mol2", MOL2.replace(" 3 2 0 0 0", "three")))
    with pytest.raises(InputFileError, match="malformed atom line"):
        read_ligands(write(tmp_path, "c.mol2", MOL2.replace("0.9572    0.0000    0.0000 H", "")))


def test_smiles_file_with_names_comments_and_a_header(tmp_path: Path) -> None:
    path = write(tmp_path, "lib.smi", "SMILES Name\n# a comment\nCCO ethanol\n\nc1ccccc1\n")
    recs = read_ligands(path)
    assert [(r.name, r.index, r.line) for r in recs] == [("ethanol", 1, 3), ("lib#2", 2, 5)]
    assert recs[1].source == "lib.smi#2"


def test_bad_smiles_line_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "lib.smi", "CCO ok\nC1CC broken\n")
    with pytest.raises(InputFileError) as err:
        read_ligands(path)
    assert err.value.record == 2 and err.value.line == 2
    assert "C1CC" in str(err.value)


def test_smiles_to_mol_errors() -> None:
    with pytest.raises(InputFileError, match="empty SMILES"):
        smiles_to_mol("  ")
    with pytest.raises(InputFileError) as err:
        smiles_to_mol("C(C)(C)(C)(C)C", "pentavalent")
    assert "valence" in str(err.value).lower()
    with pytest.raises(InputFileError, match="no heavy atoms"):
        smiles_to_mol("[H][H]", "hydrogen")
    assert smiles_to_mol("CCO", "ethanol").GetProp("_Name") == "ethanol"


def test_pdb_is_not_a_ligand_file(complex_dir: Path) -> None:
    with pytest.raises(InputFileError, match="not a ligand file"):
        read_ligands(complex_dir / "184l" / "receptor.pdb")


def test_read_structure_refuses_truncated_pdb(tmp_path: Path, fragment_pdb: Path) -> None:
    text = fragment_pdb.read_text()
    cut = text[: text.index("ATOM     30") + 40]
    with pytest.raises(InputFileError) as err:
        read_structure(write(tmp_path, "cut.pdb", cut))
    assert "cut mid-line" in str(err.value) and err.value.line == 33


def test_read_structure_refuses_bad_coordinates_and_no_atoms(tmp_path: Path) -> None:
    line = "ATOM      1  N   MET A   1      43.8x2  -3.233   9.148  1.00 31.02           N\n"
    with pytest.raises(InputFileError, match="not numbers"):
        read_structure(write(tmp_path, "x.pdb", line))
    with pytest.raises(InputFileError, match="no ATOM or HETATM"):
        read_structure(write(tmp_path, "y.pdb", "HEADER    NOTHING\nEND\n"))
    with pytest.raises(InputFileError, match="not a macromolecular structure"):
        read_structure(write(tmp_path, "z.smi", "CCO\n"))


def test_read_structure_mmcif(tmp_path: Path, fragment_pdb: Path) -> None:
    st = read_structure(fragment_pdb)
    st.setup_entities()
    cif = tmp_path / "fragment.cif"
    st.make_mmcif_document().write_file(str(cif))
    again = read_structure(cif)
    assert again[0].count_atom_sites() == st[0].count_atom_sites()
    with pytest.raises(InputFileError, match="cannot be parsed as mmcif"):
        read_structure(write(tmp_path, "bad.cif", "data_x\nloop_\n_atom_site.id\n'unclosed\n"))
