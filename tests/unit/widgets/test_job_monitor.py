"""The job monitor: rows from jobs, updated by the events the API sends."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import pytest

from madlab.client import JobInfo, MadlabClient
from madlab.widgets.job_monitor import JobMonitor, format_elapsed

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def client() -> Iterator[MadlabClient]:
    """A client of an address where no server listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with MadlabClient(f"http://127.0.0.1:{port}", "token") as c:
        yield c


def _wait(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _job(job_id: str, status: str = "queued", **extra: object) -> JobInfo:
    return JobInfo(
        id=job_id,
        organization_id="acme",
        user="alice",
        task_id="dock",
        task_version="1.0.0",
        status=status,
        created_at=T0.isoformat(),
        parameters={"engine": "gnina"},
        **extra,
    )


def _event(job_id: str, kind: str, at: datetime, **payload: object) -> dict[str, object]:
    return {
        "type": kind,
        "organization_id": "acme",
        "job_id": job_id,
        "payload": payload,
        "timestamp": at.isoformat(),
    }


def test_events_move_a_job_through_its_states(client: MadlabClient) -> None:
    opened: list[str] = []
    monitor = JobMonitor(client, follow=False, open_results=opened.append)
    assert "cannot reach the madlab API" in monitor.message.value
    row = monitor.track(_job("j1"))
    assert row.engine == "gnina" and "queued" in row.state.value
    assert not row.cancel_button.disabled and row.open_button.disabled
    monitor.apply_event(_event("j1", "job.state", T0 + timedelta(seconds=5), status="running"))
    assert row.status == "running" and row.started == T0 + timedelta(seconds=5)
    monitor.apply_event(_event("j1", "job.progress", T0 + timedelta(seconds=9), done=1, total=4))
    assert row.bar.value == 0.25 and row.bar.bar_style == "info"
    end = T0 + timedelta(seconds=80)
    monitor.apply_event(_event("j1", "job.state", end, status="succeeded"))
    assert row.final and row.bar.value == 1.0 and row.bar.bar_style == "success"
    assert row.elapsed.value == "1 min 15 s" and row.cancel_button.disabled
    assert not row.open_button.disabled
    row.open_button.click()
    assert opened == ["j1"] and monitor.events_seen == 3


def test_failures_show_their_reason_and_unrelated_events_are_ignored(
    client: MadlabClient,
) -> None:
    monitor = JobMonitor(client, follow=False)
    row = monitor.track(_job("j2", "running"))
    monitor.track(_job("j3"))
    assert [c for c in monitor.table.children] == [monitor.rows["j3"].box, row.box]
    assert monitor.apply_event({"type": "worker.health", "payload": {}}) is None
    assert monitor.apply_event(_event("j2", "job.partial", T0, ligand="x")) is None
    failed = _event("j2", "job.state", T0, status="failed", error={"message": "receptor empty"})
    assert monitor.apply_event(failed) is row
    assert row.bar.bar_style == "danger" and 'title="receptor empty"' in row.state.value
    # A job the monitor has not listed is fetched; here the API cannot be reached.
    assert monitor.apply_event(_event("j9", "job.state", T0, status="queued")) is None
    monitor.track(_job("j2", "cancelled", progress=0.5))
    assert row.bar.bar_style == "warning"
    row.cancel_button.disabled = False
    row.cancel_button.click()
    assert "cannot reach" in monitor.message.value


def test_listed_jobs_keep_their_start_and_end(client: MadlabClient) -> None:
    monitor = JobMonitor(client, follow=False)
    end = T0 + timedelta(hours=2, minutes=7)
    row = monitor.track(
        _job(
            "j4",
            "succeeded",
            started_at=(T0 + timedelta(seconds=30)).isoformat(),
            finished_at=end.isoformat(),
        )
    )
    assert row.elapsed.value == "2 h 06 min"
    monitor.tick()
    assert row.elapsed.value == "2 h 06 min"


def test_following_the_events_reports_an_unreachable_api(client: MadlabClient) -> None:
    monitor = JobMonitor(client)
    assert monitor.following
    row = monitor.track(_job("j5", "running"))
    row.started = datetime.now(timezone.utc) - timedelta(seconds=30)
    _wait(lambda: row.elapsed.value in ("31 s", "32 s", "33 s"))
    monitor.start()
    _wait(lambda: "live updates" in monitor.message.value)
    monitor.stop()
    assert not monitor.following
    assert "live updates: cannot reach the madlab API" in monitor.message.value


def test_elapsed_times_read_naturally() -> None:
    assert [format_elapsed(s) for s in (-1, 42, 185, 7260)] == [
        "0 s",
        "42 s",
        "3 min 05 s",
        "2 h 01 min",
    ]
