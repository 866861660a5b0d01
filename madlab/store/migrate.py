"""Alembic migrations of the store, run from code (``madlab db upgrade``, tests)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from madlab.errors import StoreError
from madlab.store.engine import create_store_engine
from madlab.store.models import Base
from madlab.store.models.jobs import SEARCH_INDEX

#: The folder that holds ``env.py`` and ``versions/`` (installed with the package).
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any constant will do: it names the PostgreSQL advisory lock held while
# migrating, so that two processes starting together do not migrate twice.
_MIGRATION_LOCK_KEY = 0x6D61646C6162

T = TypeVar("T")


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic configuration pointing at madlab's migrations (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url is not None:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision shipped with this version of madlab."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise StoreError("no migrations found", hint=f"reinstall madlab ({MIGRATIONS_DIR})")
    return head


def upgrade(database_url: str | Engine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision`` (default: the newest).

    Safe to call on every start: an up-to-date database is left alone, and on
    PostgreSQL concurrent callers wait for each other.

    Parameters
    ----------
    database_url
        A database URL or an engine made by
        :func:`~madlab.store.engine.create_store_engine`.
    revision
        Alembic revision to reach.

    Raises
    ------
    madlab.errors.StoreError
        When the database cannot be reached or a migration fails.
    """
    _run_command(database_url, lambda cfg: command.upgrade(cfg, revision))


def downgrade(database_url: str | Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (``base`` drops every table)."""
    _run_command(database_url, lambda cfg: command.downgrade(cfg, revision))


def current_revision(database_url: str | Engine) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""

    def read(engine: Engine) -> str | None:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    return _with_engine(database_url, read)


def schema_differences(database_url: str | Engine) -> list[Any]:
    """Differences between the database's schema and the models (empty when equal).

    Uses Alembic's ``compare_metadata``; each item is one of its diff tuples.
    The PostgreSQL-only trigram index of the job text search
    (:data:`madlab.store.models.jobs.SEARCH_INDEX`), which the models cannot
    describe portably, is left out of the comparison.
    """

    def compare(engine: Engine) -> list[Any]:
        with engine.connect() as conn:
            opts = {"compare_type": True, "include_object": _compared}
            context = MigrationContext.configure(conn, opts=opts)
            return list(compare_metadata(context, Base.metadata))

    return _with_engine(database_url, compare)


def _compared(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "index" and name == SEARCH_INDEX)


def _run_command(database_url: str | Engine, run: Callable[[Config], None]) -> None:
    def migrate(engine: Engine) -> None:
        config = alembic_config()
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
            config.attributes["connection"] = conn
            run(config)

    _with_engine(database_url, migrate)


def _with_engine(database_url: str | Engine, use: Callable[[Engine], T]) -> T:
    engine = create_store_engine(database_url) if isinstance(database_url, str) else database_url
    try:
        return use(engine)
    except SQLAlchemyError as err:
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError(
            f"database at {url} failed: {_first_line(err)}",
            hint="check MADLAB_DATABASE_URL and that the database server is running",
            url=url,
        ) from err
    finally:
        if isinstance(database_url, str):
            engine.dispose()


def _first_line(err: BaseException) -> str:
    orig = getattr(err, "orig", None) or err
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
