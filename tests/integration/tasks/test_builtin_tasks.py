"""Each built-in task, run for real on the 184l complex (a 10-atom ligand, small searches)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from madlab.engines.vina_terms import read_pdbqt_atoms
from madlab.errors import (
    EngineError,
    InputFileError,
    PreparationError,
    ValidationError,
)

from .conftest import Run

pytestmark = pytest.mark.slow

RunTask = Callable[..., Run]


@pytest.fixture()
def c184l(complexes: Path) -> Path:
    return complexes / "184l"


def test_prepare_receptor_stores_the_pdbqt_and_reports_residues(
    run_task: RunTask, c184l: Path
) -> None:
    run = run_task("prepare_receptor")
    out = run("prepare_receptor", {"receptor": str(c184l / "receptor.pdb")})
    assert out["receptor"] == "receptor" and out["atoms"] > 1000
    pdbqt = run.ctx.artifacts.get_bytes(out["pdbqt"]).decode()
    assert pdbqt.count("ATOM") > 1000 and " HD" in pdbqt  # polar hydrogens with their type
    assert run.ctx.artifacts.get_bytes(out["pdb"]).decode().startswith(("ATOM", "REMARK", "HEADER"))
    assert sum(out["counts"].values()) == len(out["report"])
    assert all({"residue", "action", "detail"} <= set(r) for r in out["report"])
    assert run.progress[-1] == (1, 1)
    with run.ctx.store.unit_of_work() as uow:
        job = uow.jobs.get(run.ctx.organization_id, run.ctx.job_id)
    assert (job.progress_done, job.progress_total) == (1, 1)


def test_prepare_receptor_reads_an_artifact_key(run_task: RunTask, c184l: Path) -> None:
    run = run_task("prepare_receptor")
    key = run.ctx.artifacts.put_file(c184l / "receptor.pdb", name="184l.pdb").key
    out = run("prepare_receptor", {"receptor": key, "name": "lysozyme"})
    assert out["receptor"] == "lysozyme"


def test_prepare_receptor_names_a_missing_file_and_a_missing_group(
    run_task: RunTask, c184l: Path, tmp_path: Path
) -> None:
    run = run_task("prepare_receptor")
    with pytest.raises(InputFileError) as info:
        run("prepare_receptor", {"receptor": str(tmp_path / "none.pdb")})
    assert "none.pdb" in str(info.value) and info.value.details["field"] == "receptor"
    with pytest.raises(ValidationError, match="sha256"):
        run("prepare_receptor", {"receptor": "sha256/ab/" + "c" * 62})
    with pytest.raises(ValidationError, match="ZN"):
        run("prepare_receptor", {"receptor": str(c184l / "receptor.pdb"), "keep_hetero": ["ZN"]})


def test_prepare_ligands_reports_bad_ones_and_keeps_going(run_task: RunTask, c184l: Path) -> None:
    run = run_task("prepare_ligands")
    out = run(
        "prepare_ligands",
        {
            "ligands": str(c184l / "ligand.sdf"),
            "smiles": ["CCO ethanol", "C1CC(", "c1ccccc1O", "[Se]"],
        },
    )
    names = [lig["name"] for lig in out["ligands"]]
    assert names[1:] == ["ethanol", "smiles_3"] and len(names) == 3
    assert [f["ligand"] for f in out["failed"]] == ["C1CC(", "smiles_4"]
    assert "smiles[1]" in out["failed"][0]["error"]
    assert "Meeko" in out["failed"][1]["error"]  # no AutoDock type for selenium
    for lig in out["ligands"]:
        coords, types = read_pdbqt_atoms(run.ctx.artifacts.get_bytes(lig["pdbqt"]).decode())
        assert len(coords) == len(types) > 0
    sdf = run.ctx.artifacts.get_bytes(out["sdf"]).decode()
    assert sdf.count("$$$$") == 3
    assert run.progress[-1] == (4, 4) and len(run.partials) == 3


def test_prepare_ligands_skips_bad_records_of_a_file(
    run_task: RunTask, c184l: Path, tmp_path: Path
) -> None:
    good = (c184l / "ligand.sdf").read_text()
    mixed = tmp_path / "mixed.sdf"
    mixed.write_text(good + "broken\n\n\n  1  0  0  0  0  0            999 V2000\nM  END\n$$$$\n")
    run = run_task("prepare_ligands")
    out = run("prepare_ligands", {"ligands": str(mixed), "protonation": False})
    assert len(out["ligands"]) == 1
    (failed,) = out["failed"]
    assert failed["ligand"] == "record 2" and "mixed.sdf" in failed["error"]


def test_prepare_ligands_strict_fails_on_the_first_bad_one(run_task: RunTask) -> None:
    run = run_task("prepare_ligands")
    with pytest.raises(ValidationError) as info:
        run("prepare_ligands", {"smiles": ["CCO", "C1CC("], "strict": True})
    assert info.value.field == "smiles[1]"
    with pytest.raises(PreparationError, match="no ligand could be prepared"):
        run("prepare_ligands", {"smiles": ["C1CC("]})
    with pytest.raises(ValidationError, match="give at least one of ligands, smiles"):
        run("prepare_ligands", {})


def test_dock_stores_each_ligand_and_returns_the_summary(run_task: RunTask, c184l: Path) -> None:
    run = run_task("dock")
    ligand = str(c184l / "ligand.sdf")
    out = run(
        "dock",
        {
            "receptor": str(c184l / "receptor.pdb"),
            "ligand_files": [ligand],
            "smiles": ["CC(C)Cc1ccccc1 isobutylbenzene"],
            "autobox_ligand": ligand,
            "reference": ligand,
            "exhaustiveness": 2,
            "num_poses": 3,
            "cpu": 1,
        },
    )
    assert out["docked"] == 2 and out["failed"] == 0 and not out["cancelled"]
    assert set(out["box"]) == {"center", "size"}
    with run.ctx.store.unit_of_work() as uow:
        stored = {r.id: r for r in uow.results.for_job(run.ctx.organization_id, run.ctx.job_id)}
    for entry in out["ligands"]:
        assert entry["result_id"] in stored
        assert entry["poses"] == len(stored[entry["result_id"]].poses) <= 3
        assert entry["best_affinity"] < -3.0
        assert entry["best_rmsd"] is not None and entry["best_rmsd"] >= 0
    assert out["receptor_pdbqt"] and run.ctx.artifacts.exists(out["receptor_pdbqt"])
    assert [p["ligand"] for p in run.partials] == [e["ligand"] for e in out["ligands"]]
    assert run.progress[0] == (0, 2) and run.progress[-1] == (2, 2)


def test_dock_rules_beyond_the_schema_are_named(run_task: RunTask, c184l: Path) -> None:
    run = run_task("dock")
    with pytest.raises(ValidationError) as info:
        run("dock", {"receptor": str(c184l / "receptor.pdb"), "smiles": ["CCO"]})
    assert "exactly one box" in str(info.value)
    assert info.value.details["errors"][0]["field"] == ""
    with pytest.raises(ValidationError) as info:
        run(
            "dock",
            {"receptor": str(c184l / "receptor.pdb"), "whole_receptor": True, "exhaustiveness": 0},
        )
    assert info.value.details["errors"] == [
        {"field": "exhaustiveness", "message": "0 is less than the minimum of 1"}
    ]
    with pytest.raises(InputFileError, match="ligand_files"):
        run("dock", {"receptor": str(c184l / "receptor.pdb"), "ligand_files": ["/nope.sdf"]})


def test_dock_fails_when_no_ligand_docks(run_task: RunTask, c184l: Path) -> None:
    run = run_task("dock")
    with pytest.raises(EngineError) as info:  # Vina has no atom type for boron
        run(
            "dock",
            {
                "receptor": str(c184l / "receptor.pdb"),
                "smiles": ["OB(O)c1ccccc1 phenylboronic"],
                "autobox_ligand": str(c184l / "ligand.sdf"),
                "exhaustiveness": 1,
                "cpu": 1,
            },
        )
    assert "no ligand could be docked" in str(info.value) and "phenylboronic" in str(info.value)
    with run.ctx.store.unit_of_work() as uow:  # the failure itself is kept with the job
        (result,) = uow.results.for_job(run.ctx.organization_id, run.ctx.job_id)
    assert result.error and "B" in result.error


@pytest.mark.parametrize(("complex_id", "smina"), [("184l", -6.67189), ("1uw6", -5.11237)])
def test_rescore_scores_crystal_poses_like_smina(
    run_task: RunTask, complexes: Path, complex_id: str, smina: float
) -> None:
    folder = complexes / complex_id
    run = run_task("rescore")
    out = run(
        "rescore", {"receptor": str(folder / "receptor.pdb"), "poses": str(folder / "ligand.sdf")}
    )
    assert out["scored"] == 1 and out["failed"] == 0 and out["engine"] == "vina"
    (pose,) = out["poses"]
    # smina --score_only on the same crystal pose (shared/data/peer-outputs)
    assert pose["affinity"] == pytest.approx(smina, abs=0.05)
    assert "inter" in pose["energies"]
    with run.ctx.store.unit_of_work() as uow:
        stored = uow.results.get(run.ctx.organization_id, pose["result_id"])
    assert stored.poses[0].affinity == pytest.approx(pose["affinity"])


def test_rescore_several_poses_in_a_given_box(
    run_task: RunTask, c184l: Path, tmp_path: Path
) -> None:
    text = (c184l / "ligand.sdf").read_text()
    poses = tmp_path / "two.sdf"
    poses.write_text(text + text if text.endswith("$$$$\n") else text)
    run = run_task("rescore")
    out = run(
        "rescore",
        {
            "receptor": str(c184l / "receptor.pdb"),
            "poses": str(poses),
            "box": {"center": [27.0, 6.0, 4.0], "size": [20.0, 20.0, 20.0]},
            "scoring": "vinardo",
        },
    )
    assert [p["record"] for p in out["poses"]] == [1, 2]
    names = [p["ligand"] for p in out["poses"]]
    assert len(set(names)) == 2 and names[1].endswith("_2")
    assert out["poses"][0]["affinity"] == pytest.approx(out["poses"][1]["affinity"])
    assert out["box"]["size"] == [20.0, 20.0, 20.0]


def test_rescore_refuses_flat_poses(run_task: RunTask, c184l: Path, tmp_path: Path) -> None:
    flat = tmp_path / "flat.sdf"
    flat.write_text(
        "flat\n  test\n\n  2  1  0  0  0  0            999 V2000\n"
        "    0.0000    0.0000    0.0000 C   0  0\n    1.5000    0.0000    0.0000 O   0  0\n"
        "  1  2  1  0\nM  END\n$$$$\n"
    )
    run = run_task("rescore")
    with pytest.raises(InputFileError, match=r"flat\.sdf"):
        run("rescore", {"receptor": str(c184l / "receptor.pdb"), "poses": str(flat)})


def test_redock_benchmark_measures_each_complex(
    run_task: RunTask, c184l: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "bench"
    shutil.copytree(c184l, folder / "184l")
    broken = folder / "broken"
    broken.mkdir()
    shutil.copy(c184l / "receptor.pdb", broken / "receptor.pdb")
    (broken / "ligand.sdf").write_text("")
    (folder / "notes").mkdir()  # not a complex: ignored
    run = run_task("redock_benchmark")
    out = run(
        "redock_benchmark",
        {"complexes": str(folder), "exhaustiveness": 4, "num_poses": 3, "cpu": 1},
    )
    assert out["total"] == 2 and out["errors"] == 1 and out["threshold"] == 2.0
    good, bad = out["complexes"]
    assert good["complex"] == "184l" and bad["complex"] == "broken"
    assert "ligand.sdf" in bad["error"] and not bad["success"]
    assert 0 <= good["best_rmsd"] <= good["top1_rmsd"]
    assert good["success"] == (good["top1_rmsd"] < 2.0)
    assert good["score"] < -3.0 and good["seconds"] > 0
    assert out["succeeded"] == int(good["success"])
    assert out["success_rate"] == pytest.approx(out["succeeded"] / 2)
    with run.ctx.store.unit_of_work() as uow:
        result = uow.results.get(run.ctx.organization_id, good["result_id"])
    assert result.poses[0].rmsd == pytest.approx(good["top1_rmsd"], abs=1e-3)
    assert [p["complex"] for p in run.partials] == ["184l", "broken"]


def test_redock_benchmark_input_errors(run_task: RunTask, complexes: Path, tmp_path: Path) -> None:
    run = run_task("redock_benchmark")
    with pytest.raises(ValidationError, match="nope"):
        run("redock_benchmark", {"complexes": str(complexes), "ids": ["184l", "nope"]})
    with pytest.raises(InputFileError, match="not a folder"):
        run("redock_benchmark", {"complexes": str(tmp_path / "missing")})
    with pytest.raises(InputFileError, match="no complex found"):
        run("redock_benchmark", {"complexes": str(tmp_path)})
    only_broken = tmp_path / "b" / "x"
    only_broken.mkdir(parents=True)
    (only_broken / "receptor.pdb").write_text("")
    (only_broken / "ligand.sdf").write_text("")
    with pytest.raises(InputFileError):
        run("redock_benchmark", {"complexes": str(tmp_path / "b")})


def test_long_tasks_stop_when_cancelled(run_task: RunTask, complexes: Path) -> None:
    run = run_task("redock_benchmark", cancel_after=1)
    out = run(
        "redock_benchmark",
        {"complexes": str(complexes), "ids": ["184l", "1uw6"], "exhaustiveness": 1, "num_poses": 1},
    )
    assert [c["complex"] for c in out["complexes"]] == ["184l"]
