"""``GET /openapi.json``: the API's contract, read from the package's openapi.yaml."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from madlab_server.handlers.base import MadlabHandler


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document shipped with the extension, as a dict."""
    text = resources.files("madlab_server").joinpath("openapi.yaml").read_text()
    doc: dict[str, Any] = yaml.safe_load(text)
    return doc


class OpenAPIHandler(MadlabHandler):
    """Serve the contract as JSON."""

    def get(self) -> None:
        """The OpenAPI document."""
        self.send_json(openapi_document())
