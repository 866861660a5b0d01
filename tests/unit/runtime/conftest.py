"""A migrated SQLite store in tmp_path with the sample tasks registered for one organization."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from madlab.bootstrap import Services, build_services
from madlab.runtime.bus_memory import InMemoryEventBus
from madlab.runtime.executor import JobExecutor
from madlab.settings import Settings

from .sample_tasks import SAMPLES

ORG = "acme"


def runtime_settings_for(home: Path, **overrides: object) -> Settings:
    """Settings of an embedded madlab in ``home`` with quick heartbeats."""
    env = {
        "MADLAB_HOME": str(home),
        "MADLAB_WORKER_HEARTBEAT_S": "0.5",
        "MADLAB_WORKER_TIMEOUT_S": "5",
        "MADLAB_LOCAL_WORKERS": "2",
    }
    env.update({k: str(v) for k, v in overrides.items()})
    return Settings.from_env(env)


@pytest.fixture()
def runtime_settings(tmp_path: Path) -> Settings:
    return runtime_settings_for(tmp_path / "home")


@pytest.fixture()
def runtime_services(runtime_settings: Settings) -> Iterator[Services]:
    """Services on a fresh store, with a private event bus and the sample tasks."""
    services = build_services(runtime_settings)
    services.events = InMemoryEventBus()
    with services.store.unit_of_work() as uow:
        uow.organizations.ensure(ORG)
        uow.organizations.ensure("other")
    for definition in SAMPLES:
        services.tasks.register(definition, organization_id=ORG)
    yield services
    services.store.dispose()


def make_executor(services: Services, **options: object) -> JobExecutor:
    """An executor of ``services`` (isolated in child processes unless told otherwise)."""
    kwargs: dict[str, object] = {
        "store": services.store,
        "artifacts": services.artifacts,
        "engine_factory": services.engine,
        "tasks": services.tasks,
        "events": services.events,
        "work_root": services.work_root,
        "worker": "test-worker",
    }
    kwargs.update(options)
    return JobExecutor(**kwargs)  # type: ignore[arg-type]
