"""Docking engines: the :class:`DockingEngine` port and its adapters."""
