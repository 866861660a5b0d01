"""The task registry: versioned task definitions and their implementations.

Task definitions are data kept in the store. Built-in tasks come from the
``madlab.tasks`` entry point group, each a :class:`BuiltinTask` (definition and
implementation); more are registered, versioned and deprecated at run time
through :meth:`TaskRegistry.register` and persist in the store. A runtime
registered task names its implementation in ``service_config["implementation"]``
as ``"module:function"``. Parameters are validated against the definition's
``interface_spec["inputs"]`` JSON Schema before a task runs.
"""

from __future__ import annotations

import builtins
import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib.metadata import entry_points
from typing import Any

from madlab.domain.tasks import TaskDefinition, TaskStatus
from madlab.errors import ConflictError, NotFoundError
from madlab.store.database import Store
from madlab.store.ports import UnitOfWork
from madlab.tasks import schema
from madlab.tasks.context import TaskContext
from madlab.tasks.definitions import DEFAULT_QUEUE, DEFAULT_RESOURCES, check_definition

__all__ = [
    "DEFAULT_QUEUE",
    "DEFAULT_RESOURCES",
    "ENTRY_POINT_GROUP",
    "BuiltinTask",
    "TaskImplementation",
    "TaskRegistry",
    "check_definition",
]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "madlab.tasks"

#: What a task does: called with the job's context and its validated
#: parameters, returns JSON-ready outputs.
TaskImplementation = Callable[[TaskContext, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class BuiltinTask:
    """What each ``madlab.tasks`` entry point resolves to.

    Attributes
    ----------
    definition
        The task's definition (``organization_id`` ``None``); its
        ``service_config`` has ``queue``, ``engine`` when it uses one,
        ``resources`` (``{"cpus": int, "memory_mb": int}``) and ``requires``
        (capabilities a worker must have).
    implementation
        The function that runs it.
    """

    definition: TaskDefinition
    implementation: TaskImplementation


def _same(a: TaskDefinition, b: TaskDefinition) -> bool:
    """Whether two definitions describe the same task (status and times aside)."""
    keys = ("name", "category", "description", "interface_spec", "service_config")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def _load_function(name: str, task: str) -> TaskImplementation:
    module_name, _, attr = name.partition(":")
    try:
        func = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as err:
        raise NotFoundError(
            "task implementation",
            name,
            hint=f"task {task} names it, but it cannot be imported here: {err}",
        ) from None
    if not callable(func):
        raise NotFoundError("task implementation", name, hint=f"{name} is not a function")
    impl: TaskImplementation = func
    return impl


class TaskRegistry:
    """Task definitions in the store, and the code that runs them.

    Parameters
    ----------
    store
        Where definitions persist (built-in ones with ``organization_id`` None).
    group
        The entry point group of the built-in tasks.
    """

    def __init__(self, store: Store, *, group: str = ENTRY_POINT_GROUP) -> None:
        self._store = store
        self._group = group
        self._builtins: dict[tuple[str, str], BuiltinTask] | None = None
        self._broken: dict[str, str] = {}
        self._imported: dict[str, TaskImplementation] = {}
        self._lock = threading.RLock()
        self._stored = False

    # -- built-in tasks -------------------------------------------------

    def builtin_tasks(self) -> builtins.list[BuiltinTask]:
        """The built-in tasks of the entry point group (loaded once per registry)."""
        return list(self._builtin_map().values())

    def _builtin_map(self) -> dict[tuple[str, str], BuiltinTask]:
        with self._lock:
            if self._builtins is None:
                self._builtins = self._load_entry_points()
            return self._builtins

    @property
    def broken(self) -> dict[str, str]:
        """Entry points that could not be loaded, with the reason."""
        self.builtin_tasks()
        return dict(self._broken)

    def _load_entry_points(self) -> dict[tuple[str, str], BuiltinTask]:
        loaded: dict[tuple[str, str], BuiltinTask] = {}
        for ep in entry_points(group=self._group):
            try:
                task = ep.load()
                if not isinstance(task, BuiltinTask):
                    raise TypeError(f"it is a {type(task).__name__}, not a BuiltinTask")
                definition = check_definition(replace(task.definition, organization_id=None))
            except Exception as err:  # one broken plugin must not hide the others
                log.warning("cannot load task entry point %s: %s", ep.value, err)
                self._broken[ep.name] = f"cannot load {ep.value}: {err}"
                continue
            loaded[(definition.task_id, definition.version)] = BuiltinTask(
                definition, task.implementation
            )
        return loaded

    def register_entry_points(self) -> None:
        """Store (or refresh) the definition of every built-in task; idempotent.

        A built-in version that was deprecated stays deprecated. Called on
        the registry's first use by :meth:`get`, :meth:`list` and :meth:`register`.
        """
        for task in self.builtin_tasks():
            try:
                self._store_builtin(task.definition)
            except ConflictError:  # another process stored it meanwhile: once more
                try:
                    self._store_builtin(task.definition)
                except ConflictError as err:
                    log.warning("built-in task %s not stored: %s", task.definition.task_id, err)
                    self._broken[task.definition.task_id] = str(err)
        self._stored = True

    def _store_builtin(self, definition: TaskDefinition) -> None:
        with self._store.unit_of_work() as uow:
            try:
                stored = uow.tasks.get(definition.task_id, definition.version, organization_id=None)
            except NotFoundError:
                uow.tasks.save(definition)
                return
            if _same(stored, definition):
                return
            uow.tasks.save(replace(definition, status=stored.status))

    def _ensure_stored(self) -> None:
        if not self._stored:
            self.register_entry_points()

    # -- definitions ----------------------------------------------------

    def register(
        self, definition: TaskDefinition, *, organization_id: str | None
    ) -> TaskDefinition:
        """Register a new task, or a new version of one, for ``organization_id``.

        ``None`` registers a definition every organization sees.

        Raises
        ------
        madlab.errors.ValidationError
            When the definition breaks a rule (see :func:`check_definition`).
        madlab.errors.ConflictError
            When that (task_id, version) is already registered, by anyone.
        madlab.errors.NotFoundError
            When the organization does not exist.
        """
        checked = check_definition(replace(definition, organization_id=organization_id))
        self._ensure_stored()
        conflict = ConflictError(
            f"task {checked.task_id} version {checked.version} is already registered",
            hint="register a new version (for example the next number)",
            task_id=checked.task_id,
            version=checked.version,
        )
        with self._store.unit_of_work() as uow:
            if organization_id is not None and any(
                d.task_id == checked.task_id
                for d in uow.tasks.list(organization_id=None, include_deprecated=True)
            ):
                raise ConflictError(
                    f"task id {checked.task_id} belongs to a task built into madlab",
                    hint="choose another task id",
                    task_id=checked.task_id,
                )
            try:
                uow.tasks.get(checked.task_id, checked.version, organization_id=organization_id)
            except NotFoundError:
                pass
            else:
                raise conflict
            try:  # a row of another organization is reported by the store as a conflict
                return uow.tasks.save(checked)
            except ConflictError:
                raise conflict from None

    def get(
        self,
        task_id: str,
        version: str | None = None,
        *,
        organization_id: str,
        uow: UnitOfWork | None = None,
    ) -> TaskDefinition:
        """A task definition: the newest active version unless ``version`` is given.

        ``uow`` reads it in that transaction (a submission reads its task and
        records its job in one), else in a transaction of its own.

        Raises
        ------
        madlab.errors.NotFoundError
            When the caller's organization sees no such task (or version).
        """
        self._ensure_stored()
        if uow is not None:
            return uow.tasks.get(task_id, version, organization_id=organization_id)
        with self._store.unit_of_work() as own:
            return own.tasks.get(task_id, version, organization_id=organization_id)

    def list(
        self,
        *,
        organization_id: str,
        category: str | None = None,
        include_deprecated: bool = False,
    ) -> builtins.list[TaskDefinition]:
        """Definitions the organization sees (built-in and its own), by id then version."""
        self._ensure_stored()
        with self._store.unit_of_work() as uow:
            return uow.tasks.list(
                organization_id=organization_id,
                category=category,
                include_deprecated=include_deprecated,
            )

    def deprecate(self, task_id: str, version: str, *, organization_id: str) -> TaskDefinition:
        """Mark a version deprecated: readable, but no new jobs.

        Raises
        ------
        madlab.errors.NotFoundError
            No such version visible to the organization.
        madlab.errors.PermissionDeniedError
            A built-in task, which an organization cannot change.
        """
        self._ensure_stored()
        with self._store.unit_of_work() as uow:
            return uow.tasks.set_status(
                task_id, version, TaskStatus.DEPRECATED, organization_id=organization_id
            )

    # -- running --------------------------------------------------------

    def validate(self, definition: TaskDefinition, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` checked against the task's inputs schema, with defaults applied.

        Raises
        ------
        madlab.errors.ValidationError
            Whose message lists every violation and whose ``details["errors"]``
            is ``[{"field": "box.size[0]", "message": ...}, ...]``.
        """
        inputs = definition.interface_spec.get("inputs", {})
        return schema.validate(
            inputs,
            params,
            subject=f"parameters of task {definition.task_id} version {definition.version}",
        )

    def implementation(self, definition: TaskDefinition) -> TaskImplementation:
        """The function that runs ``definition``.

        Built-in tasks run their entry point's implementation; others the
        ``"module:function"`` named in ``service_config["implementation"]``.

        Raises
        ------
        madlab.errors.NotFoundError
            When there is none, or it cannot be imported here.
        """
        key = (definition.task_id, definition.version)
        if definition.is_builtin:
            task = self._builtin_map().get(key)
            if task is not None:
                return task.implementation
        name = definition.service_config.get("implementation")
        if not isinstance(name, str):
            reason = self._broken.get(definition.task_id)
            raise NotFoundError(
                "task implementation",
                f"{definition.task_id} version {definition.version}",
                hint=reason or "name one in service_config.implementation as 'module:function'",
            )
        with self._lock:
            if name not in self._imported:
                self._imported[name] = _load_function(name, definition.task_id)
            return self._imported[name]
