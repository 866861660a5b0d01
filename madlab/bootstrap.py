"""Composition root: builds the object graph from :class:`~madlab.settings.Settings`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from madlab.engines.base import DockingEngine
from madlab.engines.registry import EngineRegistry, default_registry
from madlab.runtime.bus import event_bus_from_settings
from madlab.runtime.events import EventBus
from madlab.runtime.queue import JobQueue
from madlab.runtime.service import JobService
from madlab.settings import Settings
from madlab.storage.artifacts import ArtifactStore, LocalArtifactStore
from madlab.store.database import Store
from madlab.tasks.registry import TaskRegistry

if TYPE_CHECKING:
    from madlab.pipelines.notebook_tasks import NotebookSync


@dataclass
class Services:
    """The adapters every entry point shares."""

    settings: Settings
    store: Store
    artifacts: ArtifactStore
    engines: EngineRegistry
    tasks: TaskRegistry
    events: EventBus

    def engine(self, name: str, **options: Any) -> DockingEngine:
        """The engine registered under ``name``, built with ``options`` (typed error if unknown)."""
        return self.engines.get(name, cache_dir=self.settings.cache_dir / "maps", **options)

    @cached_property
    def queue(self) -> JobQueue:
        """The job queue: Celery when ``MADLAB_BROKER_URL`` is set, else the embedded pool.

        The embedded pool's processes start only when ``queue.start()`` is called
        (by the server, ``madlab worker`` or ``madlab jobs submit --wait``).
        """
        if self.settings.broker_url:
            from madlab.runtime.celery_app import make_app
            from madlab.runtime.celery_queue import CeleryQueue

            return CeleryQueue(make_app(self.settings))
        from madlab.runtime.local import LocalQueue

        return LocalQueue(self.settings, events=self.events)

    @cached_property
    def jobs(self) -> JobService:
        """The job service over this store, task registry, queue and event bus."""
        return JobService(
            store=self.store,
            tasks=self.tasks,
            queue=self.queue,
            events=self.events,
            worker_timeout_s=self.settings.worker_timeout_s,
        )

    def register_notebook_tasks(self) -> NotebookSync:
        """Register the notebooks of ``templates/`` and ``MADLAB_NOTEBOOK_TASKS_DIR`` as tasks.

        Called by long-lived entry points when they start (the server, the
        ``madlab pipelines`` commands); idempotent, and an unchanged notebook
        costs only its hash. Broken notebooks are reported in the result (and
        logged), never raised.
        """
        from madlab.pipelines.notebook_tasks import register_notebook_tasks
        from madlab.pipelines.report import templates_dir

        folders = [templates_dir()]
        if self.settings.notebook_tasks_dir is not None:
            folders.append(self.settings.notebook_tasks_dir)
        return register_notebook_tasks(self.tasks, self.store, folders)

    @property
    def work_root(self) -> Path:
        """Parent folder of the jobs' working folders."""
        path = self.settings.home / "work"
        path.mkdir(parents=True, exist_ok=True)
        return path


def build_services(settings: Settings | None = None, *, migrate: bool = True) -> Services:
    """Create the store (migrated to the newest schema) and every service over it.

    That is the artifact store, the engines, the task registry (built-in tasks
    are stored on its first use) and the event bus (Redis when
    ``MADLAB_EVENTS_URL`` or ``MADLAB_BROKER_URL`` is a Redis URL).
    """
    settings = settings or Settings.from_env()
    settings.home.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database_url)
    if migrate:
        store.upgrade()
    return Services(
        settings=settings,
        store=store,
        artifacts=LocalArtifactStore(settings.artifacts_dir),
        engines=default_registry(),
        tasks=TaskRegistry(store),
        events=event_bus_from_settings(settings),
    )
