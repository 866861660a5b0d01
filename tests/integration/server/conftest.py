"""Fixtures of the server extension's tests: a Jupyter server with madlab, and its users.

jupyter_server's pytest fixtures (``jp_fetch``, ``jp_ws_fetch``,
``jp_server_config``...) are imported here so that they apply to these
tests only.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from jupyter_server.auth.identity import IdentityProvider, User
from pytest_jupyter.jupyter_server import *  # noqa: F403
from tornado import web
from tornado.httpclient import HTTPClientError, HTTPResponse

from tests.integration.server.live import LiveServer, live_server

API = ("madlab", "api", "v1")


@dataclass
class HubUser(User):
    """A user as a JupyterHub-managed server sees it: with the hub's user model."""

    hub_user: dict[str, Any] = field(default_factory=dict)


#: Tokens of hub users: alice and carol in acme (carol its admin), bob in beta.
HUB_USERS: dict[str, tuple[str, list[str]]] = {
    "tok-alice": ("alice", ["org-acme", "staff"]),
    "tok-carol": ("carol", ["org-acme", "org-acme-admins"]),
    "tok-bob": ("bob", ["org-beta"]),
    "tok-nobody": ("nobody", ["staff"]),
}


class HubGroupsIdentityProvider(IdentityProvider):
    """Authenticates the tokens of :data:`HUB_USERS` as hub users with groups."""

    def _hub_user(self, handler: web.RequestHandler) -> HubUser | None:
        auth = handler.request.headers.get("Authorization", "")
        token = auth[len("token ") :].strip() if auth.startswith("token ") else ""
        if token not in HUB_USERS:
            return None
        name, groups = HUB_USERS[token]
        return HubUser(username=name, hub_user={"name": name, "groups": groups})

    def get_user(self, handler: web.RequestHandler) -> Any:
        """A hub user for a known token, else the server's own authentication."""
        return self._hub_user(handler) or super().get_user(handler)

    def is_token_authenticated(self, handler: web.RequestHandler) -> bool:
        """Requests with a hub user's token are token-authenticated (no XSRF cookie)."""
        return self._hub_user(handler) is not None or super().is_token_authenticated(handler)


@pytest.fixture
def madlab_home(tmp_path: Path) -> Path:
    """The madlab home folder of the server under test."""
    return tmp_path / "madlab-home"


@pytest.fixture
def jp_server_config(madlab_home: Path) -> dict[str, Any]:
    """A Jupyter server with the madlab extension, no worker pool, hub users."""
    return {
        "ServerApp": {
            "jpserver_extensions": {"madlab_server": True},
            "identity_provider_class": HubGroupsIdentityProvider,
        },
        "MadlabExtension": {
            "home": str(madlab_home),
            "organization": "solo",
            "owner": "owner",
            "start_workers": False,
            "freeze_startup_objects": False,  # leave the test process's collector alone
            "execute_rate": 5,
            "upload_rate": 5,
            "max_upload_mb": 0.05,
        },
    }


Fetch = Callable[..., Awaitable[HTTPResponse]]


@dataclass
class Api:
    """Calls the madlab API as one user; returns (status, JSON or text, headers)."""

    fetch: Fetch
    token: str | None

    async def call(
        self, method: str, *path: str, body: Any = None, raw: bytes | None = None, **params: Any
    ) -> tuple[int, Any, Any]:
        """One request; the body is JSON unless ``raw`` bytes are given."""
        headers = {"Authorization": f"token {self.token}"} if self.token else {"Authorization": ""}
        kwargs: dict[str, Any] = {"method": method, "headers": headers}
        if raw is not None:
            kwargs["body"] = raw
        elif body is not None:
            kwargs["body"] = json.dumps(body)
        elif method in ("POST", "PUT"):
            kwargs["body"] = b""
        try:
            response = await self.fetch(*API, *path, params=params or None, **kwargs)
        except HTTPClientError as err:
            response = err.response
            assert response is not None
        text = response.body.decode() if response.body else ""
        kind = response.headers.get("Content-Type", "")
        data = json.loads(text) if text and kind.startswith("application/json") else text
        return response.code, data, response.headers


@pytest.fixture
def api(jp_fetch: Fetch) -> Callable[[str | None], Api]:
    """``api("tok-alice")``: a caller of the API with that token (``None``: none)."""

    def make(token: str | None) -> Api:
        return Api(jp_fetch, token)

    return make


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server in its own process (single-user mode, organization ``default``, no workers)."""
    root = tmp_path_factory.mktemp("live")
    with live_server(
        root, "--MadlabExtension.execute_rate=0", "--MadlabExtension.upload_rate=0"
    ) as server:
        yield server
