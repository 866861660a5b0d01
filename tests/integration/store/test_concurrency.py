"""Two writers on one job: the store lets exactly one of them move it."""

from __future__ import annotations

import threading
from collections.abc import Callable

from madlab.domain import JobStatus
from madlab.errors import ConflictError
from madlab.store import Store


def test_two_workers_starting_the_same_job_one_wins(make_store: Callable[..., Store]) -> None:
    store = make_store()
    with store.unit_of_work() as uow:
        org = uow.organizations.ensure("acme").id
        job = uow.jobs.add(organization_id=org, user="a", task_id="dock", task_version="1")
        uow.jobs.transition(org, job.id, JobStatus.QUEUED)

    first_moved = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def first_worker() -> None:
        try:
            with store.unit_of_work() as uow:
                uow.jobs.transition(org, job.id, JobStatus.RUNNING, detail="worker-1")
                first_moved.set()
                release.wait(timeout=10)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)
            first_moved.set()

    thread = threading.Thread(target=first_worker)
    thread.start()
    assert first_moved.wait(timeout=10)
    second: list[BaseException] = []

    def second_worker() -> None:
        try:
            with store.unit_of_work() as uow:
                uow.jobs.transition(org, job.id, JobStatus.RUNNING, detail="worker-2")
        except BaseException as err:
            second.append(err)

    other = threading.Thread(target=second_worker)
    other.start()
    other.join(timeout=0.5)  # it waits for the first worker's transaction
    release.set()
    thread.join(timeout=10)
    other.join(timeout=40)
    assert not errors
    assert len(second) == 1 and isinstance(second[0], ConflictError)
    with store.unit_of_work() as uow:
        events = uow.jobs.events(org, job.id)
        final = uow.jobs.get(org, job.id)
    assert [e.detail for e in events if e.to_status is JobStatus.RUNNING] == ["worker-1"]
    assert final.attempt == 1
