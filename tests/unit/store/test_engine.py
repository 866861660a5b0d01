"""Database URLs, SQLite connection settings and the store built from settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from madlab.errors import StoreError
from madlab.settings import Settings
from madlab.store import Store, create_store_engine, normalize_url


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://madlab:secret@db:5432/madlab", "postgresql+psycopg"),
        ("postgres://madlab@db/madlab", "postgresql+psycopg"),
        ("postgresql+psycopg://madlab@db/madlab", "postgresql+psycopg"),
        ("sqlite:////var/lib/madlab.db", "sqlite"),
        ("sqlite://", "sqlite"),
    ],
)
def test_urls_get_the_shipped_driver(url: str, driver: str) -> None:
    assert normalize_url(url).drivername == driver


@pytest.mark.parametrize("url", ["mysql://db/madlab", "not a url", ""])
def test_unsupported_urls_are_refused_with_a_hint(url: str) -> None:
    with pytest.raises(StoreError) as info:
        normalize_url(url)
    assert "postgresql://" in (info.value.hint or "")


def test_sqlite_connections_use_wal_foreign_keys_and_wait_for_locks(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "madlab.db"
    engine = create_store_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        assert path.parent.is_dir()
    finally:
        engine.dispose()


def test_the_default_store_lives_in_the_madlab_home(tmp_path: Path) -> None:
    settings = Settings.from_env({"MADLAB_HOME": str(tmp_path / "home")})
    store = Store.from_settings(settings)
    try:
        store.upgrade()
        with store.unit_of_work() as uow:
            uow.organizations.ensure(settings.organization)
        assert (tmp_path / "home" / "madlab.db").is_file()
        assert store.display_url.endswith("home/madlab.db")
    finally:
        store.dispose()


def test_passwords_are_hidden(tmp_path: Path) -> None:
    store = Store("postgresql://madlab:s3cret@127.0.0.1:1/madlab")
    assert "s3cret" not in store.display_url and "s3cret" not in repr(store)


def test_an_unreachable_server_is_a_store_error() -> None:
    store = Store("postgresql://madlab@127.0.0.1:1/madlab?connect_timeout=2")
    with pytest.raises(StoreError) as info, store.unit_of_work() as uow:
        uow.organizations.ensure("default")
    assert "MADLAB_DATABASE_URL" in (info.value.hint or "")
    with pytest.raises(StoreError):
        store.upgrade()


def test_an_in_memory_store_is_shared_by_its_units_of_work() -> None:
    store = Store("sqlite://")
    store.upgrade()
    with store.unit_of_work() as uow:
        uow.organizations.ensure("default")
    with store.unit_of_work() as uow:
        assert [o.id for o in uow.organizations.list()] == ["default"]
