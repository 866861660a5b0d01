"""Jobs: the state machine, its history, progress, errors and isolation between organizations."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from madlab.domain import JobStatus
from madlab.errors import ConflictError, NotFoundError, ValidationError
from madlab.store import Store
from madlab.store.ports import NewJob

from .clock import StepClock

S = JobStatus


def _submit(store: Store, org: str, **extra: object) -> str:
    fields: dict[str, object] = {
        "organization_id": org,
        "user": "alice",
        "task_id": "dock",
        "task_version": "1",
        "parameters": {"exhaustiveness": 8, "box": {"center": [1.0, 2.0, 3.0]}},
        "engine": "vina",
    }
    fields.update(extra)
    with store.unit_of_work() as uow:
        return uow.jobs.add(**fields).id  # type: ignore[arg-type]


def test_a_job_moves_through_its_states_and_keeps_its_history(store: Store, org: str) -> None:
    job_id = _submit(store, org)
    with store.unit_of_work() as uow:
        job = uow.jobs.get(org, job_id)
        assert job.status is S.SUBMITTED
        assert job.parameters["box"] == {"center": [1.0, 2.0, 3.0]}
        assert job.engine == "vina" and job.user == "alice" and job.started_at is None
        uow.jobs.transition(org, job_id, S.QUEUED)
        uow.jobs.transition(org, job_id, "running", detail="worker-1")
        uow.jobs.set_progress(org, job_id, done=2, total=4)
        done = uow.jobs.transition(org, job_id, S.SUCCEEDED)
    assert done.status is S.SUCCEEDED and done.is_final
    assert done.attempt == 1 and done.progress == 0.5
    assert done.created_at < done.started_at < done.finished_at  # type: ignore[operator]
    assert done.created_at.tzinfo is not None
    with store.unit_of_work() as uow:
        events = uow.jobs.events(org, job_id)
        again = uow.jobs.get(org, job_id)
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, S.SUBMITTED),
        (S.SUBMITTED, S.QUEUED),
        (S.QUEUED, S.RUNNING),
        (S.RUNNING, S.SUCCEEDED),
    ]
    assert events[2].detail == "worker-1"
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert again == done
    assert again.to_dict()["status"] == "succeeded"
    assert events[0].to_dict()["from_status"] is None


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], S.RUNNING),
        ([], S.SUCCEEDED),
        ([S.QUEUED], S.FAILED),
        ([S.QUEUED, S.RUNNING, S.SUCCEEDED], S.RUNNING),
        ([S.CANCELLED], S.QUEUED),
        ([S.QUEUED, S.RUNNING, S.RETRYING], S.RUNNING),
    ],
)
def test_an_illegal_transition_is_refused_and_nothing_changes(
    store: Store, org: str, path: list[JobStatus], illegal: JobStatus
) -> None:
    job_id = _submit(store, org)
    with store.unit_of_work() as uow:
        for status in path:
            uow.jobs.transition(org, job_id, status)
        before = uow.jobs.get(org, job_id)
    with pytest.raises(ConflictError) as info, store.unit_of_work() as uow:
        uow.jobs.transition(org, job_id, illegal)
    assert info.value.details["current"] == before.status.value
    assert info.value.details["target"] == illegal.value
    with store.unit_of_work() as uow:
        assert uow.jobs.get(org, job_id) == before
        assert len(uow.jobs.events(org, job_id)) == len(path) + 1


def test_a_refused_move_inside_a_block_leaves_earlier_writes_to_commit(
    store: Store, org: str
) -> None:
    job_id = _submit(store, org)
    with store.unit_of_work() as uow:
        uow.jobs.transition(org, job_id, S.QUEUED)
        with pytest.raises(ConflictError):
            uow.jobs.transition(org, job_id, S.SUCCEEDED)
    with store.unit_of_work() as uow:
        assert uow.jobs.get(org, job_id).status is S.QUEUED


def test_retries_count_attempts_and_success_clears_the_old_error(store: Store, org: str) -> None:
    job_id = _submit(store, org)
    crash = {"code": "worker_lost", "message": "the worker died", "hint": "retrying"}
    with store.unit_of_work() as uow:
        for status in (S.QUEUED, S.RUNNING):
            uow.jobs.transition(org, job_id, status)
        retrying = uow.jobs.transition(org, job_id, S.RETRYING, error=crash)
        assert retrying.error == crash and retrying.finished_at is None
        for status in (S.QUEUED, S.RUNNING):
            uow.jobs.transition(org, job_id, status)
        done = uow.jobs.transition(org, job_id, S.SUCCEEDED)
    assert done.attempt == 2 and done.error is None


def test_a_job_that_keeps_failing_is_dead_lettered(store: Store, org: str) -> None:
    job_id = _submit(store, org)
    with store.unit_of_work() as uow:
        for status in (S.QUEUED, S.RUNNING, S.RETRYING, S.DEAD_LETTERED):
            job = uow.jobs.transition(org, job_id, status)
    assert job.is_final and job.finished_at is not None


def test_a_crashed_run_goes_back_to_the_queue(store: Store, org: str) -> None:
    job_id = _submit(store, org)
    with store.unit_of_work() as uow:
        for status in (S.QUEUED, S.RUNNING):
            uow.jobs.transition(org, job_id, status)
        requeued = uow.jobs.transition(org, job_id, S.QUEUED, detail="worker lost")
    assert requeued.status is S.QUEUED and requeued.finished_at is None


def test_fail_records_the_error_and_its_message(store: Store, org: str) -> None:
    job_id = _submit(store, org)
    error = {"code": "engine_error", "message": "vina crashed", "engine": "vina"}
    with store.unit_of_work() as uow:
        uow.jobs.transition(org, job_id, S.QUEUED)
        uow.jobs.transition(org, job_id, S.RUNNING)
        failed = uow.jobs.fail(org, job_id, error=error)
        events = uow.jobs.events(org, job_id)
    assert failed.status is S.FAILED and failed.error == error
    assert events[-1].detail == "vina crashed"


@pytest.mark.parametrize(
    "error", [{"message": "no code"}, {"code": "x", "message": ""}, {"code": "x", "message": 3}]
)
def test_an_error_without_code_and_message_is_refused(
    store: Store, org: str, error: dict[str, object]
) -> None:
    job_id = _submit(store, org)
    with store.unit_of_work() as uow:
        uow.jobs.transition(org, job_id, S.QUEUED)
        uow.jobs.transition(org, job_id, S.RUNNING)
    with pytest.raises(ValidationError) as info, store.unit_of_work() as uow:
        uow.jobs.fail(org, job_id, error=error)
    assert info.value.field is not None and info.value.field.startswith("error")
    with store.unit_of_work() as uow:
        assert uow.jobs.get(org, job_id).status is S.RUNNING


def test_another_organization_never_sees_my_job(store: Store, org: str, other_org: str) -> None:
    job_id = _submit(store, org)
    with store.unit_of_work() as uow:
        calls = [
            lambda: uow.jobs.get(other_org, job_id),
            lambda: uow.jobs.transition(other_org, job_id, S.QUEUED),
            lambda: uow.jobs.fail(other_org, job_id, error={"code": "x", "message": "y"}),
            lambda: uow.jobs.set_progress(other_org, job_id, done=1),
            lambda: uow.jobs.set_metrics(other_org, job_id, execution_metrics={"a": 1}),
            lambda: uow.jobs.events(other_org, job_id),
            lambda: uow.jobs.delete(other_org, job_id),
            lambda: uow.results.for_job(other_org, job_id),
        ]
        for call in calls:
            with pytest.raises(NotFoundError) as info:
                call()
            assert info.value.kind == "job"
        assert uow.jobs.list(other_org).items == []
        assert uow.jobs.counts(other_org) == {}
        assert uow.jobs.get(org, job_id).status is S.SUBMITTED


def test_progress_must_be_possible_and_stops_with_the_job(store: Store, org: str) -> None:
    job_id = _submit(store, org)
    with store.unit_of_work() as uow:
        job = uow.jobs.set_progress(org, job_id, done=0, total=3)
        assert job.progress == 0.0
        job = uow.jobs.set_progress(org, job_id, done=3)
        assert (job.progress_done, job.progress_total) == (3, 3)
        for done, total in ((-1, None), (5, 4), (True, None)):
            with pytest.raises(ValidationError):
                uow.jobs.set_progress(org, job_id, done=done, total=total)
        uow.jobs.transition(org, job_id, S.CANCELLED)
        with pytest.raises(ConflictError, match="cancelled"):
            uow.jobs.set_progress(org, job_id, done=1)


def test_metrics_are_merged(store: Store, org: str) -> None:
    job_id = _submit(store, org)
    with store.unit_of_work() as uow:
        uow.jobs.set_metrics(org, job_id, execution_metrics={"seconds": 1.5})
        job = uow.jobs.set_metrics(
            org, job_id, execution_metrics={"poses": 9}, resource_usage={"peak_rss_mb": 210}
        )
    assert job.execution_metrics == {"seconds": 1.5, "poses": 9}
    assert job.resource_usage == {"peak_rss_mb": 210}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"parameters": {"x": float("nan")}}, "parameters"),
        ({"parameters": {"path": object()}}, "parameters"),
        ({"parameters": ["not", "an", "object"]}, "parameters"),
        ({"job_id": "not-a-uuid"}, "job_id"),
        ({"user": ""}, "user"),
        ({"task_id": "x" * 200}, "task_id"),
    ],
)
def test_bad_submissions_are_refused_with_the_field(
    store: Store, org: str, fields: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        _submit(store, org, **fields)
    assert info.value.field == field
    with store.unit_of_work() as uow:
        assert uow.jobs.list(org).items == []


def test_submission_checks_what_it_points_to(store: Store, org: str, other_org: str) -> None:
    with pytest.raises(NotFoundError, match="organization nowhere"):
        _submit(store, "nowhere")
    foreign = _submit(store, other_org)
    with pytest.raises(NotFoundError):
        _submit(store, org, parent_id=foreign)
    with pytest.raises(NotFoundError):
        _submit(store, org, pipeline_id=str(uuid.uuid4()))
    chosen = str(uuid.uuid4())
    assert _submit(store, org, job_id=chosen.upper()) == chosen
    with pytest.raises(ConflictError):
        _submit(store, org, job_id=chosen)
    child = _submit(store, org, parent_id=chosen, name="step 1")
    with store.unit_of_work() as uow:
        assert uow.jobs.get(org, child).parent_id == chosen
        assert [j.id for j in uow.jobs.list(org, parent_id=chosen).items] == [child]


def test_a_block_that_raises_stores_nothing(store: Store, org: str) -> None:
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        uow.jobs.add(organization_id=org, user="a", task_id="dock", task_version="1")
        raise RuntimeError("boom")
    with store.unit_of_work() as uow:
        assert uow.jobs.list(org).items == []


def test_counts_and_stale_jobs(store: Store, org: str, other_org: str, clock: StepClock) -> None:
    ids = [_submit(store, org) for _ in range(3)] + [_submit(store, other_org)]
    with store.unit_of_work() as uow:
        for job_id, owner in ((ids[0], org), (ids[3], other_org)):
            uow.jobs.transition(owner, job_id, S.QUEUED)
            uow.jobs.transition(owner, job_id, S.RUNNING)
        uow.jobs.transition(org, ids[1], S.CANCELLED)
    with store.unit_of_work() as uow:
        assert uow.jobs.counts(org) == {S.RUNNING: 1, S.CANCELLED: 1, S.SUBMITTED: 1}
        stale = uow.jobs.list_stale(updated_before=clock.now + timedelta(seconds=1))
        assert {j.id for j in stale} == {ids[0], ids[3]}
        assert uow.jobs.list_stale(updated_before=clock.now - timedelta(hours=1)) == []
        with pytest.raises(ValidationError):
            uow.jobs.list_stale(updated_before=clock.now.replace(tzinfo=None))


def test_only_finished_jobs_can_be_deleted(store: Store, org: str) -> None:
    job_id = _submit(store, org)
    with store.unit_of_work() as uow:
        with pytest.raises(ConflictError, match="cancel it first"):
            uow.jobs.delete(org, job_id)
        uow.jobs.transition(org, job_id, S.CANCELLED)
        uow.jobs.delete(org, job_id)
    with store.unit_of_work() as uow, pytest.raises(NotFoundError):
        uow.jobs.get(org, job_id)


def _new(org: str, **extra: Any) -> NewJob:
    fields: dict[str, Any] = {
        "organization_id": org,
        "user": "alice",
        "task_id": "dock",
        "task_version": "1",
        "parameters": {"exhaustiveness": 8},
    }
    fields.update(extra)
    return NewJob(**fields)


def test_many_jobs_are_recorded_together_as_one_by_one(store: Store, org: str) -> None:
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    batch = [
        _new(org, queued=True, name=f"ligand {i}", resource_usage={"requested": {"cpus": 1}})
        for i in range(25)
    ] + [_new(org, engine="gnina", execution_metrics={"waiting": "no gpu"}, detail="by api")]
    with store.unit_of_work() as uow:
        jobs = uow.jobs.add_many(batch)
    # one query for the organizations and one insert per table, whatever the number of jobs
    assert len(statements) == 3
    assert [j.name for j in jobs[:25]] == [f"ligand {i}" for i in range(25)]
    assert len({j.id for j in jobs}) == 26
    with store.unit_of_work() as uow:
        stored = uow.jobs.get(org, jobs[3].id)
        assert stored == jobs[3]
        assert stored.status is S.QUEUED and stored.resource_usage == {"requested": {"cpus": 1}}
        history = uow.jobs.events(org, jobs[3].id)
        assert [(e.from_status, e.to_status) for e in history] == [
            (None, S.SUBMITTED),
            (S.SUBMITTED, S.QUEUED),
        ]
        last = uow.jobs.get(org, jobs[-1].id)
        assert last.status is S.SUBMITTED and last.engine == "gnina"
        assert last.execution_metrics == {"waiting": "no gpu"}
        assert [e.detail for e in uow.jobs.events(org, last.id)] == ["by api"]
        # a job recorded in a batch moves on like any other
        running = uow.jobs.transition(org, jobs[3].id, S.RUNNING, detail="w1")
    assert running.attempt == 1
    with store.unit_of_work() as uow:
        oldest_first = [j.id for j in uow.jobs.list(org, limit=100, sort="created_at").items]
        newest_first = [j.id for j in uow.jobs.list(org, limit=100).items]
        assert uow.jobs.counts(org) == {S.QUEUED: 24, S.RUNNING: 1, S.SUBMITTED: 1}
    assert oldest_first == [j.id for j in jobs] == newest_first[::-1]


def test_a_batch_with_one_bad_job_writes_nothing(store: Store, org: str, other_org: str) -> None:
    foreign = _submit(store, other_org)
    chosen = str(uuid.uuid4())
    bad_batches: list[tuple[list[NewJob], type[Exception], str]] = [
        ([_new(org), _new("nowhere")], NotFoundError, "organization nowhere"),
        ([_new(org), _new(org, parent_id=foreign)], NotFoundError, "job"),
        ([_new(org), _new(org, pipeline_id=str(uuid.uuid4()))], NotFoundError, "pipeline"),
        ([_new(org, job_id=chosen), _new(org, job_id=chosen)], ConflictError, "twice"),
        ([_new(org), _new(org, user="")], ValidationError, "user"),
    ]
    for batch, error, text in bad_batches:
        with pytest.raises(error, match=text), store.unit_of_work() as uow:
            uow.jobs.add_many(batch)
    with store.unit_of_work() as uow:
        assert uow.jobs.list(org).items == []
        (mine,) = uow.jobs.add_many([_new(org, job_id=chosen)])
    assert mine.id == chosen
    with pytest.raises(ConflictError, match="already exists"), store.unit_of_work() as uow:
        uow.jobs.add_many([_new(org, job_id=chosen.upper())])
    with store.unit_of_work() as uow:
        child, other = uow.jobs.add_many(
            [_new(org, parent_id=chosen, name="step"), _new(other_org, parent_id=foreign)]
        )
        assert uow.jobs.add_many([]) == []
    assert child.parent_id == chosen and other.organization_id == other_org
