"""The job queue port, queue names and capability routing.

The store is the truth about jobs: a queue only carries the news that a job is
``queued`` to the workers that can run it. Two adapters implement the port:
:class:`madlab.runtime.local.LocalQueue` (embedded mode, a supervised pool of
local worker processes fed from the store) and
:class:`madlab.runtime.celery_queue.CeleryQueue` (distributed mode).

A job that needs capabilities (``gpu``, an engine such as ``engine:gnina``, or
an engine's backend such as ``engine:vina:vina-python``) waits in a queue
named after them, ``docking.standard.engine:gnina+gpu``; a worker listens to the queues of the
capability sets it offers, so such a job only ever reaches a worker that has
them.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from madlab.domain.jobs import Job
from madlab.domain.tasks import TaskDefinition
from madlab.errors import ValidationError
from madlab.store.ports import UnitOfWork
from madlab.tasks.context import TaskContext

HIGH_PRIORITY_QUEUE = "docking.high_priority"
STANDARD_QUEUE = "docking.standard"

#: Priority names a caller may use, and the number stored with the job
#: (higher runs first).
PRIORITIES: Mapping[str, int] = {"standard": 0, "high": 9}

#: A task's code: called with its context and parameters, returns JSON outputs.
TaskImplementation = Callable[[TaskContext, dict[str, Any]], dict[str, Any]]

#: Capability of the workers that run pipeline runs (jobs that mostly wait for
#: their step jobs): the embedded pool's coordinator process, and every
#: Celery worker (``madlab worker``).
COORDINATOR = "coordinator"

#: Largest capability set a worker subscribes to as one queue.
MAX_ROUTED_SET = 2


class TaskCatalog(Protocol):
    """What the runtime needs of the task registry."""

    def get(
        self,
        task_id: str,
        version: str | None = None,
        *,
        organization_id: str,
        uow: UnitOfWork | None = None,
    ) -> TaskDefinition:
        """The definition (newest active version by default), read in ``uow`` if given."""
        ...

    def validate(self, definition: TaskDefinition, params: dict[str, Any]) -> dict[str, Any]:
        """Parameters checked against the task's schema, with defaults applied."""
        ...

    def implementation(self, definition: TaskDefinition) -> TaskImplementation:
        """The callable that runs the task."""
        ...


def priority_value(priority: str | int) -> int:
    """The stored number of a priority name (``standard`` or ``high``).

    Raises
    ------
    madlab.errors.ValidationError
        For an unknown priority name.
    """
    if isinstance(priority, int) and not isinstance(priority, bool):
        return priority
    if not isinstance(priority, str) or priority not in PRIORITIES:
        raise ValidationError(
            f"unknown priority {priority!r}",
            field="priority",
            hint="use " + " or ".join(PRIORITIES),
        )
    return PRIORITIES[priority]


def normalize_requires(requires: Iterable[str] | None) -> list[str]:
    """Sorted unique capability names, checked for shape.

    Raises
    ------
    madlab.errors.ValidationError
        For a name that is empty or holds characters a queue name cannot carry.
    """
    out: set[str] = set()
    for i, name in enumerate(requires or ()):
        if not isinstance(name, str) or not name.strip():
            raise ValidationError(
                f"requires[{i}] must be a capability name", field=f"requires[{i}]"
            )
        cap = name.strip().lower()
        if any(ch in cap for ch in " +.,/"):
            raise ValidationError(
                f"capability {name!r} cannot contain spaces or any of + . , /",
                field=f"requires[{i}]",
                hint="capabilities look like gpu, engine:gnina or engine:vina:vina-python",
            )
        out.add(cap)
    return sorted(out)


def queue_for(priority: int, requires: Iterable[str] = ()) -> str:
    """The queue a job of this priority and these requirements waits in."""
    base = HIGH_PRIORITY_QUEUE if priority >= PRIORITIES["high"] else STANDARD_QUEUE
    caps = normalize_requires(requires)
    return f"{base}.{'+'.join(caps)}" if caps else base


def capability_tags(capabilities: Mapping[str, Any]) -> set[str]:
    """The capability names a worker offers, from its registry record.

    ``gpu`` when it has one, ``engine:NAME`` for each engine with an available
    backend, ``engine:NAME:BACKEND`` for each available backend, and any
    ``extra`` names the worker was started with.
    """
    tags: set[str] = set()
    if capabilities.get("gpu"):
        tags.add("gpu")
    for engine, info in (capabilities.get("engines") or {}).items():
        backends = (info or {}).get("backends") or {}
        if backends:
            tags.add(f"engine:{engine}")
        tags.update(f"engine:{engine}:{backend}" for backend in backends)
    tags.update(str(t).lower() for t in capabilities.get("extra", ()))
    return tags


def worker_queues(tags: Iterable[str], *, max_set: int = MAX_ROUTED_SET) -> list[str]:
    """Every queue a worker with these capabilities serves, high priority first."""
    caps = sorted(set(tags))
    subsets: list[tuple[str, ...]] = [()]
    for size in range(1, min(max_set, len(caps)) + 1):
        subsets.extend(itertools.combinations(caps, size))
    out: list[str] = []
    for priority in (PRIORITIES["high"], PRIORITIES["standard"]):
        out.extend(queue_for(priority, subset) for subset in subsets)
    return out


def job_requires(job: Job) -> list[str]:
    """The capabilities a stored job asked for (kept in its ``resource_usage``)."""
    requested = job.resource_usage.get("requested") or {}
    return list(requested.get("requires") or [])


class JobQueue(ABC):
    """Port: deliver queued jobs to workers, and stop cancelled ones.

    The caller has already moved the job to ``queued`` in the store; a queue
    that cannot carry the news now (a broker that is down) must not lose the
    job: it stays ``queued`` in the store, and the adapter's reconciler sends
    it again.
    """

    #: Short name of the adapter (``local`` or ``celery``).
    kind: str = ""

    @abstractmethod
    def enqueue(self, job: Job) -> None:
        """Hand a ``queued`` job to the workers."""

    @abstractmethod
    def revoke(self, job: Job) -> None:
        """Make sure a cancelled job does not run, and stop it if it is running."""

    def start(self) -> None:  # noqa: B027 - optional hook
        """Start what the adapter needs to deliver jobs (no-op by default)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Stop delivering and release resources (no-op by default)."""
