"""`madlab jobs submit|watch|cancel` and `madlab worker` as a user runs them (embedded mode)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from madlab.bootstrap import build_services
from madlab.cli import main
from madlab.cli.runtime import describe, parse_params
from madlab.domain.jobs import JobStatus
from madlab.errors import InputFileError, ValidationError
from madlab.runtime.events import Event, EventType
from madlab.settings import Settings
from tests.unit.runtime.sample_tasks import SAMPLES

from .conftest import wait_for


@pytest.fixture()
def home(madlab_env: Path) -> Path:
    services = build_services(Settings.from_env())
    with services.store.unit_of_work() as uow:
        uow.organizations.ensure("default")
    for definition in SAMPLES:
        services.tasks.register(definition, organization_id="default")
    services.store.dispose()
    return madlab_env


def test_params_are_read_inline_or_from_a_file(tmp_path: Path) -> None:
    assert parse_params('{"a": 1}') == {"a": 1}
    path = tmp_path / "p.json"
    path.write_text('{"b": [1, 2]}')
    assert parse_params(f"@{path}") == {"b": [1, 2]}
    with pytest.raises(ValidationError, match="line 1, column 2"):
        parse_params("{oops")
    with pytest.raises(ValidationError, match="JSON object, not list"):
        parse_params("[1]")
    with pytest.raises(InputFileError, match=r"missing\.json"):
        parse_params(f"@{tmp_path / 'missing.json'}")


def test_events_are_described_in_one_line() -> None:
    def ev(kind: str, **payload: object) -> Event:
        return Event(kind, "o", "j", dict(payload))

    assert describe(ev(EventType.JOB_STATE, status="queued", waiting="no gpu")) == (
        "state queued (waiting: no gpu)"
    )
    failed = ev(EventType.JOB_STATE, status="failed", error={"message": "bad"})
    assert describe(failed) == "state failed: bad"
    assert describe(ev(EventType.JOB_PROGRESS, done=1, total=4)) == "progress 1/4"
    assert describe(ev(EventType.JOB_PARTIAL, ligand="x")) == "partial ligand=x"
    assert describe(ev("worker.health", status="unhealthy")) == (
        'worker.health {"status": "unhealthy"}'
    )


def test_submit_and_wait_runs_the_job_and_follows_it(home: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main, ["jobs", "submit", "sleep", "--params", '{"seconds": 1.5}', "--wait"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith(" queued") and lines[-1].endswith(" succeeded")
    assert any("state running" in line for line in lines)
    assert any("progress 10/15" in line for line in lines)


def test_submit_reports_bad_parameters_and_a_failed_job(home: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(main, ["jobs", "submit", "echo", "--params", '{"n": "x"}'])
    assert bad.exit_code == 2 and "n:" in bad.output
    failed = runner.invoke(main, ["jobs", "submit", "invalid", "--wait", "--json"])
    assert failed.exit_code == 1
    last = json.loads(failed.output.strip().splitlines()[-1])
    assert last["payload"]["status"] == "failed"
    assert last["payload"]["error"]["message"] == "receptor.pdb: no protein atoms"


def test_submit_without_wait_then_cancel_and_watch(home: Path) -> None:
    runner = CliRunner()
    submitted = runner.invoke(main, ["jobs", "submit", "echo", "--json"])
    assert submitted.exit_code == 0, submitted.output
    job_id = json.loads(submitted.output)["id"]
    plain = runner.invoke(main, ["jobs", "submit", "echo"])
    assert "madlab worker" in plain.output  # no pool is running: say how to run it
    cancelled = runner.invoke(main, ["jobs", "cancel", job_id])
    assert cancelled.exit_code == 0 and cancelled.output.strip().endswith("cancelled")
    watched = runner.invoke(main, ["jobs", "watch", job_id, "--timeout", "5"])
    assert watched.exit_code == 1 and "state cancelled" in watched.output
    again = runner.invoke(main, ["jobs", "cancel", job_id])
    assert again.exit_code == 0


def test_the_embedded_worker_command_runs_queued_jobs_until_stopped(home: Path) -> None:
    services = build_services(Settings.from_env())
    job = services.jobs.submit("default", "alice", "echo", {"word": "later"})
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from madlab.cli import main; main()",
            "worker",
            "--concurrency",
            "1",
        ],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(
            lambda: services.jobs.get("default", job.id).status is JobStatus.SUCCEEDED,
            90,
            "the worker to run the job",
        )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # never leave the worker behind
            out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out.decode()
    assert b"embedded worker pool of 1 processes" in out
    services.store.dispose()
