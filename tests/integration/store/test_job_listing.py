"""Job listings: filters and keyset pagination, newest first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from madlab.domain import Job, JobStatus
from madlab.errors import ValidationError
from madlab.store import Store
from madlab.store.ports import NewJob
from madlab.store.repositories import jobs as repo_jobs

from .clock import StepClock


def _add(store: Store, org: str, **extra: object) -> Job:
    fields: dict[str, object] = {
        "organization_id": org,
        "user": "alice",
        "task_id": "dock",
        "task_version": "1",
        "engine": "vina",
    }
    fields.update(extra)
    with store.unit_of_work() as uow:
        return uow.jobs.add(**fields)  # type: ignore[arg-type]


def _all_pages(store: Store, org: str, limit: int, **filters: object) -> list[list[Job]]:
    pages, cursor = [], None
    while True:
        with store.unit_of_work() as uow:
            page = uow.jobs.list(org, limit=limit, after=cursor, **filters)  # type: ignore[arg-type]
        pages.append(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return pages


@pytest.mark.parametrize("step_ms", [1, 0], ids=["distinct-times", "same-time"])
def test_pages_return_every_job_exactly_once_newest_first(
    make_store: Callable[..., Store], step_ms: int
) -> None:
    store = make_store(clock=StepClock(timedelta(milliseconds=step_ms)))
    with store.unit_of_work() as uow:
        org = uow.organizations.ensure("acme").id
    jobs = [_add(store, org) for _ in range(23)]
    pages = _all_pages(store, org, limit=5)
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    listed = [j.id for page in pages for j in page]
    assert sorted(listed) == sorted(j.id for j in jobs)
    assert len(set(listed)) == len(listed)
    expected = sorted(jobs, key=lambda j: (j.created_at, j.id), reverse=True)
    assert listed == [j.id for j in expected]


def test_jobs_submitted_while_paging_do_not_shift_pages(store: Store, org: str) -> None:
    first = [_add(store, org) for _ in range(6)]
    with store.unit_of_work() as uow:
        page1 = uow.jobs.list(org, limit=3)
    _add(store, org)  # newer than every listed job
    with store.unit_of_work() as uow:
        page2 = uow.jobs.list(org, limit=3, after=page1.next_cursor)
    listed = [j.id for j in page1.items + page2.items]
    assert listed == [j.id for j in reversed(first)]


def test_an_exact_last_page_has_no_cursor(store: Store, org: str) -> None:
    for _ in range(4):
        _add(store, org)
    with store.unit_of_work() as uow:
        page = uow.jobs.list(org, limit=4)
        assert len(page.items) == 4 and page.next_cursor is None
        assert uow.jobs.list(org, limit=2).next_cursor is not None


def test_filters(store: Store, org: str, other_org: str, clock: StepClock) -> None:
    start = clock()
    a = _add(store, org, task_id="dock", engine="vina", user="alice", name="Kinase 50%")
    b = _add(store, org, task_id="dock", engine="smina", user="bob", name="kinase_screen")
    middle = clock()  # strictly between b and c
    c = _add(store, org, task_id="prepare", engine=None, user="alice")
    _add(store, other_org, task_id="dock")
    with store.unit_of_work() as uow:
        uow.jobs.transition(org, b.id, JobStatus.QUEUED)
        uow.jobs.transition(org, c.id, JobStatus.CANCELLED)

        def ids(**filters: object) -> list[str]:
            return [j.id for j in uow.jobs.list(org, **filters).items]  # type: ignore[arg-type]

        assert ids() == [c.id, b.id, a.id]
        assert ids(status=JobStatus.SUBMITTED) == [a.id]
        assert ids(status=["queued", JobStatus.CANCELLED]) == [c.id, b.id]
        assert ids(task_id="dock") == [b.id, a.id]
        assert ids(engine="smina") == [b.id]
        assert ids(user="alice") == [c.id, a.id]
        assert ids(since=middle) == [c.id]
        assert ids(until=middle) == [b.id, a.id]
        assert ids(since=start, until=middle, engine="vina") == [a.id]
        assert ids(text="KINASE") == [b.id, a.id]
        assert ids(text="50%") == [a.id]
        assert ids(text="e_s") == [b.id]
        assert ids(text="prep") == [c.id]
        assert ids(text=a.id[:8]) == [a.id]


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 5000}, "limit"),
        ({"after": "garbage!"}, "after"),
        ({"after": "WzEsMl0"}, "after"),
        ({"status": "sleeping"}, "status"),
        ({"since": StepClock().now.replace(tzinfo=None)}, "since"),
    ],
)
def test_bad_listing_arguments_name_the_field(
    store: Store, org: str, filters: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as info, store.unit_of_work() as uow:
        uow.jobs.list(org, **filters)  # type: ignore[arg-type]
    assert info.value.field == field


def _sorted_expectation(jobs: list[Job], sort: str) -> list[str]:
    """The order of ``sort``: its key, then creation time and id, all in one direction."""
    keys: dict[str, Callable[[Job], tuple[object, ...]]] = {
        "created_at": lambda j: (j.created_at, j.id),
        "updated_at": lambda j: (j.updated_at, j.id),
        "status": lambda j: (j.status.value, j.created_at, j.id),
        "priority": lambda j: (j.priority, j.created_at, j.id),
    }
    key = keys[sort.lstrip("-")]
    return [j.id for j in sorted(jobs, key=key, reverse=sort.startswith("-"))]


@pytest.mark.parametrize(
    "sort",
    [
        "-created_at",
        "created_at",
        "-updated_at",
        "updated_at",
        "status",
        "-status",
        "-priority",
        "priority",
    ],
)
@pytest.mark.parametrize("step_ms", [1, 0], ids=["distinct-times", "same-time"])
def test_every_sort_pages_through_the_full_ordered_list_with_ties(
    make_store: Callable[..., Store], sort: str, step_ms: int
) -> None:
    store = make_store(clock=StepClock(timedelta(milliseconds=step_ms)))
    with store.unit_of_work() as uow:
        org = uow.organizations.ensure("acme").id
    jobs = [_add(store, org, priority=i % 3) for i in range(17)]  # many equal priorities
    moves = {1: JobStatus.QUEUED, 4: JobStatus.CANCELLED, 7: JobStatus.QUEUED, 9: JobStatus.QUEUED}
    with store.unit_of_work() as uow:
        for i, status in moves.items():
            jobs[i] = uow.jobs.transition(org, jobs[i].id, status)  # changes updated_at
    pages = _all_pages(store, org, limit=4, sort=sort)
    assert [len(p) for p in pages] == [4, 4, 4, 4, 1]
    assert [j.id for page in pages for j in page] == _sorted_expectation(jobs, sort)


def test_a_cursor_of_one_sort_is_refused_by_another(store: Store, org: str) -> None:
    for _ in range(3):
        _add(store, org)
    with store.unit_of_work() as uow:
        cursor = uow.jobs.list(org, limit=1, sort="status").next_cursor
        assert cursor is not None
        with pytest.raises(ValidationError) as info:
            uow.jobs.list(org, limit=1, sort="-priority", after=cursor)
    assert info.value.field == "after"
    assert "sorted by 'status'" in info.value.message


def test_an_unknown_sort_names_the_field_and_the_allowed_orders(store: Store, org: str) -> None:
    with pytest.raises(ValidationError) as info, store.unit_of_work() as uow:
        uow.jobs.list(org, sort="name")
    assert info.value.field == "sort"
    assert info.value.hint is not None
    for allowed in ("-created_at", "created_at", "-updated_at", "status", "-priority"):
        assert allowed in info.value.hint


@pytest.mark.parametrize("window", [3, 2000], ids=["small-window", "default-window"])
@pytest.mark.parametrize("sort", ["-created_at", "created_at", "status", "-priority"])
def test_a_text_search_pages_like_a_filter_of_the_whole_list(
    store: Store, org: str, monkeypatch: pytest.MonkeyPatch, window: int, sort: str
) -> None:
    """Common words, rare phrases and no match, whether or not the first look finds a page."""
    monkeypatch.setattr(repo_jobs, "SEARCH_WINDOW", window)
    names = ["kinase screen 1", "protease redock 77", "kinase screen 2", "o'brien \\ 100%"]
    with store.unit_of_work() as uow:
        jobs = uow.jobs.add_many(
            [
                NewJob(
                    organization_id=org,
                    user="alice",
                    task_id="dock",
                    task_version="1",
                    name=f"{names[i % 4]} {i}" if i % 5 else None,
                    priority=9 * (i % 3 == 0),
                    queued=bool(i % 2),
                )
                for i in range(40)
            ]
        )
    everything = [j.id for page in _all_pages(store, org, limit=100, sort=sort) for j in page]
    by_id = {j.id: j for j in jobs}
    for text in ("kinase", "PROTEASE REDOCK 7", "o'brien \\ 100% 3", "nowhere", jobs[7].id[:8]):

        def found(job_id: str, text: str = text) -> bool:
            job = by_id[job_id]
            haystack = f"{job.id} {job.name or ''} {job.task_id} {job.user}"
            return text.lower() in haystack.lower()

        expected = [i for i in everything if found(i)]
        for limit in (1, 4, 50):
            pages = _all_pages(store, org, limit=limit, sort=sort, text=text)
            assert [j.id for page in pages for j in page] == expected, (text, limit)
