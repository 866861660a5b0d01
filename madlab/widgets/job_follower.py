"""JobFollower: one job's state and progress, live from the API's events, in a thread.

The follower reads the job once, then listens to the job's ``events``
WebSocket; whenever the socket stays quiet for a few seconds it reads the job
again, so a state change that happened before the socket opened is never
missed. Each change calls ``on_update`` with the job as last read and the
progress (0–1); the final state calls ``on_final`` once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from madlab.client import JobInfo, MadlabClient
from madlab.errors import MadlabError, TimedOutError

#: Seconds of silence on the socket after which the job is read again.
QUIET_S = 3.0

#: While waiting, how often :meth:`JobFollower.wait` also reads the job itself
#: (should the socket stall, the end of the job is still seen).
WAIT_POLL_S = 10.0


def progress_of(job: JobInfo) -> float:
    """The job's progress in 0–1 (1 once it succeeded, 0 when unknown)."""
    if job.status == "succeeded":
        return 1.0
    return float(job.progress or 0.0)


class JobFollower:
    """Follow one job until it ends.

    Parameters
    ----------
    client
        The API client.
    job
        The job to follow, as submitted.
    on_update
        Called with ``(job, progress)`` on each change (from the follower's thread).
    on_final
        Called once with the job in its final state.

    Attributes
    ----------
    job
        The job as last read.
    progress
        Its progress in 0–1.
    events_seen
        How many of the job's events arrived over the socket.
    error
        Why following stopped early (an API error), else ``None``.
    """

    def __init__(
        self,
        client: MadlabClient,
        job: JobInfo,
        *,
        on_update: Callable[[JobInfo, float], Any] | None = None,
        on_final: Callable[[JobInfo], Any] | None = None,
    ) -> None:
        self.client = client
        self.job = job
        self.progress = progress_of(job)
        self.events_seen = 0
        self.error: MadlabError | None = None
        self._on_update = on_update
        self._on_final = on_final
        self._stop = threading.Event()
        self._done = threading.Event()
        self._finishing = threading.Lock()
        self._finished = False
        self._final_called = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"madlab-job-{job.id[:8]}")
        self._thread.daemon = True

    def start(self) -> JobFollower:
        """Start following in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop following (the final callback is not called)."""
        self._stop.set()

    @property
    def done(self) -> bool:
        """True once the job ended (and ``on_final`` returned) or following stopped."""
        return self._done.is_set()

    def wait(self, timeout: float) -> JobInfo:
        """Block until the job has ended and ``on_final`` has run.

        Raises
        ------
        madlab.errors.TimedOutError
            When the job is still going after ``timeout`` seconds.
        madlab.errors.MadlabError
            The API error that stopped the follower.
        """
        deadline = time.monotonic() + timeout
        while not self._done.wait(max(0.0, min(WAIT_POLL_S, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                raise TimedOutError(
                    f"job {self.job.id} is still {self.job.status} after {timeout:g} s",
                    hint="wait longer, or follow it in the job monitor",
                )
            job = self.client.job(self.job.id)
            if job.is_final:  # the socket missed it: finish here
                self.job = job
                self.progress = max(self.progress, progress_of(job))
                self._update()
                self._finish(timeout=max(0.0, deadline - time.monotonic()))
                self._stop.set()
                self._done.set()
        if self.error is not None:
            raise self.error
        return self.job

    def apply_event(self, event: Mapping[str, Any]) -> bool:
        """Apply one event of the job; True when it was a final state."""
        payload = event.get("payload") or {}
        if event.get("job_id") != self.job.id:
            return False
        self.events_seen += 1
        if event.get("type") == "job.progress" and payload.get("total"):
            self.progress = float(payload.get("done") or 0) / float(payload["total"])
            self._update()
        elif event.get("type") == "job.state" and payload.get("status"):
            self.job = self.job.model_copy(update={"status": str(payload["status"])})
            self._update()
            return self.job.is_final
        return False

    def _update(self) -> None:
        if self._on_update is not None:
            self._on_update(self.job, self.progress)

    def _refresh(self) -> bool:
        self.job = self.client.job(self.job.id)
        self.progress = max(self.progress, progress_of(self.job))
        self._update()
        return self.job.is_final

    def _finish(self, timeout: float | None = None) -> None:
        """Call ``on_final`` once, whichever thread sees the end first.

        The other thread returns only once that call is over (or after
        ``timeout`` seconds), so that :meth:`wait` never returns while the
        follower's thread is still showing the results.
        """
        with self._finishing:
            first = not self._finished
            self._finished = True
        if not first:
            self._final_called.wait(timeout)
            return
        try:
            if self._on_final is not None:
                self._on_final(self.job)
        finally:
            self._final_called.set()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if self._refresh():
                    break
                ended = False
                for event in self.client.events(job_id=self.job.id, timeout=QUIET_S):
                    if self._stop.is_set() or self.apply_event(event):
                        ended = True
                        break
                if ended and not self._stop.is_set():
                    self._refresh()  # the full record: outputs, error, timings
                    break
            if not self._stop.is_set():
                self._finish()
        except MadlabError as err:
            self.error = err
        finally:
            self._done.set()
