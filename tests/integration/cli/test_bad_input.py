"""Bad input on the command line: one clear line, a non-zero status, nothing recorded wrong."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from madlab.cli import main


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_empty_ligand_file_is_named(madlab_env: Path, complexes: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.sdf"
    empty.write_text("")
    rec = complexes / "184l" / "receptor.pdb"
    code, out = run(
        "dock", "-r", str(rec), "-l", str(empty), "--whole-receptor", "--out", str(tmp_path / "o")
    )
    assert code == 2
    assert "empty.sdf" in out and "empty" in out.lower()


def test_missing_box_is_explained(madlab_env: Path, complexes: Path, tmp_path: Path) -> None:
    rec = complexes / "184l" / "receptor.pdb"
    code, out = run("dock", "-r", str(rec), "--smiles", "CCO", "--out", str(tmp_path / "o"))
    assert code == 2
    assert "box" in out


def test_bad_smiles_is_named(madlab_env: Path, complexes: Path, tmp_path: Path) -> None:
    rec = complexes / "184l" / "receptor.pdb"
    code, out = run(
        "dock",
        "-r",
        str(rec),
        "--smiles",
        "C1CC(",
        "--whole-receptor",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 2
    assert "C1CC(" in out


def test_pdb_given_as_sdf_is_refused(madlab_env: Path, complexes: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "ligand.sdf"
    wrong.write_text((complexes / "184l" / "receptor.pdb").read_text())
    code, out = run(
        "dock",
        "-r",
        str(complexes / "184l" / "receptor.pdb"),
        "-l",
        str(wrong),
        "--whole-receptor",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 2
    assert "ligand.sdf" in out and "PDB" in out


def test_failed_job_is_recorded_as_failed(
    madlab_env: Path, complexes: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.sdf"
    empty.write_text("")
    run(
        "dock",
        "-r",
        str(complexes / "184l" / "receptor.pdb"),
        "-l",
        str(empty),
        "--whole-receptor",
        "--out",
        str(tmp_path / "o"),
    )
    code, out = run("jobs", "list", "--status", "failed")
    assert code == 0
    assert "dock" in out and "failed" in out


def test_unknown_status_filter(madlab_env: Path) -> None:
    code, out = run("jobs", "list", "--status", "sleeping")
    assert code == 2 and "sleeping" in out


def test_unknown_job(madlab_env: Path) -> None:
    code, out = run("jobs", "show", "no-such-job")
    assert code == 2 and "not found" in out


def test_unknown_engine(madlab_env: Path, complexes: Path, tmp_path: Path) -> None:
    rec = complexes / "184l" / "receptor.pdb"
    code, out = run(
        "dock",
        "-r",
        str(rec),
        "--smiles",
        "CCO",
        "--whole-receptor",
        "--engine",
        "autodock9",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 2 and "autodock9" in out
