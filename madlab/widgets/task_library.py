"""TaskLibrary: browse and search the task registry, fill a task's form, submit it.

Tasks are filtered by category and by text (matched against id, name and
description). Picking one shows its description and a
:class:`~madlab.widgets.forms.SchemaForm` built from its input schema, whose
file pickers list the organization's uploaded files. The submit button is
enabled only while the form is valid; a submitted job is handed to the
:class:`~madlab.widgets.job_monitor.JobMonitor` when one is attached.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from madlab.client import JobInfo, MadlabClient, TaskInfo
from madlab.errors import MadlabError, ValidationError
from madlab.widgets.forms import SchemaForm, file_choices
from madlab.widgets.job_monitor import JobMonitor

#: Choice of the category filter that shows every category.
ALL = "All categories"


def matches(task: TaskInfo, text: str, category: str = ALL) -> bool:
    """True when ``task`` is in ``category`` and every word of ``text`` occurs in its id,
    name or description (case-insensitive)."""
    if category != ALL and task.category != category:
        return False
    haystack = f"{task.task_id} {task.name} {task.description}".lower()
    return all(word in haystack for word in text.lower().split())


class TaskLibrary(widgets.VBox):
    """The organization's tasks with a form for the one picked and a submit button.

    Parameters
    ----------
    client
        The API client.
    monitor
        Where submitted jobs go (optional).

    Attributes
    ----------
    tasks
        Every active task, as listed by the API.
    task
        The task picked, ``None`` before one is.
    form
        The picked task's form.
    last_job
        The job of the last successful submit.
    """

    def __init__(self, client: MadlabClient, *, monitor: JobMonitor | None = None) -> None:
        self.client = client
        self.monitor = monitor
        self.tasks: list[TaskInfo] = [t for t in client.tasks() if t.status == "active"]
        self.task: TaskInfo | None = None
        self.form: SchemaForm | None = None
        self.last_job: JobInfo | None = None
        self._files: dict[str, str] = {}
        categories = sorted({t.category for t in self.tasks})
        self.category = widgets.Dropdown(options=[ALL, *categories], description="Category")
        self.search = widgets.Text(placeholder="search tasks", description="Search")
        self.listing = widgets.Select(options=[], rows=8, layout=widgets.Layout(width="340px"))
        self.description = widgets.HTML()
        self.form_area = widgets.VBox()
        self.submit_button = widgets.Button(
            description="Submit", button_style="primary", icon="play", disabled=True
        )
        self.message = widgets.HTML()
        self.category.observe(lambda _: self._filter(), names="value")
        self.search.observe(lambda _: self._filter(), names="value")
        self.listing.observe(self._picked, names="value")
        self.submit_button.on_click(lambda _: self.submit())
        super().__init__(
            [
                widgets.HBox([self.category, self.search]),
                widgets.HBox([self.listing, self.description]),
                self.form_area,
                widgets.HBox([self.submit_button, self.message]),
            ]
        )
        self._filter()

    def visible(self) -> list[TaskInfo]:
        """The tasks that the category and search filters let through."""
        return [t for t in self.tasks if matches(t, self.search.value, self.category.value)]

    def _filter(self) -> None:
        current = self.listing.value
        shown = self.visible()
        options = [(f"{t.name} ({t.task_id} {t.version})", t.task_id) for t in shown]
        self.listing.options = options
        ids = [t.task_id for t in shown]
        self.listing.value = current if current in ids else None

    def _picked(self, change: dict[str, Any]) -> None:
        if change.get("new"):
            self.select(str(change["new"]))

    def refresh_files(self) -> dict[str, str]:
        """Read the organization's files again for the file pickers."""
        try:
            self._files = file_choices(self.client.files())
        except MadlabError as err:
            self.message.value = (
                f'<span style="color:#b00020">files: {html.escape(str(err))}</span>'
            )
        if self.form is not None:
            self.form.set_files(self._files)
        return self._files

    def select(self, task_id: str) -> SchemaForm:
        """Show the task's description and its form.

        Raises
        ------
        madlab.errors.ValidationError
            When no listed task has that id.
        """
        task = next((t for t in self.tasks if t.task_id == task_id), None)
        if task is None:
            raise ValidationError(
                f"no task {task_id!r} in the library",
                field="task_id",
                hint="pick one of: " + ", ".join(t.task_id for t in self.tasks),
            )
        self.task = task
        if not self._files:
            self.refresh_files()
        self.description.value = (
            f"<h4>{html.escape(task.name)}</h4><small>{html.escape(task.task_id)} "
            f"{html.escape(task.version)} · {html.escape(task.category)}</small>"
            f"<p>{html.escape(task.description)}</p>"
        )
        schema = task.interface_spec.get("inputs") or {"type": "object"}
        self.form = SchemaForm(schema, files=self._files)
        self.form.on_change(lambda form: self._update_submit())
        self.form_area.children = (self.form,)
        self.message.value = ""
        self._update_submit()
        return self.form

    def _update_submit(self) -> None:
        self.submit_button.disabled = self.form is None or not self.form.valid

    def submit(self, **options: Any) -> JobInfo | None:
        """Run the picked task with the form's values; ``None`` (and a message) when refused.

        Options (``name``, ``priority``...) go to :meth:`MadlabClient.execute`.
        """
        if self.task is None or self.form is None:
            self.message.value = "pick a task first"
            return None
        if self.form.validate():
            self.message.value = '<span style="color:#b00020">fix the fields marked first</span>'
            return None
        try:
            job = self.client.execute(
                self.task.task_id, self.form.value, version=self.task.version, **options
            )
        except MadlabError as err:
            self.message.value = f'<span style="color:#b00020">{html.escape(str(err))}</span>'
            for entry in err.details.get("errors") or []:
                field = self.form.fields.get(str(entry.get("field", "")).split(".")[0])
                if field is not None:
                    field.show_error(str(entry.get("message")))
            return None
        self.last_job = job
        self.message.value = f"submitted job <code>{html.escape(job.id)}</code> ({job.status})"
        if self.monitor is not None:
            self.monitor.track(job)
        return job
