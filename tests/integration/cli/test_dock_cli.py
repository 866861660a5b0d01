"""The ``madlab`` command line, end to end: real preparation, real Vina, real store."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdkit import Chem

from madlab.cli import main

pytestmark = pytest.mark.slow


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_redocking_184l_puts_the_top_pose_near_the_crystal(
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
        "--reference",
        str(lig),
        "--exhaustiveness",
        "4",
        "--cpu",
        "2",
        "--seed",
        "1",
        "--num-poses",
        "5",
        "--out",
        str(out),
    )
    assert code == 0, output

    poses = [m for m in Chem.SDMolSupplier(str(out / "184L_I4B_A_401_poses.sdf"), removeHs=False)]
    assert 1 <= len(poses) <= 5
    affinities = [float(m.GetProp("minimizedAffinity")) for m in poses]
    assert affinities == sorted(affinities), "poses are ranked best first"
    assert affinities[0] < -5.0
    assert float(poses[0].GetProp("madlab_rmsd")) < 2.0
    assert any(a.GetAtomicNum() == 1 for a in poses[0].GetAtoms()), "poses keep hydrogens"

    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [int(r["rank"]) for r in rows] == list(range(1, len(poses) + 1))
    assert float(rows[0]["rmsd_to_reference"]) < 2.0
    summary = json.loads((out / "summary.json").read_text())
    job_id = summary["job_id"]

    code, output = run("jobs", "show", job_id, "--json")
    assert code == 0, output
    shown = json.loads(output)
    assert shown["job"]["status"] == "succeeded"
    assert shown["results"][0]["poses_generated"] == len(poses)
    assert shown["results"][0]["binding_affinity"] == pytest.approx(affinities[0], abs=1e-3)

    code, output = run("jobs", "list")
    assert code == 0 and job_id in output


def test_demo_redocks_imatinib_within_2_angstrom(madlab_env: Path, tmp_path: Path) -> None:
    code, output = run(
        "demo", "--exhaustiveness", "8", "--cpu", "2", "--out", str(tmp_path / "demo")
    )
    assert code == 0, output
    assert "within the usual 2 Å" in output


def test_smiles_ligand_docks_in_an_explicit_box(
    madlab_env: Path, complexes: Path, tmp_path: Path
) -> None:
    rec = complexes / "184l" / "receptor.pdb"
    code, output = run(
        "dock",
        "-r",
        str(rec),
        "--smiles",
        "c1ccc(cc1)CC",
        "--center",
        "26.9",
        "7.4",
        "3.3",
        "--size",
        "14",
        "14",
        "14",
        "--exhaustiveness",
        "2",
        "--cpu",
        "2",
        "--num-poses",
        "3",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 0, output
    poses = list(Chem.SDMolSupplier(str(tmp_path / "o" / "smiles_1_poses.sdf")))
    assert Chem.MolToSmiles(Chem.RemoveHs(poses[0])) == Chem.MolToSmiles(
        Chem.MolFromSmiles("CCc1ccccc1")
    )
