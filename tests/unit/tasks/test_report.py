"""Files a docking job writes: ranked SDF and the summary table."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from rdkit import Chem

from madlab.domain import Box, LigandResult, Pose
from madlab.tasks.report import safe_filename, write_pose_sdf, write_summary


def _result(name: str = "lig/1", error: str | None = None) -> LigandResult:
    mol = Chem.AddHs(Chem.MolFromSmiles("CCO"))
    from rdkit.Chem import AllChem

    AllChem.EmbedMolecule(mol, randomSeed=1)
    block = Chem.MolToMolBlock(mol)
    tagged = block + ">  <minimizedAffinity>\n-4.2\n\n$$$$\n"
    poses = (
        []
        if error
        else [
            Pose(rank=1, affinity=-4.2, molblock=tagged, rmsd=0.5, scores={"CNNscore": 0.9}),
            Pose(rank=2, affinity=-3.9, molblock=block, rmsd=None),
        ]
    )
    return LigandResult(
        ligand=name,
        smiles="CCO",
        poses=poses,
        engine="vina",
        backend="vina-python",
        engine_version="1.2.7",
        parameters={},
        error=error,
    )


def test_pose_sdf_keeps_order_and_adds_rmsd(tmp_path: Path) -> None:
    path = write_pose_sdf(_result(), tmp_path)
    assert path.name == "lig_1_poses.sdf"
    mols = list(Chem.SDMolSupplier(str(path), removeHs=False))
    assert len(mols) == 2
    assert mols[0].GetProp("madlab_rmsd") == "0.500"
    assert mols[0].GetProp("minimizedAffinity") == "-4.2"
    assert not mols[1].HasProp("madlab_rmsd")
    assert mols[0].GetNumAtoms() == 9


def test_summary_has_one_row_per_pose_and_failed_ligands(tmp_path: Path) -> None:
    box = Box(center=(1.0, 2.0, 3.0), size=(20.0, 20.0, 20.0))
    csv_path, json_path = write_summary(
        [_result(), _result("bad", error="no 3D")], tmp_path, job_id="j1", box=box
    )
    rows = list(csv.DictReader(csv_path.open()))
    assert [r["rank"] for r in rows] == ["1", "2", ""]
    assert rows[0]["CNNscore"] == "0.9"
    assert rows[2]["error"] == "no 3D"
    payload = json.loads(json_path.read_text())
    assert payload["box"]["size"] == [20.0, 20.0, 20.0]
    assert payload["ligands"][0]["poses"][0]["affinity"] == -4.2


def test_safe_filename() -> None:
    assert safe_filename("a b/c?.sdf") == "a_b_c_.sdf"
    assert safe_filename("///") == "ligand"
