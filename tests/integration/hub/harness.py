"""The madlab JupyterHub (``hub-config/jupyterhub_config.py``) on free ports in a temporary folder.

Used by the hub tests, the browser test and ``benchmarks/hub_load.py``: it
starts the hub the way ``make run`` does, and logs users in through the
proxy the way a browser does (login form, cookies, XSRF token).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

REPO = Path(__file__).resolve().parents[3]
CONFIG = REPO / "hub-config" / "jupyterhub_config.py"

#: The demo users of the hub config and their passwords (also in the README).
PASSWORDS = {
    "alice": "alice-demo",
    "bob": "bob-demo",
    "carol": "carol-demo",
    "admin": "admin-demo",
}

#: The madlab API behind the hub's proxy.
SERVICE_PATH = "/services/madlab/"
API_PATH = SERVICE_PATH + "madlab/api/v1/"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Hub:
    """A running hub: its public URL, state folder, madlab home and log."""

    url: str
    folder: Path
    madlab_home: Path
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def api(self) -> str:
        """The madlab API's URL through the proxy."""
        return self.url.rstrip("/") + API_PATH

    def log_tail(self, lines: int = 60) -> str:
        """The end of the hub's log (for failure messages)."""
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def _wait_ready(hub: Hub, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if hub.process.poll() is not None:
            raise RuntimeError(f"the hub exited ({hub.process.returncode}):\n{hub.log_tail()}")
        try:
            hub_api = httpx.get(hub.url + "hub/api/", timeout=5)
            service = httpx.get(hub.api + "tasks", timeout=5)
            # 401: the madlab service is up behind the proxy and asks for a user
            if hub_api.status_code == 200 and service.status_code == 401:
                return
            last = f"hub {hub_api.status_code}, service {service.status_code}"
        except httpx.HTTPError as err:
            last = str(err)
        time.sleep(0.5)
    raise RuntimeError(f"the hub was not ready after {timeout:.0f} s ({last}):\n{hub.log_tail()}")


@contextmanager
def running_hub(
    root: Path,
    *,
    env: dict[str, str] | None = None,
    timeout: float = 180.0,
    config: Path = CONFIG,
) -> Iterator[Hub]:
    """Start the hub with the repository's config under ``root``; stop it on exit.

    Parameters
    ----------
    root
        Folder for the hub's state, the users' homes and the madlab home.
    env
        Extra environment (``MADLAB_*`` settings for the madlab service).
    timeout
        Seconds to wait for the hub and the madlab service to answer.
    config
        The hub's config file (for example one that loads the repository's with ``load_subconfig``).
    """
    port = free_port()
    variables = {
        key: value
        for key, value in os.environ.items()
        if key not in ("MADLAB_DATABASE_URL", "MADLAB_BROKER_URL", "MADLAB_EVENTS_URL")
    }
    variables.update(
        MADLAB_HOME=str(root / "madlab-home"),
        MADLAB_HUB_DIR=str(root / "hub"),
        MADLAB_HUB_PORT=str(port),
        MADLAB_HUB_API_PORT=str(free_port()),
        MADLAB_PROXY_API_PORT=str(free_port()),
        MADLAB_SERVICE_PORT=str(free_port()),
        MADLAB_LOCAL_WORKERS="1",
    )
    variables.update(env or {})
    log = root / "hub.log"
    root.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)],
            cwd=root,
            env=variables,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    hub = Hub(f"http://127.0.0.1:{port}/", root / "hub", root / "madlab-home", log, process)
    try:
        _wait_ready(hub, timeout)
        yield hub
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the hub; then end whatever it started and left running (proxy, services, servers).

    The hub starts its proxy, services and user servers in sessions of their own,
    so they are found as its descendants before it is asked to stop.
    """
    try:
        started = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        started = []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(60)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
    for child in started:
        with suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(started, timeout=10)


def _cookie(client: httpx.Client, name: str, path: str) -> str | None:
    for cookie in client.cookies.jar:
        if cookie.name == name and cookie.path == path:
            return cookie.value
    return None


class HubUser:
    """One user's browser-like session: hub login form, service OAuth, XSRF.

    Parameters
    ----------
    hub
        The running hub.
    name
        User name (a key of :data:`PASSWORDS` unless ``password`` is given).
    """

    def __init__(self, hub: Hub, name: str, password: str | None = None) -> None:
        self.hub = hub
        self.name = name
        self.password = PASSWORDS[name] if password is None else password
        self.client = httpx.Client(base_url=hub.url, follow_redirects=True, timeout=120)

    def __enter__(self) -> HubUser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def login(self) -> httpx.Response:
        """Log in with the hub's form, then open the service once (OAuth) to get its cookie.

        Returns
        -------
        httpx.Response
            The form's answer (302 on success, 403 on a wrong password).
        """
        self.client.get("hub/login")
        form = {
            "username": self.name,
            "password": self.password,
            "_xsrf": _cookie(self.client, "_xsrf", "/hub/") or "",
        }
        answer = self.client.post("hub/login", data=form, follow_redirects=False)
        if answer.status_code == 302:
            done = self.client.get(SERVICE_PATH.lstrip("/") + "login")
            done.raise_for_status()
        return answer

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request to the madlab API with the service's cookie and XSRF token."""
        headers = dict(kwargs.pop("headers", None) or {})
        xsrf = _cookie(self.client, "_xsrf", SERVICE_PATH)
        if xsrf:
            headers["X-XSRFToken"] = xsrf
        return self.client.request(method, API_PATH.lstrip("/") + path, headers=headers, **kwargs)

    def token(self, note: str = "madlab client") -> str:
        """A new hub API token of this user that reaches the madlab service."""
        answer = self.client.post(
            f"hub/api/users/{self.name}/tokens",
            json={"note": note, "scopes": ["access:services!service=madlab"]},
            headers={"X-XSRFToken": _cookie(self.client, "_xsrf", "/hub/") or ""},
        )
        answer.raise_for_status()
        token: str = answer.json()["token"]
        return token
