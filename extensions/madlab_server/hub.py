"""The madlab API as a JupyterHub-managed service, authenticated with HubOAuth.

The hub starts ``jupyter server`` with :func:`configure_service` applied (see
``hub-config/madlab_service_config.py``). Browsers log in through the hub's
OAuth flow (cookie ``jupyterhub-services-madlab``); programs and user kernels
send a hub API token. Either way the hub returns the user model with the
user's groups, which :mod:`madlab_server.identity` maps to organizations.

The process serves the madlab API only: every other jupyter_server resource
(contents, kernels, terminals, sessions) is refused by
:class:`ServiceAuthorizer`, so a user reaching the service cannot run code or
read files as the service's account. The service holds the store and broker
credentials; user servers get none.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from jupyter_server.base.handlers import JupyterHandler
from jupyterhub.singleuser.extension import (  # type: ignore[import-untyped]
    JupyterHubAuthorizer,
    JupyterHubIdentityProvider,
)
from jupyterhub.utils import url_path_join  # type: ignore[import-untyped]
from tornado import web

#: Jupyter server resource of the madlab API (see ``handlers/base.py``).
API_RESOURCE = "madlab"

#: Seconds a user's groups fetched with the service's own token are reused.
GROUPS_TTL_S = 60.0


class ServiceIdentityProvider(JupyterHubIdentityProvider):
    """Hub OAuth login and hub API tokens, with the user's groups always present.

    A token without ``read:users:groups`` yields a user model without groups;
    the service then reads them with its own token (which holds
    ``read:users:groups``), so organization membership never depends on which
    scopes a caller's token happens to carry.
    """

    _groups_cache: dict[str, tuple[float, list[str]]]

    async def get_user(self, handler: Any) -> Any:
        """The authenticated hub user of ``handler``'s request, or ``None``."""
        user = await super().get_user(handler)
        if user is None or not hasattr(user, "hub_user"):
            return user
        model = user.hub_user
        if model.get("groups") is None and model.get("kind", "user") == "user":
            model["groups"] = await self._groups_of(str(model["name"]))
        return user

    async def _groups_of(self, name: str) -> list[str]:
        cache = self.__dict__.setdefault("_groups_cache", {})
        hit = cache.get(name)
        now = time.monotonic()
        if hit is not None and now - hit[0] < GROUPS_TTL_S:
            return hit[1]
        url = url_path_join(self.hub_auth.api_url, "users", name)
        model = await self.hub_auth._api_request(
            "GET", url, headers={"Authorization": f"token {self.hub_auth.api_token}"}
        )
        groups = list(model.get("groups") or []) if isinstance(model, dict) else []
        cache[name] = (now, groups)
        return groups

    def get_handlers(self) -> list[tuple[str, Any, Any] | tuple[str, Any]]:
        """The hub's OAuth callback and logout, and the browser login page."""
        handlers: list[tuple[str, Any, Any] | tuple[str, Any]] = list(super().get_handlers())
        handlers.append(("/login", ServiceLoginHandler))
        return handlers


class ServiceLoginHandler(JupyterHandler):
    """``<service>/login?next=<path>``: log a browser in through the hub, then go on.

    The API's own routes answer 401 to a request without credentials (they are
    called by programs); a browser opens this page once to get the service's
    OAuth cookie.
    """

    auth_resource = API_RESOURCE

    @web.authenticated
    def get(self) -> None:
        """Redirect to ``next`` (a path under the service) or the API's description."""
        base = self.base_url
        target = self.get_argument("next", "")
        if not target.startswith(base) or "//" in target or "\\" in target:
            target = url_path_join(base, API_RESOURCE, "api/v1/openapi.json")
        self.redirect(target)


class ServiceAuthorizer(JupyterHubAuthorizer):
    """Allow hub users with access to the service the madlab API, and nothing else."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        """Whether ``user`` may ``action`` on ``resource`` (only ``madlab`` is served)."""
        if resource != API_RESOURCE:
            return False
        return bool(super().is_authorized(handler, user, action, resource))


def service_settings(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Where the service listens, from the variables the hub gives a managed service.

    Returns
    -------
    dict
        ``ip``, ``port`` and ``base_url`` for ``ServerApp``.

    Raises
    ------
    RuntimeError
        Outside a hub-managed service (``JUPYTERHUB_SERVICE_URL`` unset).
    """
    env = os.environ if env is None else env
    url = env.get("JUPYTERHUB_SERVICE_URL")
    if not url:
        raise RuntimeError(
            "JUPYTERHUB_SERVICE_URL is not set: the madlab service runs under JupyterHub "
            "(see hub-config/jupyterhub_config.py), not on its own"
        )
    parsed = urlparse(url)
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX") or parsed.path or "/"
    return {
        "ip": parsed.hostname or "127.0.0.1",
        "port": parsed.port or (443 if parsed.scheme == "https" else 80),
        "base_url": prefix if prefix.endswith("/") else prefix + "/",
    }


def configure_service(c: Any, env: Mapping[str, str] | None = None) -> None:
    """Fill a ``jupyter server`` config object for the madlab hub service.

    Parameters
    ----------
    c
        The traitlets config (``get_config()`` in a config file).
    env
        Environment to read (default ``os.environ``).
    """
    env = os.environ if env is None else env
    where = service_settings(env)
    c.ServerApp.ip = where["ip"]
    c.ServerApp.port = where["port"]
    c.ServerApp.port_retries = 0
    c.ServerApp.base_url = where["base_url"]
    c.ServerApp.open_browser = False
    c.ServerApp.allow_root = True
    c.ServerApp.terminals_enabled = False
    c.ServerApp.identity_provider_class = ServiceIdentityProvider
    c.ServerApp.authorizer_class = ServiceAuthorizer
    c.ServerApp.jpserver_extensions = only_madlab_extension()
    root = env.get("MADLAB_SERVICE_ROOT")
    if root:
        c.ServerApp.root_dir = root
    # The hub's Services menu links to the service's root: log the browser in, then
    # show the API's description (there is no /tree page here).
    c.ServerApp.default_url = "/login"
    c.ServerApp.disable_check_xsrf = False
    # Tornado's own XSRF check runs before the user is known, so it would refuse a
    # token-authenticated POST; jupyter_server checks XSRF itself once it knows how
    # the request was authenticated (as jupyterhub-singleuser does).
    c.ServerApp.tornado_settings = {"xsrf_cookies": False}


def only_madlab_extension() -> dict[str, bool]:
    """Every installed server extension switched off except ``madlab_server``."""
    from jupyter_core.paths import jupyter_config_path
    from jupyter_server.extension.config import ExtensionConfigManager

    manager = ExtensionConfigManager(read_config_path=jupyter_config_path())
    enabled = {name: False for name in manager.get_jpserver_extensions()}
    enabled["madlab_server"] = True
    return enabled
