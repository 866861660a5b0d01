"""A Jupyter server with madlab in its own process, for clients that block (httpx, requests)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass(frozen=True)
class LiveServer:
    """Where the server listens and its token."""

    url: str
    token: str
    home: Path

    @property
    def api(self) -> str:
        """The API's root URL."""
        return f"{self.url}madlab/api/v1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def live_server(root: Path, *extra: str, workers: bool = False) -> Iterator[LiveServer]:
    """Start ``jupyter server`` with the madlab extension; stop it on exit."""
    home = root / "madlab-home"
    token = secrets.token_hex(16)
    port = _free_port()
    env = {**os.environ, "MADLAB_HOME": str(home), "MADLAB_LOCAL_WORKERS": "1"}
    for key in ("MADLAB_DATABASE_URL", "MADLAB_BROKER_URL", "MADLAB_EVENTS_URL"):
        env.pop(key, None)
    args = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        "--allow-root",
        f"--port={port}",
        "--ip=127.0.0.1",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        "--ServerApp.jpserver_extensions={'madlab_server': True}",
        f"--MadlabExtension.start_workers={workers}",
        *extra,
    ]
    log = (root / "server.log").open("wb")
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}/", token, home)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{server.api}/tasks", headers={"Authorization": f"token {token}"})
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "the server did not start: " + (root / "server.log").read_text()[-2000:]
                    ) from None
                time.sleep(0.3)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
