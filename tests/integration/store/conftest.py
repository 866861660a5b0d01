"""A migrated store on SQLite (a file in tmp_path) and on the real PostgreSQL server.

Each PostgreSQL test gets its own schema (dropped afterwards), selected through
the connection's ``search_path``, so runs never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from madlab.store import Store

from .clock import StepClock

POSTGRES_URLS = [
    os.environ.get("MADLAB_TEST_POSTGRES_URL", ""),
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
]


def _reachable_postgres() -> str | None:
    for url in filter(None, POSTGRES_URLS):
        try:
            psycopg.connect(url, connect_timeout=3).close()
        except psycopg.OperationalError:
            continue
        return url
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the PostgreSQL test database (the test is skipped when none answers)."""
    url = _reachable_postgres()
    if url is None:
        pytest.skip("no PostgreSQL server at 127.0.0.1:5432 (database test)")
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
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


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
