"""A migrated store on SQLite (a file in tmp_path) and on the real PostgreSQL server.

Each PostgreSQL test gets its own schema (dropped afterwards), selected through
the connection's ``search_path``, so runs never see each other's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from madlab.store import Store
from tests.postgres import UNREACHABLE, fresh_schema, reachable_postgres

from .clock import StepClock


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the PostgreSQL test database (the test is skipped when none answers)."""
    url = reachable_postgres()
    if url is None:
        pytest.skip(UNREACHABLE)
    return url


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh schema on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'madlab.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    with fresh_schema(base, "test") as url:
        yield url


@pytest.fixture()
def make_store(database_url: str) -> Iterator[Callable[..., Store]]:
    """Build migrated stores on the test database (all closed at the end)."""
    made: list[Store] = []

    def make(**options: object) -> Store:
        store = Store(database_url, **options)  # type: ignore[arg-type]
        store.upgrade()
        made.append(store)
        return store

    yield make
    for store in made:
        store.dispose()


@pytest.fixture()
def clock() -> StepClock:
    """Timestamps one millisecond apart, starting 2025-01-01 12:00 UTC."""
    return StepClock()


@pytest.fixture()
def store(make_store: Callable[..., Store], clock: StepClock) -> Store:
    """A migrated store with a predictable clock."""
    return make_store(clock=clock)


@pytest.fixture()
def org(store: Store) -> str:
    """The id of an organization ``acme``."""
    with store.unit_of_work() as uow:
        return uow.organizations.ensure("acme", name="Acme Pharma").id


@pytest.fixture()
def other_org(store: Store) -> str:
    """The id of a second organization, ``globex``."""
    with store.unit_of_work() as uow:
        return uow.organizations.ensure("globex").id
