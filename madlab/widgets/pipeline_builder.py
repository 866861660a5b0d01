"""PipelineBuilder: compose a pipeline from the task library, check it, see its DAG, save, run.

Each step is a task with its parameters (JSON, prefilled with the task's
required fields and defaults), the steps it waits for, an optional ``when``
condition and an optional batch over a ligand library. A step's parameter can
be wired to an earlier step's output, which writes the
``${steps.<id>.outputs.<key>}`` reference. Validation uses the same spec
parser and graph check as the server, and draws the steps in waves as SVG.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from madlab.client import JobInfo, MadlabClient, PipelineInfo, TaskInfo
from madlab.errors import MadlabError, ValidationError
from madlab.pipelines.planner import check_graph, stages
from madlab.pipelines.spec import PipelineSpec, parse_spec
from madlab.widgets.job_monitor import JobMonitor


def _starting_parameters(task: TaskInfo) -> dict[str, Any]:
    schema = task.interface_spec.get("inputs") or {}
    required = set(schema.get("required") or [])
    out: dict[str, Any] = {}
    for name, node in (schema.get("properties") or {}).items():
        if name in required:
            out[name] = node.get("default", "")
    return out


def dag_svg(spec: PipelineSpec, graph: Mapping[str, set[str]]) -> str:
    """The steps as boxes in waves (left to right) with an arrow per dependency."""
    waves = stages(spec)
    place: dict[str, tuple[int, int]] = {}
    for x, wave in enumerate(waves):
        for y, step_id in enumerate(wave):
            place[step_id] = (20 + x * 180, 20 + y * 60)
    width = 40 + 180 * max(1, len(waves))
    height = 40 + 60 * max((len(w) for w in waves), default=1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">',
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="8" refY="4" '
        'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>',
    ]
    for step_id, needs in graph.items():
        x2, y2 = place[step_id]
        for need in sorted(needs):
            x1, y1 = place[need]
            parts.append(
                f'<line class="edge" x1="{x1 + 140}" y1="{y1 + 18}" x2="{x2}" y2="{y2 + 18}" '
                'stroke="#555" marker-end="url(#arrow)"/>'
            )
    for step in spec.steps:
        x, y = place[step.id]
        label = html.escape(f"{step.id}: {step.task}")
        extra = " ⟳" if step.foreach else ""
        extra += " ?" if step.when else ""
        parts.append(
            f'<g class="step"><rect x="{x}" y="{y}" width="140" height="36" rx="6" '
            f'fill="#e3f2fd" stroke="#1e88e5"/><text x="{x + 8}" y="{y + 22}" '
            f'font-size="12">{label}{extra}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


class StepEditor(widgets.VBox):
    """The widgets of one step."""

    def __init__(self, step_id: str, task: TaskInfo, earlier: list[str]) -> None:
        self.task = task
        self.step_id = widgets.Text(value=step_id, description="Step id")
        self.parameters = widgets.Textarea(
            value=json.dumps(_starting_parameters(task), indent=1),
            description="Parameters",
            layout=widgets.Layout(width="95%", height="90px"),
        )
        self.depends_on = widgets.SelectMultiple(options=earlier, description="After")
        self.when = widgets.Text(
            placeholder="e.g. steps.dock.outputs.docked > 0", description="When"
        )
        self.library = widgets.Text(placeholder="ligand library (batch)", description="For each")
        self.chunk_size = widgets.BoundedIntText(value=50, min=1, max=100_000, description="Chunk")
        self.as_list = widgets.Checkbox(value=False, description="chunk as a list", indent=False)
        self.batch_parameter = widgets.Text(value="ligand_files", description="Batch into")
        super().__init__(
            [
                widgets.HTML(f"<b>{html.escape(task.name)}</b> ({html.escape(task.task_id)})"),
                self.step_id,
                self.parameters,
                widgets.HBox([self.depends_on, self.when]),
                widgets.HBox([self.library, self.chunk_size, self.batch_parameter, self.as_list]),
            ],
            layout=widgets.Layout(border="1px solid #ccc", padding="4px", margin="2px"),
        )

    def spec(self) -> dict[str, Any]:
        """The step as a spec mapping (raises ValidationError on unreadable parameters)."""
        try:
            parameters = json.loads(self.parameters.value or "{}")
        except ValueError as err:
            raise ValidationError(
                f"step {self.step_id.value}: parameters are not valid JSON: {err}",
                field=f"steps.{self.step_id.value}.parameters",
                hint='write the parameters as {"name": value, ...}',
            ) from None
        out: dict[str, Any] = {
            "id": self.step_id.value.strip(),
            "task": self.task.task_id,
            "parameters": parameters,
        }
        if self.depends_on.value:
            out["depends_on"] = list(self.depends_on.value)
        if self.when.value.strip():
            out["when"] = self.when.value.strip()
        if self.library.value.strip():
            out["foreach"] = {
                "library": self.library.value.strip(),
                "chunk_size": int(self.chunk_size.value),
                "parameter": self.batch_parameter.value.strip() or "ligands",
                "as_list": bool(self.as_list.value),
            }
        return out

    def wire(self, parameter: str, step_id: str, output: str) -> None:
        """Feed ``parameter`` from an earlier step's output (adds the dependency)."""
        parameters = json.loads(self.parameters.value or "{}")
        parameters[parameter] = f"${{steps.{step_id}.outputs.{output}}}"
        self.parameters.value = json.dumps(parameters, indent=1)
        if step_id in self.depends_on.options:
            self.depends_on.value = tuple(sorted({*self.depends_on.value, step_id}))


class PipelineBuilder(widgets.VBox):
    """A visual editor of pipeline specs, backed by the API.

    Parameters
    ----------
    client
        The API client.
    monitor
        Where started runs go (optional).

    Attributes
    ----------
    steps
        The step editors, in order.
    saved
        The pipeline of the last save.
    last_job
        The job of the last run.
    """

    def __init__(self, client: MadlabClient, *, monitor: JobMonitor | None = None) -> None:
        self.client = client
        self.monitor = monitor
        self.tasks = {t.task_id: t for t in client.tasks() if t.status == "active"}
        self.steps: list[StepEditor] = []
        self.saved: PipelineInfo | None = None
        self.last_job: JobInfo | None = None
        self.name = widgets.Text(description="Name", placeholder="my pipeline")
        self.inputs = widgets.Textarea(value="{}", description="Inputs")
        self.mode = widgets.Dropdown(
            options=["sequential", "parallel", "optimized"], description="Mode"
        )
        self.on_failure = widgets.Dropdown(options=["stop", "continue"], description="On failure")
        self.sweep = widgets.Textarea(value="", description="Sweep", placeholder="JSON, optional")
        self.task_choice = widgets.Dropdown(options=sorted(self.tasks), description="Task")
        self.add_button = widgets.Button(description="Add step", icon="plus")
        self.validate_button = widgets.Button(description="Validate", icon="check")
        self.save_button = widgets.Button(description="Save", icon="save")
        self.run_button = widgets.Button(description="Run", icon="play", button_style="primary")
        self.visibility = widgets.Dropdown(
            options=[
                ("private (only you)", "private"),
                ("the organization", "organization"),
                ("public (read-only to every organization)", "public"),
            ],
            value="private",
            description="Share with",
        )
        self.template_button = widgets.Button(description="Save as template", icon="bookmark")
        self.template: PipelineInfo | None = None
        self._saved_document: dict[str, Any] | None = None
        self.steps_box = widgets.VBox()
        self.dag = widgets.HTML()
        self.message = widgets.HTML()
        self.add_button.on_click(lambda _: self.add_step(self.task_choice.value))
        self.validate_button.on_click(lambda _: self.validate())
        self.save_button.on_click(lambda _: self.save())
        self.run_button.on_click(lambda _: self.run())
        self.template_button.on_click(lambda _: self.save_as_template())
        super().__init__(
            [
                widgets.HBox([self.name, self.mode, self.on_failure]),
                widgets.HBox([self.inputs, self.sweep]),
                widgets.HBox([self.task_choice, self.add_button]),
                self.steps_box,
                widgets.HBox([self.validate_button, self.save_button, self.run_button]),
                widgets.HBox([self.visibility, self.template_button]),
                self.message,
                self.dag,
            ]
        )

    def add_step(self, task_id: str, step_id: str | None = None) -> StepEditor:
        """Append a step running ``task_id`` (raises ValidationError for an unknown task)."""
        task = self.tasks.get(task_id)
        if task is None:
            raise ValidationError(
                f"no task {task_id!r} to add", field="task", hint="pick a task of the library"
            )
        earlier = [s.step_id.value for s in self.steps]
        editor = StepEditor(step_id or f"{task_id}_{len(self.steps) + 1}", task, earlier)
        self.steps.append(editor)
        self.steps_box.children = tuple(self.steps)
        return editor

    def document(self) -> dict[str, Any]:
        """The spec as a mapping (raises ValidationError for unreadable JSON fields)."""
        doc: dict[str, Any] = {
            "name": self.name.value.strip(),
            "inputs": self._json(self.inputs.value, "inputs") or {},
            "steps": [s.spec() for s in self.steps],
            "mode": self.mode.value,
            "on_failure": self.on_failure.value,
        }
        sweep = self._json(self.sweep.value, "sweep")
        if sweep:
            doc["sweep"] = sweep
        return doc

    @staticmethod
    def _json(text: str, field: str) -> Any:
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError as err:
            raise ValidationError(
                f"{field}: not valid JSON: {err}", field=field, hint="write it as JSON"
            ) from None

    def validate(self) -> PipelineSpec | None:
        """Check the spec and its graph; draw the DAG, or show what is wrong."""
        try:
            spec = parse_spec(self.document(), source="pipeline")
            graph = check_graph(spec)
        except MadlabError as err:
            self.message.value = f'<span style="color:#b00020">{html.escape(str(err))}</span>'
            self.dag.value = ""
            return None
        self.dag.value = dag_svg(spec, graph)
        self.message.value = f'<span style="color:#1b5e20">{len(spec.steps)} steps, valid</span>'
        return spec

    def save(self) -> PipelineInfo | None:
        """Save the pipeline (a new version when the name exists)."""
        spec = self.validate()
        if spec is None:
            return None
        try:
            self.saved = self.client.create_pipeline(spec.name, self.document())
        except MadlabError as err:
            self.message.value = f'<span style="color:#b00020">{html.escape(str(err))}</span>'
            return None
        self._saved_document = self.document()
        self.message.value = f"saved <code>{html.escape(self.saved.id)}</code>"
        return self.saved

    def save_as_template(self, visibility: str | None = None) -> PipelineInfo | None:
        """Save the pipeline (unless saved as it stands), then a template copy of it.

        Parameters
        ----------
        visibility
            ``private`` (only you), ``organization`` or ``public`` (read-only to
            every organization); the dropdown's choice by default.
        """
        saved = self.saved
        if saved is None or self._saved_document != self.document():
            saved = self.save()
            if saved is None:
                return None
        try:
            self.template = self.client.save_as_template(
                saved.id, visibility or str(self.visibility.value)
            )
        except MadlabError as err:
            self.message.value = f'<span style="color:#b00020">{html.escape(str(err))}</span>'
            return None
        done = self.template
        self.message.value = (
            f"template <b>{html.escape(done.name)}</b> v{html.escape(done.version)} saved, "
            f"{html.escape(done.visibility)}"
        )
        return self.template

    def run(self, **options: Any) -> JobInfo | None:
        """Save, then start a run (options as :meth:`MadlabClient.execute_pipeline`)."""
        saved = self.save()
        if saved is None:
            return None
        try:
            job = self.client.execute_pipeline(saved.id, **options)
        except MadlabError as err:
            self.message.value = f'<span style="color:#b00020">{html.escape(str(err))}</span>'
            return None
        self.last_job = job
        self.message.value += f"; run <code>{html.escape(job.id)}</code> started"
        if self.monitor is not None:
            self.monitor.track(job)
        return job
