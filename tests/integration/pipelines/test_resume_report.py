"""A run resumes after its worker is killed; its report notebook holds its results."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import nbformat

from madlab.bootstrap import Services
from madlab.domain.jobs import JobStatus
from madlab.pipelines.service import PipelineService
from madlab.runtime.local import LocalQueue

from .conftest import ORG, wait_for

Platform = tuple[Services, PipelineService, LocalQueue]


def test_resume_after_the_worker_is_killed_mid_run(platform: Platform, tmp_path: Path) -> None:
    _, pipelines, _ = platform
    log = tmp_path / "steps.log"

    def step(sid: str, seconds: float, *deps: str) -> dict[str, object]:
        params = {"seconds": seconds, "log": str(log), "label": sid, "out": {"done": sid}}
        return {"id": sid, "task": "emit", "parameters": params, "depends_on": list(deps)}

    spec = {
        "name": "long",
        "steps": [
            step(
                "a",
                0,
            ),
            step("b", 4, "a"),
            step("c", 0, "b"),
        ],
    }
    run = pipelines.execute(ORG, "alice", spec=spec, report=False, poll_s=0.1)

    def b_running() -> bool:
        steps = pipelines.status(ORG, run.id)["steps"]
        return steps.get("b", {}).get("status") == "running"

    wait_for(b_running, 60, "step b to run")
    holder = pipelines.jobs.get(ORG, run.id).resource_usage["pid"]
    os.kill(holder, signal.SIGKILL)  # the worker running the pipeline dies mid-run
    final = pipelines.wait(ORG, run.id, timeout=120)
    assert final.status is JobStatus.SUCCEEDED
    assert final.attempt == 2
    assert log.read_text().splitlines() == ["a", "b", "c"]  # nothing ran twice
    outputs = final.execution_metrics["outputs"]
    assert outputs["steps"]["a"]["reused"] == 1
    assert outputs["steps"]["c"]["outputs"] == {"done": "c"}
    assert sorted(j.name or "" for j in pipelines.steps(ORG, run.id)) == ["a", "b", "c"]


def test_cancel_stops_the_run_and_its_steps(platform: Platform) -> None:
    _, pipelines, _ = platform
    spec = {
        "name": "slow",
        "steps": [{"id": "wait", "task": "emit", "parameters": {"seconds": 30}}],
    }
    run = pipelines.execute(ORG, "alice", spec=spec, report=False, poll_s=0.1)
    wait_for(lambda: "wait" in pipelines.status(ORG, run.id)["steps"], 60, "the step")
    pipelines.cancel(ORG, run.id, user="alice")
    assert pipelines.wait(ORG, run.id, timeout=60).status is JobStatus.CANCELLED
    step = pipelines.steps(ORG, run.id)[0]
    wait_for(lambda: pipelines.jobs.get(ORG, step.id).is_final, 60, "the step to stop")
    assert pipelines.jobs.get(ORG, step.id).status is JobStatus.CANCELLED


def test_the_report_notebook_exists_and_holds_the_results(platform: Platform) -> None:
    services, pipelines, _ = platform
    spec = {
        "name": "Reported run",
        "steps": [
            {"id": "dock", "task": "emit", "parameters": {"out": {"best_affinity": -9.25}}},
            {
                "id": "summary",
                "task": "emit",
                "depends_on": ["dock"],
                "parameters": {"out": {"kept": 3}},
            },
        ],
    }
    run = pipelines.execute(ORG, "alice", spec=spec, poll_s=0.1)
    final = pipelines.wait(ORG, run.id, timeout=240)
    assert final.status is JobStatus.SUCCEEDED, final.error
    report = final.execution_metrics["outputs"]["report"]
    assert report["template"] == "pipeline_report"
    path = Path(report["path"])
    assert path.is_file()
    assert services.artifacts.exists(report["artifact"])
    notebook = nbformat.read(path, as_version=4)
    text = json.dumps([c.get("outputs", []) for c in notebook.cells])
    assert "Reported run" in text
    assert "best_affinity=-9.25" in text and "kept=3" in text
    assert "succeeded" in text
