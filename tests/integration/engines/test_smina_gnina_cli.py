"""The command line of the smina and gnina engines: rescore, bench redock, dock --engine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdkit import Chem

from madlab.cli import main

pytestmark = pytest.mark.slow


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_rescore_gives_gninas_scores_to_gninas_poses(
    madlab_env: Path, complexes: Path, peer_outputs: Path, tmp_path: Path
) -> None:
    poses = peer_outputs / "184l_gnina_dock_default1.0.sdf"
    out = tmp_path / "scored.sdf"
    code, output = run(
        "rescore",
        "--receptor",
        str(complexes / "184l" / "receptor.pdb"),
        "--poses",
        str(poses),
        "--out",
        str(out),
    )
    assert code == 0, output
    assert "CNNscore" in output and "gnina-builtin" in output
    program = list(Chem.SDMolSupplier(str(poses)))
    scored = list(Chem.SDMolSupplier(str(out), removeHs=False))
    assert len(scored) == len(program) == 9
    for mine, theirs in zip(scored, program, strict=True):
        for tag in ("CNNscore", "CNNaffinity"):
            assert float(mine.GetProp(tag)) == pytest.approx(float(theirs.GetProp(tag)), abs=1e-4)
        assert mine.GetProp("madlab_backend") == "gnina-builtin"


def test_rescore_with_smina_and_a_missing_program(
    madlab_env: Path, complexes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = complexes / "1uw6"
    args = ["--receptor", str(folder / "receptor.pdb"), "--poses", str(folder / "ligand.sdf")]
    code, output = run("rescore", *args, "--engine", "smina")
    assert code == 0, output
    assert "-5.1" in output and "smina-builtin" in output and "CNNscore" not in output
    monkeypatch.setenv("PATH", "/nonexistent")
    code, output = run("rescore", *args, "--engine", "smina", "--backend", "program")
    assert code == 3 and "smina program: not found on PATH or MADLAB_SMINA_PATH" in output
    code, output = run("rescore", *args, "--engine", "vina", "--cnn", "dense")
    assert code == 2 and "--cnn needs --engine gnina" in output


def test_bench_redock_reports_rates_per_seed(
    madlab_env: Path, complexes: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "set"
    shutil.copytree(complexes / "184l", folder / "184l")
    report = tmp_path / "report.json"
    code, output = run(
        "bench",
        "redock",
        "--set",
        str(folder),
        "--engine",
        "smina",
        "--exhaustiveness",
        "2",
        "--seed",
        "1",
        "--seed",
        "2",
        "--out",
        str(report),
    )
    assert code == 0, output
    data = json.loads(report.read_text())
    assert [s["seed"] for s in data["summary"]["per_seed"]] == [1, 2]
    assert data["engine"] == "smina" and data["backend"] == "smina-builtin"
    assert data["total"] == 2 and data["errors"] == 0
    for entry in data["complexes"]:
        assert entry["top1_rmsd"] < 2.0 and entry["success"] and entry["kept_hetero"] == []
    assert data["summary"]["top1_rate_mean"] == 1.0 and data["summary"]["best_rate_mean"] == 1.0
    page = report.with_suffix(".md").read_text()
    assert "| 1 | 1 | 1 (100%) | 1 (100%) | 0 |" in page and "| 184l | 2 |" in page
    assert "184l (seed 2): top-1" in output and "mean" in output


def test_dock_with_gnina_built_in_records_the_backend(
    madlab_env: Path, complexes: Path, tmp_path: Path
) -> None:
    rec, lig = complexes / "184l" / "receptor.pdb", complexes / "184l" / "ligand.sdf"
    out = tmp_path / "out"
    code, output = run(
        "dock",
        "-r",
        str(rec),
        "-l",
        str(lig),
        "--autobox-ligand",
        str(lig),
        "--engine",
        "gnina",
        "--backend",
        "builtin",
        "--cnn",
        "crossdock_default2018",
        "--pose-sort-order",
        "CNNaffinity",
        "--exhaustiveness",
        "1",
        "--num-poses",
        "3",
        "--cpu",
        "1",
        "--out",
        str(out),
    )
    assert code == 0, output
    summary = json.loads((out / "summary.json").read_text())
    (ligand,) = summary["ligands"]
    assert ligand["engine"] == "gnina" and ligand["backend"] == "gnina-builtin"
    assert ligand["parameters"]["cnn"] == "crossdock_default2018"
    affinities = [p["scores"]["CNNaffinity"] for p in ligand["poses"]]
    assert affinities == sorted(affinities, reverse=True)
    code, output = run(
        "dock", "-r", str(rec), "-l", str(lig), "--whole-receptor", "--cnn", "dense", "-o", str(out)
    )
    assert code == 2 and "only for --engine gnina" in output
