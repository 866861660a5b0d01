"""The job state machine, as the domain defines it."""

from __future__ import annotations

import pytest

from madlab.domain import TRANSITIONS, Job, JobStatus, can_transition
from madlab.domain.jobs import check_transition
from madlab.errors import ConflictError

S = JobStatus

LEGAL = {
    (S.SUBMITTED, S.QUEUED),
    (S.SUBMITTED, S.CANCELLED),
    (S.QUEUED, S.RUNNING),
    (S.QUEUED, S.CANCELLED),
    (S.RUNNING, S.SUCCEEDED),
    (S.RUNNING, S.FAILED),
    (S.RUNNING, S.CANCELLED),
    (S.RUNNING, S.RETRYING),
    (S.RUNNING, S.QUEUED),
    (S.RETRYING, S.QUEUED),
    (S.RETRYING, S.DEAD_LETTERED),
}


def test_exactly_the_documented_moves_are_legal() -> None:
    assert set(TRANSITIONS) == set(JobStatus)
    for current in JobStatus:
        for target in JobStatus:
            assert can_transition(current, target) == ((current, target) in LEGAL)


def test_final_states_have_no_way_out() -> None:
    for status in JobStatus:
        assert status.is_final == (not TRANSITIONS[status])


def test_an_illegal_move_says_what_is_allowed() -> None:
    with pytest.raises(ConflictError) as info:
        check_transition(S.SUBMITTED, S.RUNNING, job_id="j1")
    assert "job j1 cannot move from submitted to running" in str(info.value)
    assert info.value.hint == "from submitted a job may move to: cancelled, queued"
    assert info.value.to_dict()["code"] == "conflict"
    with pytest.raises(ConflictError, match="submit a new job"):
        check_transition(S.SUCCEEDED, S.RUNNING)
    check_transition(S.RUNNING, S.RETRYING)


def test_job_progress_is_a_fraction_once_the_total_is_known() -> None:
    from datetime import datetime, timezone

    now = datetime(2025, 1, 1, tzinfo=timezone.utc)
    job = Job(
        id="j", organization_id="o", user="u", task_id="dock", task_version="1",
        parameters={}, status=S.RUNNING, created_at=now, updated_at=now, progress_done=1,
    )  # fmt: skip
    assert job.progress is None
    assert Job(**{**job.__dict__, "progress_total": 4}).progress == 0.25
    assert job.to_dict()["created_at"] == "2025-01-01T00:00:00+00:00"


def test_the_json_form_of_a_job_has_every_field_with_json_values() -> None:
    from dataclasses import asdict, fields
    from datetime import datetime, timedelta, timezone

    now = datetime(2025, 1, 1, tzinfo=timezone.utc)
    job = Job(
        id="j", organization_id="o", user="u", task_id="dock", task_version="1",
        parameters={"box": {"size": [20, 20, 20]}}, status=S.FAILED, created_at=now,
        updated_at=now, engine="vina", progress_total=3, error={"code": "x", "message": "y"},
        execution_metrics={"s": 1.5}, resource_usage={"cpus": 2}, attempt=2, name="n",
        pipeline_id="p", parent_id="q", started_at=now, finished_at=now + timedelta(seconds=1),
    )  # fmt: skip
    out = job.to_dict()
    assert list(out) == [f.name for f in fields(Job)]
    expected = asdict(job)
    expected["status"] = "failed"
    for key in ("created_at", "updated_at", "started_at", "finished_at"):
        expected[key] = expected[key].isoformat()
    assert out == expected
    out["parameters"]["extra"] = 1
    assert "extra" not in job.parameters
