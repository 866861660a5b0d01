"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from madlab.errors import StoreError
from madlab.store import Store, current_revision, head_revision, schema_differences, upgrade
from madlab.store.migrate import downgrade

TABLES = {
    "organizations",
    "users",
    "memberships",
    "task_definitions",
    "workers",
    "pipelines",
    "task_executions",
    "job_events",
    "docking_results",
    "poses",
}


def test_upgrade_builds_the_models_schema(database_url: str) -> None:
    assert current_revision(database_url) is None
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
    assert schema_differences(database_url) == []


def test_upgrade_twice_changes_nothing(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
    assert schema_differences(database_url) == []


def test_downgrade_to_base_then_upgrade_again(database_url: str) -> None:
    upgrade(database_url)
    downgrade(database_url, "base")
    assert current_revision(database_url) is None
    store = Store(database_url)
    try:
        assert TABLES.isdisjoint(inspect(store.engine).get_table_names())
    finally:
        store.dispose()
    upgrade(database_url)
    assert schema_differences(database_url) == []


def test_jobs_table_has_the_listing_indexes(database_url: str) -> None:
    store = Store(database_url)
    try:
        store.upgrade()
        inspector = inspect(store.engine)
        assert set(inspector.get_table_names()) >= TABLES
        indexes = {
            ix["name"]: ix["column_names"] for ix in inspector.get_indexes("task_executions")
        }
        assert indexes["ix_task_executions_org_status_created"] == [
            "organization_id",
            "status",
            "created_at",
            "id",
        ]
        assert indexes["ix_task_executions_org_created"] == ["organization_id", "created_at", "id"]
    finally:
        store.dispose()


def test_check_asks_for_an_upgrade_until_migrated(database_url: str) -> None:
    store = Store(database_url)
    try:
        with pytest.raises(StoreError, match="madlab db upgrade"):
            store.check()
        with pytest.raises(StoreError) as info, store.unit_of_work() as uow:
            uow.organizations.ensure("acme")
        assert "madlab db upgrade" in (info.value.hint or "")
        store.upgrade()
        store.check()
        assert store.current_revision() == head_revision()
    finally:
        store.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgres_gets_the_trigram_index_of_the_job_text_search(database_url: str) -> None:
    store = Store(database_url)
    try:
        with store.engine.connect() as conn:
            available = conn.exec_driver_sql(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
            ).first()
        if available is None:
            pytest.skip("pg_trgm is not installed on this PostgreSQL server")
        upgrade(store.engine)
        with store.engine.connect() as conn:
            indexes = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_task_executions_search' "
                "AND schemaname = current_schema()"
            ).all()
        assert len(indexes) == 1
        assert "gin" in indexes[0][0] and "gin_trgm_ops" in indexes[0][0]
        assert schema_differences(store.engine) == []
    finally:
        store.dispose()
