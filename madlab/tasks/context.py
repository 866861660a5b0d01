"""What a running task may use: its job, the store, the artifacts, the engines.

The runtime (or the CLI, when it runs a job in its own process) builds one
:class:`TaskContext` per job and hands it to the task's implementation. The
implementation reports progress and partial results through it and asks it
whether the job was cancelled; it never changes the job's state itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from madlab.engines.base import DockingEngine
from madlab.storage.artifacts import ArtifactStore
from madlab.store.database import Store


def _never() -> bool:
    return False


@dataclass
class TaskContext:
    """The resources and callbacks of one running job.

    Attributes
    ----------
    organization_id, job_id, user
        Whose job this is; every row written is scoped to the organization.
    store, artifacts
        Where results and files are recorded.
    engine_factory
        Returns the docking engine adapter registered under a name, built
        with the engine options given as keywords (``backend``, ``cnn``...).
    workdir
        A private scratch folder, removed when the job ends.
    out_dir
        Where user-facing files also go (the CLI's ``--out``), or ``None``
        when results live only in the store and the artifact store.
    on_progress
        Called with (done, total) after each unit of work.
    on_partial
        Called with a JSON-ready partial result (one ligand's poses) as soon
        as it exists.
    is_cancelled
        True once the job has been asked to stop; long tasks check it between
        units of work.
    """

    organization_id: str
    job_id: str
    user: str
    store: Store
    artifacts: ArtifactStore
    engine_factory: Callable[..., DockingEngine]
    workdir: Path
    out_dir: Path | None = None
    on_progress: Callable[[int, int], None] | None = None
    on_partial: Callable[[dict[str, Any]], None] | None = None
    is_cancelled: Callable[[], bool] = field(default=_never)

    def progress(self, done: int, total: int) -> None:
        """Record progress in the store, then tell the listener."""
        with self.store.unit_of_work() as uow:
            uow.jobs.set_progress(self.organization_id, self.job_id, done=done, total=total)
        if self.on_progress is not None:
            self.on_progress(done, total)

    def partial(self, payload: dict[str, Any]) -> None:
        """Tell the listener about a partial result (already stored by the task)."""
        if self.on_partial is not None:
            self.on_partial(payload)
