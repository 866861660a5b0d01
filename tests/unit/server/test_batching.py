"""Execute requests that arrive together are recorded together, each with its own answer."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from madlab_server.batching import SubmissionBatcher

from madlab.bootstrap import Services, build_services
from madlab.domain.jobs import Job, JobStatus
from madlab.errors import MadlabError, NotFoundError, ValidationError
from madlab.runtime.bus_memory import InMemoryEventBus
from madlab.runtime.service import Submission
from madlab.settings import Settings


class _NoQueue:
    """The embedded queue's place: the jobs stay queued in the store."""

    def enqueue(self, job: Job) -> None:
        pass


@pytest.fixture()
def services(tmp_path: Path) -> Iterator[Services]:
    services = build_services(Settings.from_env({"MADLAB_HOME": str(tmp_path / "home")}))
    services.events = InMemoryEventBus()
    services.__dict__["queue"] = _NoQueue()
    with services.store.unit_of_work() as uow:
        uow.organizations.ensure("acme")
    yield services
    services.store.dispose()


class _Recorder:
    """The real ``submit_many``, slowed down so that submissions pile up, with batch sizes."""

    def __init__(self, services: Services, delay_s: float = 0.05) -> None:
        self.services = services
        self.delay_s = delay_s
        self.sizes: list[int] = []
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, batch: Sequence[Submission]) -> list[Job | MadlabError]:
        self.gate.wait(5)
        self.sizes.append(len(batch))
        threading.Event().wait(self.delay_s)
        return self.services.jobs.submit_many(batch)


def _threads(pool: ThreadPoolExecutor) -> Any:
    async def run_blocking(fn: Any, /, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(pool, functools.partial(fn, *args))

    return run_blocking


def _dock(i: int, **extra: Any) -> Submission:
    params = {"receptor": "r.pdb", "ligand_files": ["l.sdf"], "exhaustiveness": 1 + i % 4}
    return Submission("acme", "alice", "dock", params, name=f"job {i}", **extra)


def test_concurrent_submissions_share_transactions_and_get_their_own_jobs(
    services: Services,
) -> None:
    recorder = _Recorder(services)

    async def run() -> list[Job]:
        with ThreadPoolExecutor(2) as pool:
            batcher = SubmissionBatcher(recorder, _threads(pool), on_batch=told.append)
            return await asyncio.gather(*(batcher.submit(_dock(i)) for i in range(40)))

    told: list[int] = []
    jobs = asyncio.run(run())
    assert told == recorder.sizes
    assert [j.name for j in jobs] == [f"job {i}" for i in range(40)]
    assert [j.parameters["exhaustiveness"] for j in jobs] == [1 + i % 4 for i in range(40)]
    assert all(j.status is JobStatus.QUEUED for j in jobs)
    assert sum(recorder.sizes) == 40 and len(recorder.sizes) < 40
    stored = services.jobs.list("acme", limit=100).items
    assert {j.id for j in stored} == {j.id for j in jobs}


def test_a_lone_submission_is_written_at_once(services: Services) -> None:
    recorder = _Recorder(services, delay_s=0)

    async def run() -> list[Job]:
        with ThreadPoolExecutor(1) as pool:
            batcher = SubmissionBatcher(recorder, _threads(pool))
            first = await batcher.submit(_dock(0))
            second = await batcher.submit(_dock(1))
            return [first, second]

    jobs = asyncio.run(run())
    assert recorder.sizes == [1, 1]
    assert [j.name for j in jobs] == ["job 0", "job 1"]


def test_each_bad_submission_gets_its_own_error_and_the_others_are_recorded(
    services: Services,
) -> None:
    recorder = _Recorder(services)
    recorder.gate.clear()  # hold the first batch until every submission waits

    async def run() -> list[Job | BaseException]:
        with ThreadPoolExecutor(2) as pool:
            batcher = SubmissionBatcher(recorder, _threads(pool))
            calls = [
                batcher.submit(_dock(0)),
                batcher.submit(Submission("acme", "alice", "dock", {"exhaustiveness": "lots"})),
                batcher.submit(Submission("acme", "alice", "no-such-task", {})),
                batcher.submit(_dock(3)),
            ]
            asyncio.get_running_loop().call_later(0.2, recorder.gate.set)
            return await asyncio.gather(*calls, return_exceptions=True)

    good, bad, unknown, last = asyncio.run(run())
    assert isinstance(good, Job) and isinstance(last, Job)
    assert isinstance(bad, ValidationError) and bad.field == "exhaustiveness"
    assert "receptor: is required" in str(bad)
    assert isinstance(unknown, NotFoundError)
    assert {j.id for j in services.jobs.list("acme").items} == {good.id, last.id}


def test_a_failing_writer_fails_every_waiting_caller_and_the_next_batch_works() -> None:
    calls: list[int] = []

    def broken(batch: Sequence[Submission]) -> list[Job | MadlabError]:
        calls.append(len(batch))
        raise RuntimeError("store went away")

    async def inline(fn: Any, /, *args: Any) -> Any:
        return fn(*args)

    async def run() -> list[Any]:
        batcher = SubmissionBatcher(broken, inline)
        first = await asyncio.gather(
            *(batcher.submit(_dock(i)) for i in range(3)), return_exceptions=True
        )
        second = await asyncio.gather(batcher.submit(_dock(9)), return_exceptions=True)
        return [*first, *second]

    outcomes = asyncio.run(run())
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert calls == [3, 1]


def test_a_writer_that_loses_outcomes_fails_the_batch_rather_than_mixing_answers() -> None:
    async def inline(fn: Any, /, *args: Any) -> Any:
        return fn(*args)

    async def run() -> list[Any]:
        batcher = SubmissionBatcher(lambda batch: [], inline)
        return await asyncio.gather(
            *(batcher.submit(_dock(i)) for i in range(2)), return_exceptions=True
        )

    assert all("0 outcomes for a batch of 2" in str(o) for o in asyncio.run(run()))
