"""The store: one database, its migrations and units of work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from madlab.errors import ConflictError, StoreError
from madlab.settings import Settings
from madlab.store import migrate
from madlab.store.engine import create_store_engine
from madlab.store.types import utcnow
from madlab.store.unit_of_work import SqlUnitOfWork


class Store:
    """A madlab database (SQLite or PostgreSQL) and the way to work with it.

    Parameters
    ----------
    database_url
        SQLAlchemy URL: ``sqlite:///path/madlab.db`` (embedded default),
        ``sqlite://`` (in memory) or ``postgresql://user@host/db`` (psycopg 3).
    echo
        Log every SQL statement.
    clock
        Source of timestamps (timezone-aware UTC); the wall clock by default.

    Examples
    --------
    >>> store = Store("sqlite://")
    >>> store.upgrade()
    >>> with store.unit_of_work() as uow:
    ...     org = uow.organizations.ensure("default", name="Default")
    ...     job = uow.jobs.add(organization_id=org.id, user="alice", task_id="dock",
    ...                        task_version="1", parameters={"exhaustiveness": 8})
    >>> job.status.value
    'submitted'
    """

    def __init__(
        self,
        database_url: str,
        *,
        echo: bool = False,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine: Engine = create_store_engine(database_url, echo=echo)
        self._clock = clock
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """The store of ``settings.database_url``."""
        return cls(settings.database_url)

    @property
    def display_url(self) -> str:
        """The database URL with the password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"Store({self.display_url!r})"

    def upgrade(self, revision: str = "head") -> None:
        """Migrate the schema to ``revision`` (the newest by default)."""
        migrate.upgrade(self.engine, revision)

    def current_revision(self) -> str | None:
        """The schema revision of the database (``None`` when empty)."""
        return migrate.current_revision(self.engine)

    def check(self) -> None:
        """Make sure the database is reachable and at the newest schema.

        Raises
        ------
        madlab.errors.StoreError
            When it is not, with the command that fixes it.
        """
        current, head = self.current_revision(), migrate.head_revision()
        if current != head:
            raise StoreError(
                f"the database at {self.display_url} is at schema {current or 'none'}, "
                f"this madlab needs {head}",
                hint="run `madlab db upgrade`",
                url=self.display_url,
            )

    @contextmanager
    def unit_of_work(self) -> Iterator[SqlUnitOfWork]:
        """A transaction over every repository.

        Commits when the block ends normally, rolls back when it raises.
        Database failures become :class:`~madlab.errors.StoreError`
        (unreachable database, missing tables) or
        :class:`~madlab.errors.ConflictError` (a constraint broken by
        concurrent writers); madlab errors pass through unchanged.
        """
        session = self._sessions()
        uow = SqlUnitOfWork(session, self._clock)
        try:
            yield uow
            session.commit()
        except IntegrityError as err:
            session.rollback()
            raise ConflictError(
                f"the write clashes with stored data: {_first_line(err)}",
                hint="read the current state and retry",
            ) from err
        except DBAPIError as err:
            session.rollback()
            raise StoreError(
                f"database at {self.display_url} failed: {_first_line(err)}",
                hint="check MADLAB_DATABASE_URL, that the server is running, "
                "and run `madlab db upgrade`",
                url=self.display_url,
            ) from err
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection (the store can still be used afterwards)."""
        self.engine.dispose()


def _first_line(err: SQLAlchemyError) -> str:
    orig = getattr(err, "orig", None) or err
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__
