"""The API's view of a job is exactly the domain's JSON form plus the progress fraction."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from madlab_server.handlers.jobs import job_view

from madlab.domain.jobs import Job, JobStatus


def test_the_view_equals_to_dict_with_progress_for_a_job_with_every_field_set() -> None:
    created = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=timezone.utc)
    job = Job(
        id="0b9c5c1e-2a47-4c11-9d0b-0f3f3c1d6a11",
        organization_id="acme",
        user="alice",
        task_id="dock",
        task_version="2",
        parameters={"exhaustiveness": 8, "box": {"size": [20, 20, 20]}},
        status=JobStatus.FAILED,
        created_at=created,
        updated_at=created + timedelta(minutes=5),
        engine="gnina",
        queue="docking.gpu",
        priority=9,
        progress_done=3,
        progress_total=4,
        error={"code": "engine_error", "message": "gnina exited with status 1"},
        execution_metrics={"seconds": 12.5},
        resource_usage={"requested": {"cpu": 2}},
        attempt=2,
        name="kinase screen",
        pipeline_id="p1",
        parent_id="0b9c5c1e-2a47-4c11-9d0b-0f3f3c1d6a12",
        started_at=created + timedelta(seconds=1),
        finished_at=created + timedelta(minutes=5),
    )
    assert job_view(job) == {**job.to_dict(), "progress": 0.75}


def test_the_view_of_a_new_job_keeps_its_empty_fields() -> None:
    now = datetime(2026, 1, 2, tzinfo=timezone.utc)
    job = Job(
        id="j",
        organization_id="acme",
        user="alice",
        task_id="dock",
        task_version="1",
        parameters={},
        status=JobStatus.SUBMITTED,
        created_at=now,
        updated_at=now,
    )
    view = job_view(job)
    assert view == {**job.to_dict(), "progress": job.progress}
    assert view["started_at"] is None and view["status"] == "submitted"
