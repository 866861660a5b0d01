"""JobsDashboard: the "My jobs" app, the organization's jobs at a glance.

Counts of jobs by state and by task over the whole organization (every page
of ``GET /jobs``), the live :class:`~madlab.widgets.job_monitor.JobMonitor`
of the newest jobs, and a succeeded job's results opened from its row or by
:meth:`JobsDashboard.open_latest`.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets

from madlab.client import JobInfo, MadlabClient
from madlab.errors import MadlabError
from madlab.widgets.job_monitor import STATE_COLOURS, JobMonitor

#: States in the order the counts show them.
STATE_ORDER = (
    "submitted",
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
    "dead_lettered",
)


def counts_html(by_state: Counter[str], by_task: Counter[str]) -> str:
    """Counts by state (coloured) and by task as two small HTML tables."""
    states = [s for s in STATE_ORDER if by_state.get(s)] + sorted(
        s for s in by_state if s not in STATE_ORDER
    )
    state_cells = "".join(
        f'<td style="color:{STATE_COLOURS.get(s, "#555")}"><b>{by_state[s]}</b> '
        f"{html.escape(s)}</td>"
        for s in states
    )
    task_cells = "".join(
        f"<td><b>{n}</b> {html.escape(t)}</td>" for t, n in sorted(by_task.items())
    )
    total = sum(by_state.values())
    return (
        f"<b>{total} jobs</b>"
        f'<table class="madlab-counts"><tr>{state_cells or "<td>none yet</td>"}</tr>'
        f"<tr>{task_cells}</tr></table>"
    )


class JobsDashboard(widgets.VBox):
    """The organization's jobs: counts by state and task, live monitor, results.

    Parameters
    ----------
    client
        The API client.
    limit
        How many of the newest jobs the monitor lists.
    follow
        Follow the live events at once.

    Attributes
    ----------
    by_state, by_task
        The counts as last read.
    """

    def __init__(self, client: MadlabClient, *, limit: int = 50, follow: bool = True) -> None:
        self.client = client
        self.by_state: Counter[str] = Counter()
        self.by_task: Counter[str] = Counter()
        self.counts = widgets.HTML()
        self.counts.add_class("madlab-job-counts")
        self.refresh_button = widgets.Button(description="Count again", icon="refresh")
        self.refresh_button.on_click(lambda _: self.recount())
        self.monitor = JobMonitor(client, limit=limit, follow=follow)
        super().__init__(
            [widgets.HBox([self.counts, self.refresh_button]), self.monitor],
        )
        self.recount()

    def recount(self) -> dict[str, int]:
        """Count the organization's jobs by state and task again; returns the state counts."""
        try:
            self._count(self.client.iter_jobs(limit=200))
        except MadlabError as err:
            self.counts.value = f'<span style="color:#b00020">{html.escape(str(err))}</span>'
        return dict(self.by_state)

    def _count(self, jobs: Iterable[JobInfo]) -> None:
        by_state: Counter[str] = Counter()
        by_task: Counter[str] = Counter()
        for job in jobs:
            by_state[job.status] += 1
            by_task[job.task_id] += 1
        self.by_state, self.by_task = by_state, by_task
        self.counts.value = counts_html(by_state, by_task)

    def open_latest(self, task_id: str | None = "dock") -> Any:
        """Open the newest succeeded job's results (of ``task_id``; any task when None).

        Returns the results viewer, or ``None`` when no such job exists.
        """
        filters: dict[str, Any] = {"status": "succeeded", "limit": 1}
        if task_id is not None:
            filters["task_id"] = task_id
        jobs = self.client.jobs(**filters).jobs
        if not jobs:
            return None
        self.monitor.track(jobs[0])
        return self.monitor.open_results(jobs[0].id)

    def stop(self) -> None:
        """Stop following the live events."""
        self.monitor.stop()
