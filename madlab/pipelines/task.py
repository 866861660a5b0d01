"""The built-in ``pipeline`` task: a pipeline run is a job that runs its steps as child jobs.

Running the executor as a job gives a run everything a job has: a state in
the store, cancel, progress, and recovery. When the worker running a pipeline
job dies, the runtime queues the job again, and the next worker resumes it:
steps whose jobs already succeeded are not run again. The run requires the
``coordinator`` capability: in embedded mode it runs in the pool's
coordinator process, not in one of the workers its steps need.
"""

from __future__ import annotations

import logging
from typing import Any

from madlab.domain.jobs import Job
from madlab.domain.tasks import TaskDefinition
from madlab.errors import MadlabError
from madlab.pipelines.executor import PipelineExecutor
from madlab.pipelines.spec import parse_spec
from madlab.runtime.bus_memory import InMemoryEventBus
from madlab.runtime.queue import COORDINATOR, JobQueue
from madlab.runtime.service import JobService
from madlab.settings import Settings
from madlab.tasks.builtin.inputs import STANDARD_QUEUE, local_file, resources
from madlab.tasks.context import TaskContext
from madlab.tasks.registry import BuiltinTask, TaskRegistry

__all__ = ["DEFINITION", "TASK", "run"]

log = logging.getLogger(__name__)

INPUTS: dict[str, Any] = {
    "type": "object",
    "required": ["spec"],
    "additionalProperties": False,
    "properties": {
        "spec": {"type": "object", "description": "The pipeline spec (see madlab.pipelines.spec)."},
        "inputs": {"type": "object", "default": {}, "description": "Values of the spec's inputs."},
        "pipeline_id": {"type": ["string", "null"], "default": None},
        "report": {
            "type": "boolean",
            "default": True,
            "description": "Execute the report notebook of the run with papermill.",
        },
        "poll_s": {"type": "number", "minimum": 0.05, "default": 0.5},
    },
}

OUTPUTS: dict[str, Any] = {
    "type": "object",
    "required": ["status", "steps", "trials"],
    "properties": {
        "status": {"type": "string", "enum": ["succeeded", "failed", "cancelled"]},
        "steps": {"type": "object"},
        "trials": {"type": "array"},
        "best": {"type": "object"},
        "report": {"type": "object"},
    },
}

DEFINITION = TaskDefinition(
    task_id="pipeline",
    version="1",
    name="Pipeline run",
    category="pipeline",
    description=(
        "Run a pipeline: its steps as child jobs in dependency order, with conditions, "
        "batches and sweeps, then its report notebook. Resumes without redoing finished steps."
    ),
    interface_spec={"inputs": INPUTS, "outputs": OUTPUTS},
    service_config={
        "queue": STANDARD_QUEUE,
        "resources": resources(1, 1024),
        # a run waits for its steps: it runs on a coordinator, never in a worker's slot
        "requires": [COORDINATOR],
        "max_attempts": 5,
    },
)


class StoreFedQueue(JobQueue):
    """The embedded pool's side of a submit made inside a worker: nothing to send.

    Embedded workers take queued jobs from the store (they look at it every
    second), so a job recorded as ``queued`` is all they need.
    """

    kind = "store"

    def enqueue(self, job: Job) -> None:
        """Nothing to do: the job is queued in the store."""

    def revoke(self, job: Job) -> None:
        """Nothing to do: the worker sees the cancellation in the store."""


def _job_service(ctx: TaskContext) -> JobService:
    """A job service on the context's store, feeding the same workers as the run."""
    settings = Settings.from_env()
    queue: JobQueue = StoreFedQueue()
    if settings.broker_url:
        from madlab.runtime.celery_app import make_app
        from madlab.runtime.celery_queue import CeleryQueue

        queue = CeleryQueue(make_app(settings))
    return JobService(
        store=ctx.store, tasks=TaskRegistry(ctx.store), queue=queue, events=InMemoryEventBus()
    )


def run(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Run (or resume) the pipeline of ``params["spec"]`` as this job's children."""
    spec = parse_spec(params["spec"])
    executor = PipelineExecutor(
        _job_service(ctx),
        data_dir=ctx.workdir.parent / "pipelines",
        poll_s=float(params.get("poll_s", 0.5)),
        local_file=lambda value, field: local_file(ctx, value, field),
    )
    outputs = executor.run(
        ctx.organization_id,
        ctx.job_id,
        spec,
        params.get("inputs") or {},
        user=ctx.user,
        pipeline_id=params.get("pipeline_id"),
        is_cancelled=ctx.is_cancelled,
        progress=ctx.progress,
    )
    if params.get("report", True) and outputs["status"] != "cancelled":
        from madlab.pipelines.report import write_report

        try:
            outputs["report"] = write_report(ctx, spec, outputs)
        except MadlabError as err:  # the run's results stand without their notebook
            log.warning("report of run %s failed: %s", ctx.job_id, err)
            outputs["report"] = {"error": err.to_dict()}
    return outputs


TASK = BuiltinTask(definition=DEFINITION, implementation=run)
