"""Format detection, size limits and file validation."""

from __future__ import annotations

import builtins
import pathlib
from pathlib import Path

import pytest

from madlab.errors import FileTooLargeError, InputFileError
from madlab.molecules import detect_format, validate_file
from madlab.molecules.formats import check_size, read_text, sniff_format

PDB_LINE = "ATOM      1  N   MET A   1      43.812  -3.233   9.148  1.00 31.02           N\n"
PDBQT_LINE = "ATOM      1  N   MET A   1      43.812  -3.233   9.148  1.00 31.02    +0.000 N \n"
MOL2 = """@<TRIPOS>MOLECULE
water
 3 2 0 0 0
SMALL
NO_CHARGES

@<TRIPOS>ATOM
      1 O1          0.0000    0.0000    0.0000 O.3     1  HOH1        0.0000
      2 H1          0.9572    0.0000    0.0000 H       1  HOH1        0.0000
      3 H2         -0.2400    0.9266    0.0000 H       1  HOH1        0.0000
@<TRIPOS>BOND
     1     1     2    1
     2     1     3    1
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("r.pdb", "HEADER    TEST\n" + PDB_LINE, "pdb"),
        ("r.ent", PDB_LINE, "pdb"),
        ("r.pdbqt", PDBQT_LINE, "pdbqt"),
        ("l.smi", "CCO ethanol\nc1ccccc1 benzene\n", "smiles"),
        ("l.smiles", "CCO\n", "smiles"),
        ("w.mol2", MOL2, "mol2"),
        ("s.cif", "data_x\nloop_\n_atom_site.id\n1\n", "mmcif"),
    ],
)
def test_detects_format_from_extension_and_content(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    assert detect_format(write(tmp_path, name, text)) == expected


def test_detects_sdf(tmp_path: Path, sdf_3d: str) -> None:
    assert detect_format(write(tmp_path, "l.sdf", sdf_3d)) == "sdf"
    assert detect_format(write(tmp_path, "l.mol", sdf_3d)) == "sdf"


def test_unknown_extension_falls_back_to_content(tmp_path: Path, sdf_3d: str) -> None:
    assert detect_format(write(tmp_path, "ligand.txt", sdf_3d)) == "sdf"


def test_unknown_extension_and_content_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="unknown file type"):
        detect_format(write(tmp_path, "notes.txt", "hello, {world}!\n"))


def test_pdb_content_in_sdf_says_what_it_looks_like(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as err:
        detect_format(write(tmp_path, "ligand.sdf", "HEADER    X\n" + PDB_LINE * 3))
    assert "looks like a PDB file" in str(err.value)
    assert err.value.details["looks_like"] == "pdb"
    assert err.value.path is not None and err.value.path.endswith("ligand.sdf")


def test_sdf_content_in_mol2_is_refused(tmp_path: Path, sdf_3d: str) -> None:
    with pytest.raises(InputFileError, match="looks like an SDF"):
        detect_format(write(tmp_path, "ligand.mol2", sdf_3d))


def test_pdb_named_pdbqt_lacks_types(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no AutoDock atom type"):
        detect_format(write(tmp_path, "rec.pdbqt", PDB_LINE * 3))


def test_receptor_pdbqt_named_pdb_reads_as_pdb(tmp_path: Path) -> None:
    assert detect_format(write(tmp_path, "rec.pdb", PDBQT_LINE)) == "pdb"


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="empty file"):
        detect_format(write(tmp_path, "e.sdf", "  \n\n"))
    with pytest.raises(InputFileError, match="empty file"):
        read_text(write(tmp_path, "e2.sdf", ""))


def test_binary_file(tmp_path: Path) -> None:
    p = tmp_path / "b.sdf"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputFileError, match="binary file"):
        detect_format(p)


def test_binary_without_nul_bytes(tmp_path: Path) -> None:
    p = tmp_path / "b.pdb"
    p.write_bytes(bytes(range(128, 256)) * 40)
    with pytest.raises(InputFileError, match="binary file"):
        read_text(p)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="file not found"):
        detect_format(tmp_path / "nope.sdf")
    with pytest.raises(InputFileError, match="not a regular file"):
        check_size(tmp_path)


def test_500_mb_sparse_file_is_refused_without_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "library.sdf"
    with open(big, "wb") as fh:
        fh.truncate(500 * 1024 * 1024)
    real_open = builtins.open

    def no_read(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if Path(str(file)) == big:
            raise AssertionError("the file was opened")
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", no_read)
    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda self: pytest.fail("read"))
    with pytest.raises(FileTooLargeError) as err:
        detect_format(big)
    assert "over the limit of 209.7 MB" in str(err.value)
    assert err.value.details["size"] == 500 * 1024 * 1024
    with pytest.raises(FileTooLargeError):
        validate_file(big)


def test_size_limit_is_a_parameter(tmp_path: Path, sdf_3d: str) -> None:
    p = write(tmp_path, "l.sdf", sdf_3d)
    with pytest.raises(FileTooLargeError):
        detect_format(p, max_bytes=10)
    assert check_size(p, max_bytes=10_000) == len(sdf_3d)


def test_sniff_recognises_nothing_in_prose() -> None:
    assert sniff_format("Dear user,\nthis is a letter.\n") is None


def test_validate_sdf_reports_records_and_2d(tmp_path: Path, sdf_3d: str, sdf_2d: str) -> None:
    report = validate_file(write(tmp_path, "l.sdf", sdf_3d + sdf_2d))
    assert (report.format, report.records, report.atoms) == ("sdf", 2, 6)
    assert any("l.sdf#2" in w and "2D" in w for w in report.warnings)
    assert report.to_dict()["records"] == 2


def test_validate_pdb_summarises_structure(fragment_pdb: Path) -> None:
    report = validate_file(fragment_pdb)
    assert report.format == "pdb"
    assert report.details["waters"] == 2
    assert report.details["hetero"] == {"SO4": 1, "ZN": 1}
    assert any("alternate locations" in w for w in report.warnings)


def test_validate_pdbqt_and_smiles(tmp_path: Path) -> None:
    r = validate_file(write(tmp_path, "r.pdbqt", PDBQT_LINE * 2))
    assert (r.format, r.atoms, r.details["kind"]) == ("pdbqt", 2, "receptor")
    s = validate_file(write(tmp_path, "l.smi", "CCO ethanol\nCCN\n"))
    assert (s.format, s.records, s.warnings) == ("smiles", 2, [])


def test_formats_module_offers_the_readers(tmp_path: Path, sdf_3d: str, fragment_pdb: Path) -> None:
    from madlab.molecules import formats

    (rec,) = formats.read_ligands(write(tmp_path, "l.sdf", sdf_3d))
    assert rec.name == "ethanol"
    assert formats.smiles_to_mol("CCO", "e").GetNumAtoms() == 3
    assert formats.read_structure(fragment_pdb)[0].count_atom_sites() > 50
