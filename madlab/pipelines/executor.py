"""The pipeline executor: runs a pipeline's steps as jobs of one pipeline run.

A pipeline run is a job (of the built-in ``pipeline`` task, or any job the
caller owns); every step instance is a child job submitted through
:class:`~madlab.runtime.service.JobService` with ``parent_id`` the run and a
stable ``name`` (``dock``, ``dock[3]`` for the fourth chunk of a batch,
``t2.dock`` in the third sweep trial). The store is the run's state: when a
run is executed again (after its worker was killed, or by ``resume``), a step
whose job already succeeded is not run again, a job still queued or running
is waited for, and only failed, cancelled or missing ones are submitted.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from madlab.domain.jobs import Job, JobStatus
from madlab.errors import ConflictError, MadlabError
from madlab.pipelines.conditions import compile_condition
from madlab.pipelines.planner import (
    balanced_chunk_size,
    check_graph,
    chunk_library,
    count_records,
    lookup,
    order_instances,
    resolve,
)
from madlab.pipelines.search import make_search
from madlab.pipelines.spec import PipelineSpec, StepSpec
from madlab.runtime.service import JobService
from madlab.tasks.input_paths import check_input_path, input_roots

__all__ = ["PipelineExecutor", "StepState", "merge_outputs", "summarize"]

log = logging.getLogger(__name__)

DONE = ("succeeded", "skipped")
BROKEN = ("failed", "cancelled", "blocked")


@dataclass
class StepState:
    """Where one step of one trial stands."""

    status: str = "pending"  # pending, running, succeeded, skipped, failed, cancelled, blocked
    outputs: dict[str, Any] = field(default_factory=dict)
    jobs: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None
    reused: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out: dict[str, Any] = {"status": self.status, "outputs": self.outputs, "jobs": self.jobs}
        if self.error:
            out["error"] = self.error
        if self.reused:
            out["reused"] = self.reused
        return out


def merge_outputs(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Fan-in of a batch step: the chunks' outputs, merged.

    Lists are concatenated, numbers summed under their key with the lowest
    and highest also kept (``<key>_min``, ``<key>_max``; the lowest is the
    best docking score), and every chunk's own outputs stay under ``chunks``.
    """
    merged: dict[str, Any] = {"chunks": parts, "count": len(parts)}
    keys = {k for p in parts for k in p}
    for key in sorted(keys):
        values = [p[key] for p in parts if key in p]
        if all(isinstance(v, list) for v in values):
            merged[key] = [x for v in values for x in v]
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            merged[key] = sum(values)
            merged[f"{key}_min"] = min(values)
            merged[f"{key}_max"] = max(values)
    return merged


def summarize(outputs: dict[str, Any]) -> dict[str, Any]:
    """Add ``best_affinity`` (the lowest) and ``docked_count`` to a docking step's outputs.

    Docking tasks list their ``ligands`` with each one's ``best_affinity``;
    conditions read the step's best as ``steps.<id>.outputs.best_affinity``.
    """
    ligands = outputs.get("ligands")
    if isinstance(ligands, list) and "best_affinity" not in outputs:
        scores = [
            float(x["best_affinity"])
            for x in ligands
            if isinstance(x, dict) and isinstance(x.get("best_affinity"), (int, float))
        ]
        if scores:
            outputs = {**outputs, "best_affinity": min(scores), "docked_count": len(scores)}
    return outputs


class PipelineExecutor:
    """Runs one pipeline run's steps as child jobs and waits for them.

    Parameters
    ----------
    jobs
        The job service the steps are submitted through.
    data_dir
        A folder that outlives the run's worker (chunk files of batches).
    poll_s
        How often the children's states are read from the store.
    workers
        Workers expected to share the steps (sizes chunks in ``optimized`` mode).
    local_file
        Makes the file a ``foreach`` library names local, given the value and
        the field to name in errors: the run's task passes one that also takes
        an uploaded file's artifact key. By default a local path, checked
        against ``MADLAB_INPUT_ROOTS``.
    """

    def __init__(
        self,
        jobs: JobService,
        *,
        data_dir: Path,
        poll_s: float = 0.25,
        workers: int = 2,
        local_file: Callable[[str, str], Path] | None = None,
    ) -> None:
        self.jobs = jobs
        self.data_dir = data_dir
        self.poll_s = poll_s
        self.workers = workers
        self.local_file = local_file or (
            lambda value, field: check_input_path(value, field, input_roots(), also=[self.data_dir])
        )

    # -- entry point ------------------------------------------------------

    def run(
        self,
        organization_id: str,
        run_id: str,
        spec: PipelineSpec,
        inputs: Mapping[str, Any] | None = None,
        *,
        user: str = "pipeline",
        pipeline_id: str | None = None,
        is_cancelled: Callable[[], bool] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, Any]:
        """Run (or resume) every trial of the pipeline and return the run's outputs.

        Returns
        -------
        dict
            ``status`` (succeeded, failed or cancelled), ``steps`` (each step's
            state of the first trial), ``trials`` (one per sweep point, with its
            ``point``, ``status``, ``steps`` and ``objective``), ``best`` (the
            best trial of a sweep), and ``error`` when the run failed.
        """
        check_graph(spec)
        self._org, self._run, self._user = organization_id, run_id, user
        self._pipeline_id = pipeline_id
        self._cancelled = is_cancelled or (lambda: False)
        self._progress = progress
        self._done_units = 0
        search = make_search(spec.sweep)
        self._total_units = len(spec.steps) * search.total
        base_inputs = {**spec.inputs, **dict(inputs or {})}
        trials: list[dict[str, Any]] = []
        while (point := search.ask()) is not None:
            k = len(trials)
            prefix = f"t{k}." if spec.sweep is not None else ""
            scope_inputs = {**base_inputs, **point}
            states = self._run_dag(spec, scope_inputs, prefix, search.total)
            trial: dict[str, Any] = {
                "number": k,
                "point": point,
                "status": _overall(states),
                "steps": {sid: s.to_dict() for sid, s in states.items()},
            }
            if spec.sweep is not None and spec.sweep.objective:
                trial["objective"] = _objective(spec.sweep.objective, scope_inputs, states)
                search.tell(point, trial["objective"])
            trials.append(trial)
            if trial["status"] == "cancelled":
                break
            if trial["status"] == "failed" and spec.on_failure == "stop":
                break
        statuses = [t["status"] for t in trials]
        status = (
            "cancelled"
            if "cancelled" in statuses
            else "failed"
            if "failed" in statuses
            else "succeeded"
        )
        out: dict[str, Any] = {
            "status": status,
            "steps": trials[0]["steps"] if trials else {},
            "trials": trials,
            "inputs": base_inputs,
        }
        if spec.sweep is not None and spec.sweep.objective:
            scored = [t for t in trials if isinstance(t.get("objective"), (int, float))]
            if scored:
                pick = min if spec.sweep.direction == "minimize" else max
                out["best"] = pick(scored, key=lambda t: float(t["objective"]))
        if status != "succeeded":
            out["error"] = _first_error(trials, status)
        return out

    # -- one trial ---------------------------------------------------------

    def _run_dag(
        self, spec: PipelineSpec, inputs: dict[str, Any], prefix: str, trials: int
    ) -> dict[str, StepState]:
        graph = check_graph(spec)
        states = {s.id: StepState() for s in spec.steps}
        pending = [s.id for s in spec.steps]
        inflight: dict[str, list[str]] = {}
        stop = False
        existing = self._children()
        while pending or inflight:
            if self._cancelled():
                self._cancel_all(inflight, states, "cancelled")
                for sid in pending:
                    states[sid].status = "cancelled"
                break
            for sid in list(pending):
                deps = graph[sid]
                if any(states[d].status in BROKEN for d in deps) or stop:
                    states[sid].status = "blocked"
                    pending.remove(sid)
                    continue
                if not all(states[d].status in DONE for d in deps):
                    continue
                if spec.mode == "sequential" and inflight:
                    break
                pending.remove(sid)
                step = spec.step(sid)
                try:
                    launched = self._launch(spec, step, inputs, states, prefix, existing, trials)
                except MadlabError as err:
                    states[sid].status, states[sid].error = "failed", err.to_dict()
                    stop = stop or spec.on_failure == "stop"
                    continue
                if launched:
                    inflight[sid] = launched
                    states[sid].status, states[sid].jobs = "running", launched
                elif states[sid].status == "pending":
                    states[sid].status = "skipped"
            if not inflight:
                if not any(all(states[d].status in DONE for d in graph[s]) for s in pending):
                    for sid in pending:
                        states[sid].status = "blocked"
                    pending.clear()
                continue
            time.sleep(self.poll_s)
            for sid, ids in list(inflight.items()):
                children = [self.jobs.get(self._org, j) for j in ids]
                if not all(c.is_final for c in children):
                    continue
                del inflight[sid]
                self._finish(spec.step(sid), states[sid], children)
                if states[sid].status == "failed" and spec.on_failure == "stop":
                    stop = True
                    self._cancel_all(inflight, states, "cancelled")
        return states

    def _launch(
        self,
        spec: PipelineSpec,
        step: StepSpec,
        inputs: dict[str, Any],
        states: dict[str, StepState],
        prefix: str,
        existing: dict[str, Job],
        trials: int,
    ) -> list[str]:
        scope = _scope(inputs, states)
        if step.when is not None:
            condition = compile_condition(step.when, field=f"steps.{step.id}.when")
            if not condition.evaluate(scope):
                states[step.id].status = "skipped"
                self._tick(1)
                return []
        params = resolve(step.parameters, scope, field=f"steps.{step.id}.parameters")
        instances: list[tuple[str, dict[str, Any]]] = []
        if step.foreach is None:
            instances.append((f"{prefix}{step.id}", params))
        else:
            library = resolve(step.foreach.library, scope, field=f"steps.{step.id}.foreach")
            library = self.local_file(str(library), f"steps.{step.id}.foreach")
            size = step.foreach.chunk_size
            if spec.mode == "optimized":
                size = balanced_chunk_size(count_records(library), self.workers, size)
            folder = self.data_dir / self._run / f"{prefix}{step.id}"
            chunks = chunk_library(library, size, folder)
            wrap = (lambda c: [str(c)]) if step.foreach.as_list else str
            batch = [
                {**params, step.foreach.parameter: wrap(chunk), "_chunk": i}
                for i, chunk in enumerate(chunks)
            ]
            for item in order_instances(batch, spec.mode):
                index = item.pop("_chunk")
                instances.append((f"{prefix}{step.id}[{index}]", item))
        ids: list[str] = []
        for name, job_params in instances:
            old = existing.get(name)
            if old is not None and (old.status is JobStatus.SUCCEEDED or not old.is_final):
                if old.status is JobStatus.SUCCEEDED:
                    states[step.id].reused += 1
                ids.append(old.id)
                continue
            job = self.jobs.submit(
                self._org,
                self._user,
                step.task,
                job_params,
                version=step.version,
                name=name,
                pipeline_id=self._pipeline_id,
                parent_id=self._run,
            )
            ids.append(job.id)
        return ids

    def _finish(self, step: StepSpec, state: StepState, children: list[Job]) -> None:
        failed = [c for c in children if c.status is not JobStatus.SUCCEEDED]
        outputs = [dict(c.execution_metrics.get("outputs") or {}) for c in children]
        self._tick(1)
        if failed:
            worst = failed[0]
            state.status = "cancelled" if worst.status is JobStatus.CANCELLED else "failed"
            state.error = worst.error or {
                "code": worst.status.value,
                "message": f"job {worst.name} {worst.status.value}",
            }
            state.outputs = merge_outputs(outputs) if step.foreach else {}
            return
        state.status = "succeeded"
        state.outputs = summarize(merge_outputs(outputs) if step.foreach else outputs[0])

    # -- helpers -------------------------------------------------------------

    def _children(self) -> dict[str, Job]:
        """The run's child jobs by name, the newest of each name."""
        found: dict[str, Job] = {}
        after: str | None = None
        while True:
            page = self.jobs.list(self._org, parent_id=self._run, limit=500, after=after)
            for job in page.items:
                if job.name is not None:
                    found.setdefault(job.name, job)
            if page.next_cursor is None:
                return found
            after = page.next_cursor

    def _cancel_all(
        self, inflight: dict[str, list[str]], states: dict[str, StepState], status: str
    ) -> None:
        for sid, ids in list(inflight.items()):
            for job_id in ids:
                with contextlib.suppress(ConflictError):  # it ended meanwhile
                    self.jobs.cancel(self._org, job_id, user="pipeline")
            states[sid].status = status
            del inflight[sid]

    def _tick(self, units: int) -> None:
        self._done_units += units
        if self._progress is not None:
            try:
                self._progress(self._done_units, max(self._done_units, self._total_units))
            except MadlabError as err:  # progress is a nicety, never a failure
                log.warning("pipeline progress not recorded: %s", err)


def _scope(inputs: Mapping[str, Any], states: Mapping[str, StepState]) -> dict[str, Any]:
    return {
        "inputs": dict(inputs),
        "steps": {
            sid: {"outputs": s.outputs, "status": s.status}
            for sid, s in states.items()
            if s.status in DONE or s.status == "failed"
        },
    }


def _overall(states: Mapping[str, StepState]) -> str:
    values = {s.status for s in states.values()}
    if "cancelled" in values:
        return "cancelled"
    if values & {"failed", "blocked"}:
        return "failed"
    return "succeeded"


def _objective(path: str, inputs: dict[str, Any], states: Mapping[str, StepState]) -> Any:
    try:
        value = lookup(path, _scope(inputs, states))
    except KeyError:
        return None
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _first_error(trials: list[dict[str, Any]], status: str) -> dict[str, Any]:
    for trial in trials:
        for sid, step in trial["steps"].items():
            if step.get("error"):
                error = dict(step["error"])
                return {
                    "code": "pipeline_" + status,
                    "message": f"step {sid} {step['status']}: {error.get('message', '')}",
                    "step": sid,
                }
    return {"code": "pipeline_" + status, "message": f"the pipeline run was {status}"}
