"""The registry of docking engines (papermill's engine registry pattern).

Engines are registered by name with a factory (usually the adapter class).
Installed packages add engines through the ``madlab.engines`` entry point group;
:data:`engines` is the module-level default registry, filled from the entry
points on first use. The registry keeps one engine instance per name and
options, so an engine's in-memory state (Vina's receptor maps) lives as long as
the process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from madlab.engines.base import Availability, DockingEngine
from madlab.errors import EngineUnavailableError, NotFoundError

__all__ = ["ENTRY_POINT_GROUP", "EngineRegistry", "default_registry", "engines"]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "madlab.engines"

EngineFactory = Callable[..., DockingEngine]


class EngineRegistry:
    """Docking engines by name.

    Parameters
    ----------
    load_entry_points
        Register the ``madlab.engines`` entry points on first use.
    """

    def __init__(self, *, load_entry_points: bool = False) -> None:
        self._factories: dict[str, EngineFactory] = {}
        self._broken: dict[str, str] = {}
        self._instances: dict[tuple[Any, ...], DockingEngine] = {}
        self._pending_entry_points = load_entry_points
        self._lock = threading.RLock()

    def register(self, name: str, factory: EngineFactory) -> None:
        """Register ``factory`` (called with the options given to :meth:`get`) as ``name``.

        A later registration of the same name replaces the earlier one.
        """
        with self._lock:
            self._factories[name] = factory
            self._broken.pop(name, None)
            self._instances = {k: v for k, v in self._instances.items() if k[0] != name}

    def register_entry_points(self) -> None:
        """Register every engine of the ``madlab.engines`` entry point group.

        Names registered explicitly are kept. An entry point that cannot be
        loaded is remembered, with its reason, for :meth:`get` and
        :meth:`availability`.
        """
        with self._lock:
            self._pending_entry_points = False
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                if ep.name in self._factories:
                    continue
                try:
                    self._factories[ep.name] = ep.load()
                except Exception as err:  # a broken plugin must not hide the others
                    log.warning("cannot load engine entry point %s: %s", ep.value, err)
                    self._broken[ep.name] = f"cannot load {ep.value}: {err}"

    def _ensure_loaded(self) -> None:
        if self._pending_entry_points:
            self.register_entry_points()

    def names(self) -> list[str]:
        """The registered engine names, sorted."""
        with self._lock:
            self._ensure_loaded()
            return sorted(set(self._factories) | set(self._broken))

    def get(self, name: str, **options: Any) -> DockingEngine:
        """The engine registered as ``name``, built with ``options`` (one instance each).

        Raises
        ------
        madlab.errors.NotFoundError
            When no engine has that name; the hint lists the known ones.
        madlab.errors.EngineUnavailableError
            When the engine's plugin cannot be loaded.
        """
        with self._lock:
            self._ensure_loaded()
            if name in self._broken:
                raise EngineUnavailableError(self._broken[name], engine=name)
            if name not in self._factories:
                known = ", ".join(self.names()) or "none"
                raise NotFoundError("engine", name, hint=f"known engines: {known}")
            try:
                key: tuple[Any, ...] | None = (name, *sorted(options.items()))
                hash(key)
            except TypeError:
                key = None  # unhashable options: a fresh instance every time
            if key is not None and key in self._instances:
                return self._instances[key]
            engine = self._factories[name](**options)
            if key is not None:
                self._instances[key] = engine
            return engine

    def availability(self) -> list[Availability]:
        """Every backend of every registered engine and whether it can run here."""
        out: list[Availability] = []
        for name in self.names():
            try:
                out.extend(self.get(name).availability())
            except Exception as err:  # report, never fail the listing
                reason = getattr(err, "message", None) or str(err)
                out.append(Availability(engine=name, backend="", available=False, reason=reason))
        return out


#: The default registry, filled from the ``madlab.engines`` entry points on first use.
engines = EngineRegistry(load_entry_points=True)


def default_registry() -> EngineRegistry:
    """The module-level default registry (:data:`engines`)."""
    return engines
