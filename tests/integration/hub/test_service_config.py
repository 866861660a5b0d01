"""The hub's pieces without a running hub: demo passwords, the service's configuration."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from types import ModuleType

import pytest
from madlab_server.hub import (
    ServiceAuthorizer,
    ServiceIdentityProvider,
    configure_service,
    only_madlab_extension,
    service_settings,
)
from traitlets.config import Config

from tests.integration.hub.harness import REPO

HUB_ENV = {
    "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:18002",
    "JUPYTERHUB_SERVICE_PREFIX": "/services/madlab/",
}


def _demo_auth() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_auth", REPO / "hub-config/demo_auth.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("demo_auth", module)
    spec.loader.exec_module(module)
    return module


def test_passwords_are_checked_against_salted_hashes() -> None:
    auth = _demo_auth()
    stored = auth.hash_password("s3cret", rounds=1000)
    assert "s3cret" not in stored and stored.startswith("pbkdf2_sha256$1000$")
    assert auth.hash_password("s3cret", rounds=1000) != stored  # a new salt each time
    assert auth.check_password("s3cret", stored)
    assert not auth.check_password("S3cret", stored)
    with pytest.raises(ValueError, match=r"demo_auth\.py PASSWORD"):
        auth.check_password("s3cret", "s3cret")


def test_the_demo_authenticator_logs_in_only_users_with_their_own_password() -> None:
    auth = _demo_auth()
    authenticator = auth.DemoAuthenticator(
        password_hashes={
            "ann": auth.hash_password("a-pw", rounds=1000),
            "ben": auth.hash_password("b-pw", rounds=1000),
        }
    )

    def login(name: str, password: str) -> str | None:
        data = {"username": name, "password": password}
        result: str | None = asyncio.run(authenticator.authenticate(None, data))
        return result

    assert login("ann", "a-pw") == "ann"
    assert login(" ben ", "b-pw") == "ben"
    assert login("ann", "b-pw") is None
    assert login("nobody", "a-pw") is None


def test_the_service_listens_where_the_hub_says_and_serves_only_the_api() -> None:
    assert service_settings(HUB_ENV) == {
        "ip": "127.0.0.1",
        "port": 18002,
        "base_url": "/services/madlab/",
    }
    c = Config()
    configure_service(c, {**HUB_ENV, "MADLAB_SERVICE_ROOT": "/srv/madlab"})
    assert c.ServerApp.port == 18002 and c.ServerApp.base_url == "/services/madlab/"
    assert c.ServerApp.identity_provider_class is ServiceIdentityProvider
    assert c.ServerApp.authorizer_class is ServiceAuthorizer
    assert c.ServerApp.terminals_enabled is False
    assert c.ServerApp.root_dir == "/srv/madlab"
    enabled = only_madlab_extension()
    assert enabled["madlab_server"] is True
    assert [name for name, on in enabled.items() if on] == ["madlab_server"]
    assert "jupyterlab" in enabled  # installed here, and switched off for the service


def test_outside_a_hub_the_service_says_how_it_is_started() -> None:
    with pytest.raises(RuntimeError, match="JUPYTERHUB_SERVICE_URL"):
        service_settings({})


def test_the_authorizer_allows_the_madlab_api_and_nothing_else() -> None:
    authorizer = ServiceAuthorizer()
    for resource in ("contents", "kernels", "terminals", "sessions", "server"):
        assert authorizer.is_authorized(None, None, "read", resource) is False
