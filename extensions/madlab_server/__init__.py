"""madlab's Jupyter server extension: the REST and WebSocket API of the platform.

Loaded by ``jupyter server`` through ``_jupyter_server_extension_points``
(enabled by the ``jupyter_server_config.d/madlab_server.json`` file this
distribution installs).
"""

from __future__ import annotations

from typing import Any

from madlab_server.app import API_PREFIX, MadlabExtension

__all__ = ["API_PREFIX", "MadlabExtension"]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    return [{"module": "madlab_server", "app": MadlabExtension}]
