"""JobFollower: the end of a job is seen even when its event socket stalls."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from madlab.client import JobInfo, MadlabClient
from madlab.widgets import job_follower
from madlab.widgets.job_follower import JobFollower


def _job(status: str) -> JobInfo:
    return JobInfo(
        id="j1",
        organization_id="acme",
        user="ada",
        task_id="dock",
        task_version="1",
        status=status,
        created_at="2026-01-01T00:00:00Z",
    )


class StalledSocketClient(MadlabClient):
    """A client whose event socket never delivers nor ends; the job ends after two reads."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:9/", "token")
        self.reads = 0
        self.released = threading.Event()

    def job(self, job_id: str) -> JobInfo:
        self.reads += 1
        return _job("running" if self.reads < 3 else "succeeded")

    def events(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        self.released.wait(30)  # a socket that stays open and silent past its timeout
        return iter(())


def test_wait_reads_the_job_itself_when_the_socket_stalls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(job_follower, "WAIT_POLL_S", 0.05)
    client = StalledSocketClient()
    finals: list[str] = []
    follower = JobFollower(client, _job("queued"), on_final=lambda j: finals.append(j.status))
    follower.start()
    try:
        job = follower.wait(timeout=5)
    finally:
        client.released.set()
    assert job.status == "succeeded" and follower.done and follower.progress == 1.0
    assert finals == ["succeeded"]  # on_final once, though two threads could see the end


class EndingClient(MadlabClient):
    """The job has ended; its event socket says so at once, the job reads say so too."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:9/", "token")
        self.reads = 0

    def job(self, job_id: str) -> JobInfo:
        self.reads += 1
        return _job("running" if self.reads == 1 else "succeeded")

    def events(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        yield {"type": "job.state", "job_id": "j1", "payload": {"status": "succeeded"}}


def test_wait_returns_only_once_the_results_are_shown_whichever_thread_saw_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(job_follower, "WAIT_POLL_S", 0.01)
    shown: list[str] = []
    showing = threading.Event()

    def show_results(job: JobInfo) -> None:  # slow, as loading poses is
        showing.set()
        threading.Event().wait(0.5)
        shown.append(job.status)

    follower = JobFollower(EndingClient(), _job("queued"), on_final=show_results)
    follower.start()
    assert showing.wait(5)  # the follower's thread is inside on_final
    job = follower.wait(timeout=5)  # this thread's own read sees the end too
    assert shown == ["succeeded"] and job.status == "succeeded"
