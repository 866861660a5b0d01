"""Docking engines: the :class:`DockingEngine` port, its adapters and their registry.

Adapters are imported from their own modules (``madlab.engines.vina``) or
obtained by name from :data:`madlab.engines.registry.engines`, so importing this
package does not load any engine library.
"""

from madlab.engines.base import Availability, DockingEngine
from madlab.engines.registry import EngineRegistry, default_registry, engines

__all__ = ["Availability", "DockingEngine", "EngineRegistry", "default_registry", "engines"]
