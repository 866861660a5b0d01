"""Docking results and poses round-trip with their scores and SDF records."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from madlab.domain import Box, JobStatus, LigandResult, Pose
from madlab.errors import NotFoundError, ValidationError
from madlab.store import Store


def _record(complexes: Path, pdb_id: str, tags: dict[str, float]) -> str:
    """The crystal ligand of a complex as one SDF record, with score tags."""
    text = (complexes / pdb_id / "ligand.sdf").read_text()
    block = text.split("$$$$")[0].rstrip("\n")
    block = block.split("M  END")[0] + "M  END\n"
    for tag, value in tags.items():
        block += f">  <{tag}>\n{value}\n\n"
    return block + "$$$$\n"


def _result(complexes: Path, ligand: str, affinities: list[float]) -> LigandResult:
    poses = [
        Pose(
            rank=i + 1,
            affinity=a,
            molblock=_record(
                complexes, "184l", {"minimizedAffinity": a, "CNNscore": 0.91 - i / 10}
            ),
            energies={"inter": a - 0.4, "intra": -0.21, "torsional": 0.3},
            rmsd=0.42 + i if i < 2 else None,
            scores={"CNNscore": 0.91 - i / 10, "CNNaffinity": 5.5 - i},
        )
        for i, a in enumerate(affinities)
    ]
    return LigandResult(
        ligand=ligand,
        smiles="CCC(C)c1ccccc1",
        poses=poses,
        engine="vina",
        backend="vina-python",
        engine_version="1.2.7",
        parameters={"exhaustiveness": 8, "num_poses": 3, "seed": 42},
        box=Box(center=(27.0, 7.25, 3.5), size=(20.0, 20.0, 22.5)),
        seconds=1.25,
    )


@pytest.fixture()
def job(store: Store, org: str) -> str:
    with store.unit_of_work() as uow:
        job = uow.jobs.add(organization_id=org, user="alice", task_id="dock", task_version="1")
        uow.jobs.transition(org, job.id, JobStatus.QUEUED)
        uow.jobs.transition(org, job.id, JobStatus.RUNNING)
    return job.id


def test_a_result_and_its_poses_round_trip(
    store: Store, org: str, job: str, complexes: Path
) -> None:
    original = _result(complexes, "I4B", [-6.21, -5.87, -5.02])
    files = {"poses_sdf": "sha256/ab/" + "c" * 62 + ".gz"}
    with store.unit_of_work() as uow:
        result_id = uow.results.add(
            org, job, original, files=files, visualization={"contacts": [["A:LEU:99", 3.6]]}
        )
    with store.unit_of_work() as uow:
        stored = uow.results.get(org, result_id)
        [listed] = uow.results.for_job(org, job)
    assert stored == listed
    assert stored.to_ligand_result() == original
    assert stored.binding_affinity == -6.21 and stored.rmsd == 0.42
    assert stored.poses_generated == 3 and stored.files == files
    assert stored.visualization_data == {"contacts": [["A:LEU:99", 3.6]]}
    assert [p.rank for p in stored.poses] == [1, 2, 3]
    best = stored.best
    assert best is not None and best.scores == {"CNNscore": 0.91, "CNNaffinity": 5.5}
    assert best.molblock == original.poses[0].molblock
    assert ">  <minimizedAffinity>\n-6.21" in best.molblock
    assert stored.poses[2].rmsd is None
    payload = stored.to_dict()
    assert payload["box"] == {"center": [27.0, 7.25, 3.5], "size": [20.0, 20.0, 22.5]}
    assert payload["poses"][0]["energies"]["intra"] == -0.21


def test_results_come_best_first_and_failed_ligands_last(
    store: Store, org: str, job: str, complexes: Path
) -> None:
    failed = LigandResult(
        ligand="broken", smiles="", poses=[], engine="vina", backend="vina-python",
        engine_version="1.2.7", parameters={}, error="no atoms typed",
    )  # fmt: skip
    with store.unit_of_work() as uow:
        uow.results.add(org, job, failed)
        uow.results.add(org, job, _result(complexes, "weak", [-4.0]))
        uow.results.add(org, job, _result(complexes, "strong", [-9.5, -9.0]))
    with store.unit_of_work() as uow:
        ranked = uow.results.for_job(org, job)
        light = uow.results.for_job(org, job, with_poses=False, limit=2)
    assert [r.ligand for r in ranked] == ["strong", "weak", "broken"]
    assert ranked[2].binding_affinity is None and ranked[2].error == "no atoms typed"
    assert ranked[2].poses == [] and ranked[2].best is None
    assert [r.ligand for r in light] == ["strong", "weak"]
    assert all(r.poses == [] for r in light) and light[0].poses_generated == 2


def test_another_organization_cannot_read_or_add_results(
    store: Store, org: str, other_org: str, job: str, complexes: Path
) -> None:
    with store.unit_of_work() as uow:
        result_id = uow.results.add(org, job, _result(complexes, "I4B", [-6.0]))
    with store.unit_of_work() as uow:
        with pytest.raises(NotFoundError):
            uow.results.get(other_org, result_id)
        with pytest.raises(NotFoundError):
            uow.results.add(other_org, job, _result(complexes, "x", [-1.0]))
        with pytest.raises(NotFoundError):
            uow.results.get(org, result_id + 1000)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("duplicate_rank", "not unique"),
        ("nan_affinity", "finite"),
        ("inf_rmsd", "finite"),
        ("nan_score", "JSON"),
        ("bad_files", "files"),
    ],
)
def test_bad_results_are_refused_and_nothing_is_stored(
    store: Store, org: str, job: str, complexes: Path, change: str, message: str
) -> None:
    result = _result(complexes, "I4B", [-6.0, -5.0])
    files: dict[str, object] = {}
    if change == "duplicate_rank":
        result.poses[1].rank = 1
    elif change == "nan_affinity":
        result.poses[0].affinity = float("nan")
    elif change == "inf_rmsd":
        result.poses[0].rmsd = float("inf")
    elif change == "nan_score":
        result.poses[1].scores["CNNscore"] = float("nan")
    else:
        files = {"poses_sdf": 3}
    with pytest.raises(ValidationError, match=message), store.unit_of_work() as uow:
        uow.results.add(org, job, result, files=files)  # type: ignore[arg-type]
    with store.unit_of_work() as uow:
        assert uow.results.for_job(org, job) == []


def test_deleting_a_job_deletes_its_results_and_poses(
    store: Store, org: str, job: str, complexes: Path
) -> None:
    with store.unit_of_work() as uow:
        result_id = uow.results.add(org, job, _result(complexes, "I4B", [-6.0, -5.5]))
        uow.jobs.transition(org, job, JobStatus.SUCCEEDED)
    with store.unit_of_work() as uow:
        uow.jobs.delete(org, job)
    with store.unit_of_work() as uow, pytest.raises(NotFoundError):
        uow.results.get(org, result_id)
    with store.engine.connect() as conn:
        for table in ("poses", "docking_results", "job_events", "task_executions"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
