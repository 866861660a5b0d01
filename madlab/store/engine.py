"""Database URLs and engines: SQLite (embedded) and PostgreSQL with the same code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from madlab.errors import StoreError

#: How long a SQLite writer waits for another one before giving up (ms).
SQLITE_BUSY_TIMEOUT_MS = 30_000

_POSTGRES_NAMES = {"postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"}


def normalize_url(database_url: str) -> URL:
    """Parse a database URL and pick the driver madlab ships with.

    ``postgresql://`` and ``postgres://`` map to psycopg 3
    (``postgresql+psycopg://``); ``sqlite:///path`` stays as it is.

    Parameters
    ----------
    database_url
        A SQLAlchemy URL, as in ``MADLAB_DATABASE_URL``.

    Returns
    -------
    sqlalchemy.engine.URL
        The parsed URL, with the driver set.

    Raises
    ------
    madlab.errors.StoreError
        For a URL that cannot be parsed or a database madlab does not support.
    """
    try:
        url = make_url(database_url)
    except ArgumentError as err:
        raise StoreError(
            f"cannot read the database URL {database_url!r}",
            hint="use sqlite:///path/to/madlab.db or postgresql://user@host:5432/dbname",
        ) from err
    if url.drivername in _POSTGRES_NAMES:
        return url.set(drivername="postgresql+psycopg")
    if url.drivername in {"sqlite", "sqlite+pysqlite"}:
        return url
    raise StoreError(
        f"unsupported database {url.drivername!r} in {url.render_as_string()!r}",
        hint="madlab stores its data in SQLite (sqlite:///...) or PostgreSQL (postgresql://...)",
    )


def is_sqlite(url: URL) -> bool:
    """True for SQLite URLs."""
    return url.get_backend_name() == "sqlite"


def _sqlite_in_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:")


def create_store_engine(database_url: str, *, echo: bool = False) -> Engine:
    """Create the engine for ``database_url`` with madlab's connection settings.

    SQLite: the parent folder is created, and every connection turns foreign
    keys on, uses WAL journaling (readers never block the writer) and waits up
    to :data:`SQLITE_BUSY_TIMEOUT_MS` for a lock. An in-memory URL
    (``sqlite://``) shares one connection, so that every session sees the same
    data. PostgreSQL: psycopg 3 with a connection pool that checks connections
    before use.

    Parameters
    ----------
    database_url
        A SQLAlchemy URL (see :func:`normalize_url`).
    echo
        Log every SQL statement (debugging).

    Returns
    -------
    sqlalchemy.Engine
        The engine; connections are opened lazily.
    """
    url = normalize_url(database_url)
    options: dict[str, Any] = {"echo": echo}
    if is_sqlite(url):
        memory = _sqlite_in_memory(url)
        options["connect_args"] = {
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
            "check_same_thread": False,
        }
        if memory:
            options["poolclass"] = StaticPool
        else:
            Path(str(url.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _sqlite_pragmas(wal=not memory))
        return engine
    options["pool_pre_ping"] = True
    return create_engine(url, **options)


def _sqlite_pragmas(*, wal: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    return on_connect
