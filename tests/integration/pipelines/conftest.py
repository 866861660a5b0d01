"""An embedded madlab (SQLite file, a pool of local workers) with the step tasks registered."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from madlab.bootstrap import Services, build_services
from madlab.pipelines.service import PipelineService
from madlab.runtime.bus_memory import InMemoryEventBus
from madlab.runtime.local import LocalQueue
from madlab.settings import Settings
from tests.unit.pipelines.step_tasks import STEP_TASKS

ORG = "acme"


Platform = tuple[Services, PipelineService, LocalQueue]


@pytest.fixture()
def platform(tmp_path: Path) -> Iterator[Platform]:
    """Services over a SQLite file, a started pool of three workers, the pipeline service."""
    yield from _platform(tmp_path, workers=3)


@pytest.fixture()
def one_worker(tmp_path: Path) -> Iterator[Platform]:
    """The same with a pool of one worker (MADLAB_LOCAL_WORKERS=1)."""
    yield from _platform(tmp_path, workers=1)


def _platform(tmp_path: Path, *, workers: int) -> Iterator[Platform]:
    settings = Settings.from_env(
        {
            "MADLAB_HOME": str(tmp_path / "home"),
            "MADLAB_WORKER_TIMEOUT_S": "5",
            "MADLAB_LOCAL_WORKERS": str(workers),
            "MADLAB_ORGANIZATION": ORG,
        }
    )
    services = build_services(settings)
    services.events = InMemoryEventBus()
    with services.store.unit_of_work() as uow:
        uow.organizations.ensure(ORG)
        uow.organizations.ensure("globex")
    for definition in STEP_TASKS:
        services.tasks.register(definition, organization_id=ORG)
    queue = services.queue
    assert isinstance(queue, LocalQueue)
    queue.tick_s = 0.3
    queue.idle_s = 0.2
    queue.start()
    yield services, PipelineService(services.store, services.jobs), queue
    queue.close()
    services.store.dispose()


def wait_for(condition: object, timeout: float, what: str, step: float = 0.1) -> None:
    """Poll ``condition()`` until true, failing the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(step)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")
