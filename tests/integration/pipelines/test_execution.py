"""Pipeline runs on an embedded pool: conditions, failure policies, sweeps, batches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from madlab.bootstrap import Services
from madlab.domain.jobs import JobStatus
from madlab.pipelines.service import PipelineService
from madlab.runtime.local import LocalQueue

from .conftest import ORG

Platform = tuple[Services, PipelineService, LocalQueue]


def run(pipelines: PipelineService, spec: dict[str, Any], **kw: Any) -> dict[str, Any]:
    job = pipelines.execute(ORG, "alice", spec=spec, report=False, poll_s=0.1, **kw)
    final = pipelines.wait(ORG, job.id, timeout=120)
    outputs: dict[str, Any] = final.execution_metrics.get("outputs", {})
    outputs["_job"] = final
    return outputs


def branch_spec(threshold: float) -> dict[str, Any]:
    return {
        "name": "branch",
        "inputs": {"threshold": threshold},
        "steps": [
            {"id": "dock", "task": "emit", "parameters": {"out": {"best_affinity": -9.1}}},
            {
                "id": "rescore",
                "task": "emit",
                "when": "steps.dock.outputs.best_affinity < inputs.threshold",
                "parameters": {"out": {"seen": "${steps.dock.outputs.best_affinity}"}},
            },
            {"id": "report", "task": "emit", "depends_on": ["rescore"]},
        ],
    }


def test_condition_taken_and_not_taken(platform: Platform) -> None:
    _, pipelines, _ = platform
    taken = run(pipelines, branch_spec(-8))
    assert taken["status"] == "succeeded"
    assert taken["steps"]["rescore"]["status"] == "succeeded"
    assert taken["steps"]["rescore"]["outputs"] == {"seen": -9.1}
    skipped = run(pipelines, branch_spec(-10))
    assert skipped["_job"].status is JobStatus.SUCCEEDED
    assert skipped["steps"]["rescore"]["status"] == "skipped"
    assert skipped["steps"]["report"]["status"] == "succeeded"
    names = [j.name for j in pipelines.steps(ORG, skipped["_job"].id)]
    assert sorted(names) == ["dock", "report"]


def test_failure_stops_or_lets_independent_branches_finish(platform: Platform) -> None:
    _, pipelines, _ = platform
    steps = [
        {"id": "bad", "task": "fail"},
        {"id": "after_bad", "task": "emit", "depends_on": ["bad"]},
        {"id": "other", "task": "emit", "parameters": {"seconds": 0.5, "out": {"ok": True}}},
    ]
    cont = run(
        pipelines, {"name": "c", "steps": steps, "on_failure": "continue", "mode": "parallel"}
    )
    assert cont["_job"].status is JobStatus.FAILED
    assert cont["steps"]["bad"]["status"] == "failed"
    assert "no protein atoms" in cont["steps"]["bad"]["error"]["message"]
    assert cont["steps"]["after_bad"]["status"] == "blocked"
    assert cont["steps"]["other"]["status"] == "succeeded"
    assert "step bad failed" in cont["_job"].error["message"]
    stop = run(pipelines, {"name": "s", "steps": steps, "on_failure": "stop"})
    assert stop["steps"]["bad"]["status"] == "failed"
    assert stop["steps"]["other"]["status"] == "blocked"


def test_grid_sweep_runs_once_per_point(platform: Platform) -> None:
    _, pipelines, _ = platform
    spec = {
        "name": "sweep",
        "inputs": {"exhaustiveness": 1, "size": 10},
        "mode": "parallel",
        "steps": [
            {
                "id": "dock",
                "task": "emit",
                "parameters": {"out": {"e": "${inputs.exhaustiveness}", "size": "${inputs.size}"}},
            }
        ],
        "sweep": {
            "method": "grid",
            "space": {"exhaustiveness": [1, 4], "size": [10, 12, 14]},
            "objective": "steps.dock.outputs.size",
            "direction": "maximize",
        },
    }
    out = run(pipelines, spec)
    assert out["status"] == "succeeded"
    assert len(out["trials"]) == 6
    assert [t["point"] for t in out["trials"]][:2] == [
        {"exhaustiveness": 1, "size": 10},
        {"exhaustiveness": 1, "size": 12},
    ]
    assert all(
        t["steps"]["dock"]["outputs"]["e"] == t["point"]["exhaustiveness"] for t in out["trials"]
    )
    assert out["best"]["objective"] == 14
    assert len(pipelines.steps(ORG, out["_job"].id)) == 6


def test_batch_over_fifty_ligands(platform: Platform, tmp_path: Path) -> None:
    _, pipelines, _ = platform
    library = tmp_path / "library.sdf"
    library.write_text(
        "".join(
            f"lig{i:02d}{'x' * (i % 7)}\n  test\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\n"
            "M  END\n$$$$\n"
            for i in range(50)
        )
    )
    spec = {
        "name": "screen",
        "inputs": {"library": str(library)},
        "mode": "optimized",
        "steps": [
            {
                "id": "screen",
                "task": "count",
                "parameters": {"receptor": "r.pdbqt"},
                "foreach": {"library": "${inputs.library}", "chunk_size": 10},
            },
            {
                "id": "hits",
                "task": "emit",
                "when": "steps.screen.outputs.n == 50 and steps.screen.outputs.best_min <= -11",
                "parameters": {"out": {"total": "${steps.screen.outputs.n}"}},
            },
        ],
    }
    out = run(pipelines, spec)
    assert out["status"] == "succeeded"
    screen = out["steps"]["screen"]["outputs"]
    assert screen["count"] == 5 and screen["n"] == 50
    assert sorted(screen["names"])[0] == "lig00" and len(set(screen["names"])) == 50
    assert out["steps"]["hits"]["outputs"] == {"total": 50}
    names = sorted(j.name or "" for j in pipelines.steps(ORG, out["_job"].id))
    assert names == ["hits", *[f"screen[{i}]" for i in range(5)]]


def test_a_library_uploaded_to_a_shared_service_is_screened_by_its_key(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under MADLAB_INPUT_ROOTS (a hub service) a library travels as an artifact key."""
    services, pipelines, _ = platform
    library = tmp_path / "uploads" / "library.sdf"
    library.parent.mkdir()
    library.write_text(
        "".join(
            f"lig{i}\n  test\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n$$$$\n"
            for i in range(12)
        )
    )
    monkeypatch.setenv("MADLAB_INPUT_ROOTS", str(tmp_path / "examples"))

    def screen(library_ref: str) -> dict[str, Any]:
        spec = {
            "name": "screen",
            "inputs": {"library": library_ref},
            "steps": [
                {
                    "id": "screen",
                    "task": "count",
                    "parameters": {"receptor": "r.pdbqt"},
                    "foreach": {"library": "${inputs.library}", "chunk_size": 5},
                }
            ],
        }
        return run(pipelines, spec)

    refused = screen(str(library))  # a path outside the roots
    # (the run's coordinator starts with the first run, in this environment)
    assert refused["_job"].status is JobStatus.FAILED
    assert "steps.screen.foreach" in str(refused["_job"].error)

    key = services.artifacts.put_file(
        library, name="library.sdf", media_type="chemical/x-mdl-sdfile"
    ).key
    out = screen(key)
    assert out["status"] == "succeeded"
    assert out["steps"]["screen"]["outputs"]["n"] == 12
    assert out["steps"]["screen"]["outputs"]["count"] == 3
