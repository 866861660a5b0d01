"""The PostgreSQL test database: which address answers, and fresh schemas in it.

Tests that need PostgreSQL get a schema of their own (selected through the
connection's ``search_path``, dropped afterwards), so that runs never see
each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

#: Where the test database may be: ``MADLAB_TEST_POSTGRES_URL``, then the
#: local server's database ``test`` as ``postgres`` or as ``root``.
POSTGRES_URLS = [
    os.environ.get("MADLAB_TEST_POSTGRES_URL", ""),
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
]

#: What a test that cannot reach it says.
UNREACHABLE = "no PostgreSQL server at 127.0.0.1:5432 (database test)"


def reachable_postgres() -> str | None:
    """The first of :data:`POSTGRES_URLS` that accepts a connection (None: none does)."""
    for url in filter(None, POSTGRES_URLS):
        try:
            psycopg.connect(url, connect_timeout=3).close()
        except psycopg.OperationalError:
            continue
        return url
    return None


@contextmanager
def fresh_schema(base: str, prefix: str) -> Iterator[str]:
    """A new, empty schema in the database at ``base``: its URL; dropped at the end."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
