"""The pipeline executor in one process: each step job runs as soon as it is queued.

The queue here hands every job straight to the runtime's own executor (not
isolated in a child process), so a run's steps, conditions, batches, sweeps,
failure policies, cancel and resume are exercised without a worker pool.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from madlab.bootstrap import Services, build_services
from madlab.domain.jobs import Job
from madlab.errors import NotFoundError
from madlab.pipelines.executor import PipelineExecutor, merge_outputs, summarize
from madlab.pipelines.report import template_path, write_report
from madlab.pipelines.spec import parse_spec
from madlab.runtime.bus_memory import InMemoryEventBus
from madlab.runtime.executor import JobExecutor
from madlab.runtime.queue import JobQueue
from madlab.runtime.service import JobService
from madlab.settings import Settings
from madlab.tasks.context import TaskContext

from .step_tasks import STEP_TASKS

ORG = "acme"


class InlineQueue(JobQueue):
    """Runs each queued job at once, in this process, with the runtime's executor."""

    kind = "inline"

    def __init__(self) -> None:
        self.executor: JobExecutor | None = None
        self.ran: list[str] = []

    def enqueue(self, job: Job) -> None:
        assert self.executor is not None
        self.ran.append(job.name or job.id)
        self.executor.run(job.organization_id, job.id)

    def revoke(self, job: Job) -> None:
        """Nothing runs later."""


@pytest.fixture()
def setup(tmp_path: Path) -> Iterator[tuple[Services, PipelineExecutor, InlineQueue]]:
    settings = Settings.from_env({"MADLAB_HOME": str(tmp_path / "home")})
    services = build_services(settings)
    services.events = InMemoryEventBus()
    with services.store.unit_of_work() as uow:
        uow.organizations.ensure(ORG)
    for definition in STEP_TASKS:
        services.tasks.register(definition, organization_id=ORG)
    queue = InlineQueue()
    queue.executor = JobExecutor(
        store=services.store,
        artifacts=services.artifacts,
        engine_factory=services.engine,
        tasks=services.tasks,
        events=services.events,
        work_root=services.work_root,
        worker="inline",
        isolate=False,
    )
    jobs = JobService(
        store=services.store, tasks=services.tasks, queue=queue, events=services.events
    )
    executor = PipelineExecutor(jobs, data_dir=tmp_path / "data", poll_s=0.01)
    yield services, executor, queue
    services.store.dispose()


def run_job(services: Services) -> str:
    with services.store.unit_of_work() as uow:
        job = uow.jobs.add(organization_id=ORG, user="alice", task_id="pipeline", task_version="1")
    return job.id


def emit(sid: str, out: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": sid, "task": "emit", "parameters": {"out": out or {"step": sid}}, **extra}


def test_conditions_batches_and_resume(
    setup: tuple[Services, PipelineExecutor, InlineQueue], tmp_path: Path
) -> None:
    services, executor, queue = setup
    library = tmp_path / "lib.smi"
    library.write_text("".join(f"{'C' * (i + 1)} m{i}\n" for i in range(7)))
    spec = parse_spec(
        {
            "name": "p",
            "inputs": {"lib": str(library)},
            "mode": "sequential",
            "steps": [
                {
                    "id": "batch",
                    "task": "emit",
                    "foreach": {"library": "${inputs.lib}", "chunk_size": 3},
                    "parameters": {"out": {"n": 1, "names": ["x"]}},
                },
                emit("big", when="steps.batch.outputs.n >= 3"),
                emit("small", when="steps.batch.outputs.n < 3"),
                emit("last", depends_on=["big", "small"]),
            ],
        }
    )
    run_id = run_job(services)
    seen: list[tuple[int, int]] = []
    out = executor.run(ORG, run_id, spec, progress=lambda d, t: seen.append((d, t)))
    assert out["status"] == "succeeded"
    steps = out["steps"]
    assert steps["batch"]["outputs"]["count"] == 3 and steps["batch"]["outputs"]["n"] == 3
    assert steps["batch"]["outputs"]["names"] == ["x", "x", "x"]
    assert steps["big"]["status"] == "succeeded" and steps["small"]["status"] == "skipped"
    assert steps["last"]["status"] == "succeeded"
    assert seen[-1] == (4, 4)
    assert queue.ran == ["batch[0]", "batch[1]", "batch[2]", "big", "last"]
    again = executor.run(ORG, run_id, spec)  # resumed: nothing is submitted again
    assert queue.ran == ["batch[0]", "batch[1]", "batch[2]", "big", "last"]
    assert again["steps"]["batch"]["reused"] == 3 and again["status"] == "succeeded"


def test_failure_policies_and_errors(setup: tuple[Services, PipelineExecutor, InlineQueue]) -> None:
    services, executor, _ = setup
    steps = [
        {"id": "bad", "task": "fail"},
        emit("after", depends_on=["bad"]),
        emit("free"),
    ]
    out = executor.run(
        ORG,
        run_job(services),
        parse_spec({"name": "p", "steps": steps, "on_failure": "continue", "mode": "parallel"}),
    )
    assert out["status"] == "failed"
    assert out["steps"]["after"]["status"] == "blocked"
    assert out["steps"]["free"]["status"] == "succeeded"
    assert out["error"]["step"] == "bad"
    # a reference that cannot be resolved fails its step, naming it
    broken = parse_spec(
        {
            "name": "p",
            "steps": [{"id": "a", "task": "emit", "parameters": {"x": "${inputs.missing}"}}],
        }
    )
    out = executor.run(ORG, run_job(services), broken)
    assert out["status"] == "failed"
    assert "inputs.missing is not defined" in out["steps"]["a"]["error"]["message"]
    # an unknown task fails at submit
    out = executor.run(
        ORG, run_job(services), parse_spec({"name": "p", "steps": [{"id": "a", "task": "nope"}]})
    )
    assert out["steps"]["a"]["status"] == "failed"
    assert out["error"]["message"].startswith("step a failed")


def test_random_sweep_records_every_trial(
    setup: tuple[Services, PipelineExecutor, InlineQueue],
) -> None:
    services, executor, queue = setup
    spec = parse_spec(
        {
            "name": "sweep",
            "inputs": {"x": 0},
            "steps": [emit("score", {"value": "${inputs.x}"})],
            "sweep": {
                "method": "random",
                "space": {"x": {"low": 0, "high": 10}},
                "trials": 4,
                "seed": 3,
                "objective": "steps.score.outputs.value",
            },
        }
    )
    out = executor.run(ORG, run_job(services), spec)
    assert len(out["trials"]) == 4 and len(queue.ran) == 4
    assert queue.ran == [f"t{k}.score" for k in range(4)]
    values = [t["objective"] for t in out["trials"]]
    assert out["best"]["objective"] == min(values)
    assert [t["point"]["x"] for t in out["trials"]] == values


def test_cancel_marks_the_rest(setup: tuple[Services, PipelineExecutor, InlineQueue]) -> None:
    services, executor, queue = setup
    spec = parse_spec({"name": "p", "steps": [emit("a"), emit("b", depends_on=["a"])]})
    out = executor.run(ORG, run_job(services), spec, is_cancelled=lambda: True)
    assert out["status"] == "cancelled"
    assert {s["status"] for s in out["steps"].values()} == {"cancelled"}
    assert queue.ran == []


def test_merge_and_summary() -> None:
    merged = merge_outputs([{"n": 2, "l": [1], "s": "a"}, {"n": 5, "l": [2], "s": "b"}])
    assert merged["n"] == 7 and merged["n_min"] == 2 and merged["n_max"] == 5
    assert merged["l"] == [1, 2] and "s" not in merged and merged["count"] == 2
    docked = summarize(
        {"ligands": [{"best_affinity": -7.5}, {"best_affinity": None}, {"best_affinity": -9.0}]}
    )
    assert docked["best_affinity"] == -9.0 and docked["docked_count"] == 2
    assert summarize({"x": 1}) == {"x": 1}


def test_report_notebook_in_process(
    setup: tuple[Services, PipelineExecutor, InlineQueue], tmp_path: Path
) -> None:
    services, _, _ = setup
    run_id = run_job(services)
    workdir = services.work_root / "job-report"
    workdir.mkdir(parents=True)
    ctx = TaskContext(
        organization_id=ORG,
        job_id=run_id,
        user="alice",
        store=services.store,
        artifacts=services.artifacts,
        engine_factory=services.engine,
        workdir=workdir,
        out_dir=tmp_path,
    )
    spec = parse_spec({"name": "Weekly screen", "steps": [emit("a")]})
    outputs = {
        "status": "succeeded",
        "steps": {"a": {"status": "succeeded", "outputs": {"best_affinity": -8.5}}},
        "trials": [{}, {}],
        "best": {"point": {"x": 1}, "objective": -8.5},
    }
    report = write_report(ctx, spec, outputs)
    text = json.dumps([c.get("outputs", []) for c in nbformat.read(report["path"], 4).cells])
    assert "Weekly screen" in text and "best_affinity=-8.5" in text and "Sweep trials" in text
    assert (tmp_path / Path(report["path"]).name).is_file()
    with pytest.raises(NotFoundError, match="pipeline_report"):
        template_path("no_such_template")


def test_the_pipeline_task_in_process(
    setup: tuple[Services, PipelineExecutor, InlineQueue],
) -> None:
    from madlab.pipelines.task import run as run_pipeline

    services, _, _ = setup
    run_id = run_job(services)
    workdir = services.work_root / "job-task"
    workdir.mkdir(parents=True)
    ctx = TaskContext(
        organization_id=ORG,
        job_id=run_id,
        user="alice",
        store=services.store,
        artifacts=services.artifacts,
        engine_factory=services.engine,
        workdir=workdir,
    )
    spec = {"name": "p", "steps": [emit("a", when="false")], "report": "missing_template"}
    out = run_pipeline(ctx, {"spec": spec, "inputs": {}})
    assert out["status"] == "succeeded" and out["steps"]["a"]["status"] == "skipped"
    assert out["report"]["error"]["code"] == "not_found"
    quiet = run_pipeline(ctx, {"spec": spec, "report": False})
    assert "report" not in quiet


def test_a_notebook_task_in_process(
    setup: tuple[Services, PipelineExecutor, InlineQueue], tmp_path: Path
) -> None:
    from madlab.pipelines.notebook_tasks import sync_notebook_tasks

    services, executor, _ = setup
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("word = 'hi'  # what to say")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("print(word * 2)")]
    nbformat.write(nb, tmp_path / "say.ipynb")
    sync_notebook_tasks(services.tasks, services.store, tmp_path, organization_id=ORG)
    job = executor.jobs.submit(ORG, "alice", "notebook-say", {"word": "ho"})
    done = executor.jobs.get(ORG, job.id)
    assert done.status.value == "succeeded", done.error
    executed = nbformat.read(done.execution_metrics["outputs"]["path"], 4)
    assert "hoho" in json.dumps([c.get("outputs", []) for c in executed.cells])
    (tmp_path / "say.ipynb").unlink()
    gone = executor.jobs.submit(ORG, "alice", "notebook-say", {"word": "ho"})
    failed = executor.jobs.get(ORG, gone.id)
    assert failed.status.value == "failed" and "sync again" in str(failed.error)


def bayesian_spec(seed: int) -> dict[str, Any]:
    return {
        "name": "tpe",
        "inputs": {"x": 0.0, "n": 1},
        "steps": [emit("score", {"value": "${inputs.x}", "n": "${inputs.n}"})],
        "sweep": {
            "method": "bayesian",
            "space": {"x": {"low": 0.0, "high": 10.0}, "n": {"low": 1, "high": 4}},
            "trials": 16,
            "seed": seed,
            "objective": "steps.score.outputs.value",
        },
    }


def test_bayesian_search_records_every_trial_and_the_best(
    setup: tuple[Services, PipelineExecutor, InlineQueue],
) -> None:
    services, executor, queue = setup
    out = executor.run(ORG, run_job(services), parse_spec(bayesian_spec(seed=5)))
    trials = out["trials"]
    assert out["status"] == "succeeded"
    assert len(trials) == 16 and queue.ran == [f"t{k}.score" for k in range(16)]
    assert [t["number"] for t in trials] == list(range(16))
    for trial in trials:  # each trial ran at its point and recorded its objective
        assert (
            trial["objective"] == trial["point"]["x"] == trial["steps"]["score"]["outputs"]["value"]
        )
        assert isinstance(trial["point"]["n"], int) and 1 <= trial["point"]["n"] <= 4
        assert 0.0 <= trial["point"]["x"] <= 10.0
    objectives = [t["objective"] for t in trials]
    assert out["best"]["objective"] == min(objectives)
    assert out["best"]["point"] == trials[objectives.index(min(objectives))]["point"]
    # after 10 random start-up trials, TPE proposes points where the objective is low
    assert sum(objectives[10:]) / 6 < sum(objectives[:10]) / 10
    # seeded: the same seed proposes the same points, another seed others
    again = executor.run(ORG, run_job(services), parse_spec(bayesian_spec(seed=5)))
    assert [t["point"] for t in again["trials"]] == [t["point"] for t in trials]
    other = executor.run(ORG, run_job(services), parse_spec(bayesian_spec(seed=6)))
    assert [t["point"] for t in other["trials"]] != [t["point"] for t in trials]


def test_bayesian_search_needs_an_objective() -> None:
    from madlab.errors import ValidationError

    spec = bayesian_spec(seed=1)
    del spec["sweep"]["objective"]
    with pytest.raises(ValidationError, match="Bayesian search learns from an objective") as info:
        parse_spec(spec)
    assert info.value.field.startswith("sweep")
