"""A pool of one worker runs pipelines: the run waits on the coordinator, not in the worker."""

from __future__ import annotations

from pathlib import Path

from madlab.domain.jobs import JobStatus

from .conftest import ORG, Platform


def two_steps(name: str, log: Path) -> dict[str, object]:
    return {
        "name": name,
        "steps": [
            {"id": "a", "task": "emit", "parameters": {"log": str(log), "label": f"{name}.a"}},
            {
                "id": "b",
                "task": "emit",
                "depends_on": ["a"],
                "parameters": {"log": str(log), "label": f"{name}.b", "out": {"done": True}},
            },
        ],
    }


def test_a_two_step_pipeline_ends_on_a_one_worker_pool(
    one_worker: Platform, tmp_path: Path
) -> None:
    _, pipelines, queue = one_worker
    assert queue.size == 1
    log = tmp_path / "steps.log"
    first = pipelines.execute(ORG, "alice", spec=two_steps("p1", log), report=False, poll_s=0.1)
    second = pipelines.execute(ORG, "alice", spec=two_steps("p2", log), report=False, poll_s=0.1)
    for run in (first, second):
        final = pipelines.wait(ORG, run.id, timeout=120)
        assert final.status is JobStatus.SUCCEEDED, final.error
        assert final.execution_metrics["outputs"]["steps"]["b"]["outputs"] == {"done": True}
        assert final.resource_usage["worker"] == queue.coordinator_name
        steps = pipelines.steps(ORG, run.id)
        assert [j.name for j in steps] == ["a", "b"]
        assert {j.resource_usage["worker"] for j in steps} == {queue.names[0]}
    lines = log.read_text().split()
    assert sorted(lines) == ["p1.a", "p1.b", "p2.a", "p2.b"]
    assert lines.index("p1.a") < lines.index("p1.b")
    assert lines.index("p2.a") < lines.index("p2.b")
    assert len(queue.worker_pids()) == 1 and queue.coordinator_pid() is not None
