"""A job and its task context over a SQLite store in the test's folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from madlab.engines.base import DockingEngine
from madlab.engines.registry import EngineRegistry
from madlab.engines.vina import VinaEngine
from madlab.storage.local import LocalArtifactStore
from madlab.store.database import Store
from madlab.tasks.context import TaskContext
from madlab.tasks.registry import TaskRegistry


@dataclass
class Run:
    """What a built-in task left behind: its context and what it reported."""

    ctx: TaskContext
    registry: TaskRegistry
    progress: list[tuple[int, int]] = field(default_factory=list)
    partials: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, task_id: str, params: dict[str, Any]) -> dict[str, Any]:
        """Validate ``params`` like the runtime does, then run the task's implementation."""
        definition = self.registry.get(task_id, organization_id=self.ctx.organization_id)
        checked = self.registry.validate(definition, params)
        return self.registry.implementation(definition)(self.ctx, checked)


@pytest.fixture()
def run_task(tmp_path: Path) -> Callable[..., Run]:
    """Build a :class:`Run` for a new job of a task (the job row exists, as in the runtime)."""
    store = Store(f"sqlite:///{tmp_path / 'madlab.db'}")
    store.upgrade()
    engines = EngineRegistry()
    engines.register("vina", VinaEngine)

    def engine_factory(name: str) -> DockingEngine:
        return engines.get(name, cache_dir=tmp_path / "maps")

    def make(task_id: str, *, cancel_after: int | None = None) -> Run:
        with store.unit_of_work() as uow:
            org = uow.organizations.ensure("acme")
            job = uow.jobs.add(
                organization_id=org.id, user="ada", task_id=task_id, task_version="1"
            )
        work = tmp_path / f"work-{job.id[:8]}"
        work.mkdir()
        ctx = TaskContext(
            organization_id=org.id,
            job_id=job.id,
            user="ada",
            store=store,
            artifacts=LocalArtifactStore(tmp_path / "artifacts"),
            engine_factory=engine_factory,
            workdir=work,
        )
        run = Run(ctx=ctx, registry=TaskRegistry(store))
        ctx.on_progress = lambda done, total: run.progress.append((done, total))
        ctx.on_partial = run.partials.append
        if cancel_after is not None:
            ctx.is_cancelled = lambda: len(run.partials) >= cancel_after
        return run

    return make
