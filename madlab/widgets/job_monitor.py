"""JobMonitor: the organization's jobs, kept current by the API's live events.

The monitor lists jobs once through :class:`~madlab.client.MadlabClient`, then
follows the ``events`` WebSocket in a background thread: ``job.state`` events
change a row's state (a job it has not seen is fetched and added),
``job.progress`` events move its progress bar. Each row shows the task, state,
progress, elapsed time and engine, with a cancel button while the job can
still change and a results button once it has succeeded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

import ipywidgets as widgets

from madlab.client import JobInfo, MadlabClient
from madlab.errors import MadlabError

#: States after which a job no longer changes.
FINAL = frozenset({"succeeded", "failed", "cancelled", "dead_lettered"})

#: Seconds between updates of the elapsed times while following.
TICK_S = 1.0

#: Colours of the state labels.
STATE_COLOURS = {
    "submitted": "#555",
    "queued": "#555",
    "running": "#0d47a1",
    "succeeded": "#1b5e20",
    "failed": "#b00020",
    "cancelled": "#8d6e63",
    "dead_lettered": "#b00020",
}


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def format_elapsed(seconds: float) -> str:
    """``"42 s"``, ``"3 min 05 s"`` or ``"2 h 07 min"``."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class JobRow:
    """One job's line in the monitor.

    Attributes
    ----------
    job_id, status, progress, engine
        What the row shows (``progress`` in 0–1, ``None`` when unknown).
    started, ended
        When the job started (or was created) and when it reached a final state.
    """

    def __init__(self, job: JobInfo, monitor: JobMonitor) -> None:
        self.job_id = job.id
        self.status = job.status
        self.progress = job.progress
        self.engine = str(job.parameters.get("engine") or "vina")
        self.task = f"{job.task_id} {job.task_version}"
        extra = job.model_extra or {}
        self.started = (
            _parse_time(extra.get("started_at"))
            or _parse_time(job.created_at)
            or datetime.now(timezone.utc)
        )
        self.ended = _parse_time(extra.get("finished_at")) if job.is_final else None
        self.error = (job.error or {}).get("message") if job.error else None
        name = job.name or job.id[:8]
        self.label = widgets.HTML(f"<b>{name}</b><br><small>{self.task}</small>")
        self.state = widgets.HTML()
        self.bar = widgets.FloatProgress(min=0.0, max=1.0, layout=widgets.Layout(width="160px"))
        self.elapsed = widgets.HTML()
        self.engine_label = widgets.HTML(self.engine)
        self.cancel_button = widgets.Button(description="Cancel", icon="stop")
        self.open_button = widgets.Button(description="Results", icon="table")
        self.cancel_button.on_click(lambda _: monitor.cancel(self.job_id))
        self.open_button.on_click(lambda _: monitor.open_results(self.job_id))
        self.box = widgets.HBox(
            [
                self.label,
                self.state,
                self.bar,
                self.elapsed,
                self.engine_label,
                self.cancel_button,
                self.open_button,
            ]
        )
        for w in (self.label, self.state, self.elapsed, self.engine_label):
            w.layout.width = "150px"
        self.render()

    @property
    def final(self) -> bool:
        """True once the job can no longer change."""
        return self.status in FINAL

    def seconds(self, now: datetime | None = None) -> float:
        """Seconds since the job was created, up to its end once it has ended."""
        end = self.ended or now or datetime.now(timezone.utc)
        return (end - self.started).total_seconds()

    def render(self, now: datetime | None = None) -> None:
        """Show the current state on the row's widgets."""
        colour = STATE_COLOURS.get(self.status, "#555")
        title = f' title="{self.error}"' if self.error else ""
        self.state.value = f'<span style="color:{colour}"{title}>{self.status}</span>'
        if self.status == "succeeded":
            self.bar.value, self.bar.bar_style = 1.0, "success"
        elif self.status in ("failed", "dead_lettered"):
            self.bar.bar_style = "danger"
        elif self.status == "cancelled":
            self.bar.bar_style = "warning"
        else:
            self.bar.value = self.progress or 0.0
            self.bar.bar_style = "info"
        self.elapsed.value = format_elapsed(self.seconds(now))
        self.cancel_button.disabled = self.final
        self.open_button.disabled = self.status != "succeeded"


class JobMonitor(widgets.VBox):
    """The organization's jobs, live from the API's WebSocket events.

    Parameters
    ----------
    client
        The API client.
    limit
        How many of the newest jobs to list at first.
    follow
        Start following the events at once (else call :meth:`start`).
    open_results
        Called with a job id when the user opens a succeeded job's results;
        by default a :class:`~madlab.widgets.results_viewer.DockingResultsViewer`
        opens below the list.

    Attributes
    ----------
    rows
        The rows by job id.
    events_seen
        How many events the monitor has applied.
    """

    def __init__(
        self,
        client: MadlabClient,
        *,
        limit: int = 50,
        follow: bool = True,
        open_results: Callable[[str], Any] | None = None,
    ) -> None:
        self.client = client
        self.rows: dict[str, JobRow] = {}
        self.events_seen = 0
        self._opener = open_results
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.table = widgets.VBox()
        self.message = widgets.HTML()
        self.results_area = widgets.VBox()
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        super().__init__(
            [
                widgets.HBox([widgets.HTML("<h3>Jobs</h3>"), self.refresh_button]),
                self.message,
                self.table,
                self.results_area,
            ]
        )
        self.refresh(limit=limit)
        if follow:
            self.start()

    def refresh(self, limit: int = 50) -> None:
        """Read the newest jobs again from the API."""
        try:
            jobs = self.client.jobs(limit=limit).jobs
        except MadlabError as err:
            self.message.value = f'<span style="color:#b00020">{err}</span>'
            return
        with self._lock:
            for job in reversed(jobs):
                self.track(job)

    def track(self, job: JobInfo) -> JobRow:
        """Show ``job`` (newest on top), or update its row when already shown."""
        with self._lock:
            row = self.rows.get(job.id)
            if row is None:
                row = JobRow(job, self)
                self.rows[job.id] = row
                self.table.children = (row.box, *self.table.children)
            else:
                row.status, row.progress = job.status, job.progress
                row.render()
            return row

    def apply_event(self, event: Mapping[str, Any]) -> JobRow | None:
        """Apply one event from the ``events`` socket; returns the row it changed."""
        job_id = event.get("job_id")
        kind = event.get("type")
        if not job_id or kind not in ("job.state", "job.progress"):
            return None
        payload = event.get("payload") or {}
        with self._lock:
            self.events_seen += 1
            row = self.rows.get(job_id)
            if row is None:
                try:
                    row = self.track(self.client.job(job_id))
                except MadlabError:
                    return None
            moment = _parse_time(event.get("timestamp"))
            if kind == "job.state" and payload.get("status"):
                row.status = str(payload["status"])
                if row.status == "running" and moment is not None:
                    row.started = moment
                if row.final:
                    row.ended = moment or datetime.now(timezone.utc)
                    error = payload.get("error")
                    if isinstance(error, Mapping):
                        row.error = str(error.get("message") or "")
            elif kind == "job.progress" and payload.get("total"):
                row.progress = float(payload.get("done") or 0) / float(payload["total"])
            row.render()
            return row

    def start(self) -> None:
        """Follow the events in a background thread (no-op when already following)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._follow, name="madlab-jobs", daemon=True)
        self._thread.start()
        threading.Thread(target=self._clock, name="madlab-jobs-clock", daemon=True).start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop following the events."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    @property
    def following(self) -> bool:
        """True while the background thread follows the events."""
        return self._thread is not None and self._thread.is_alive()

    def _follow(self) -> None:
        while not self._stop.is_set():
            try:
                for event in self.client.events(stop=self._stop):
                    self.apply_event(event)
                    self.tick()
            except MadlabError as err:
                self.message.value = f'<span style="color:#b00020">live updates: {err}</span>'
                self._stop.wait(5.0)

    def _clock(self) -> None:
        while not self._stop.wait(TICK_S):
            self.tick()

    def tick(self) -> None:
        """Refresh the elapsed times of running jobs."""
        now = datetime.now(timezone.utc)
        with self._lock:
            for row in self.rows.values():
                if not row.final:
                    row.render(now)

    def cancel(self, job_id: str) -> None:
        """Cancel a job through the API (its row changes when the event arrives)."""
        try:
            self.track(self.client.cancel(job_id))
        except MadlabError as err:
            self.message.value = f'<span style="color:#b00020">{err}</span>'

    def open_results(self, job_id: str) -> Any:
        """Open a job's results (in the results viewer below the list by default)."""
        if self._opener is not None:
            return self._opener(job_id)
        from madlab.widgets.results_viewer import DockingResultsViewer

        viewer = DockingResultsViewer(self.client, job_id)
        self.results_area.children = (viewer,)
        return viewer
