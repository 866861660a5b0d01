"""Benchmark: latency of the madlab API in a live Jupyter server.

* task listing (``GET /tasks``) and execute (``POST /tasks/dock/execute``)
  p50/p95 with 50 concurrent clients (no worker running, so that only the
  API and the submission are timed);
* WebSocket delivery: from the moment a job's state change is published
  (the event's timestamp) to its arrival at a client subscribed to the
  organization, with the in-process bus and with Redis pub/sub.

Run ``python benchmarks/api_latency.py [--clients 50 --requests 20]``;
results go to ``benchmarks/results/api.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

RESULTS = Path(__file__).resolve().parent / "results" / "api.md"
REDIS = os.environ.get("MADLAB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
PARAMS = {"receptor": "receptor.pdb", "ligand_files": ["ligand.sdf"]}


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def summary(values: list[float]) -> str:
    """p50, p95, mean and max of ``values`` (seconds), in milliseconds."""
    ms = [v * 1000 for v in values]
    return (
        f"p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms, "
        f"mean {statistics.fmean(ms):.1f} ms, max {max(ms):.1f} ms (n={len(ms)})"
    )


@contextmanager
def server(root: Path, env_extra: dict[str, str]) -> Iterator[tuple[str, str]]:
    """A Jupyter server with madlab (no workers, no rate limits): (url, token)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = secrets.token_hex(16)
    env = {**os.environ, "MADLAB_HOME": str(root / "home"), **env_extra}
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
        "--MadlabExtension.start_workers=False",
        "--MadlabExtension.execute_rate=0",
        "--log-level=WARN",
    ]
    root.mkdir(parents=True, exist_ok=True)
    log = (root / "server.log").open("wb")
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{url}madlab/api/v1/tasks", headers={"Authorization": f"token {token}"})
                break
            except httpx.TransportError:
                time.sleep(0.3)
        yield url, token
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


async def concurrent(
    url: str, token: str, clients: int, requests: int, method: str, path: str
) -> list[float]:
    """``clients`` clients each making ``requests`` calls; every call's latency."""
    times: list[float] = []
    headers = {"Authorization": f"token {token}"}
    body = {"params": PARAMS} if method == "POST" else None

    async def one_client() -> None:
        async with httpx.AsyncClient(base_url=f"{url}madlab/api/v1/", headers=headers) as http:
            await http.request(method, path, json=body)  # connect outside the timing
            for _ in range(requests):
                started = time.perf_counter()
                response = await http.request(method, path, json=body)
                times.append(time.perf_counter() - started)
                assert response.status_code < 300, response.text

    await asyncio.gather(*(one_client() for _ in range(clients)))
    return times


async def ws_delivery(url: str, token: str, jobs: int) -> list[float]:
    """Seconds from each published ``job.state`` event to its arrival over the socket."""
    request = HTTPRequest(
        url.replace("http://", "ws://") + "madlab/api/v1/events",
        headers={"Authorization": f"token {token}"},
    )
    ws = await websocket_connect(request)
    delays: list[float] = []
    headers = {"Authorization": f"token {token}"}
    async with httpx.AsyncClient(base_url=f"{url}madlab/api/v1/", headers=headers) as http:
        for _ in range(jobs):
            await http.post("tasks/dock/execute", json={"params": PARAMS})
            for _ in range(2):  # submitted, queued
                message = await asyncio.wait_for(ws.read_message(), 10)
                arrived = datetime.now(dt.timezone.utc)
                assert isinstance(message, str)
                event = json.loads(message)
                published = datetime.fromisoformat(event["timestamp"])
                delays.append((arrived - published).total_seconds())
    ws.close()
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--ws-jobs", type=int, default=200)
    args = parser.parse_args()
    lines = [
        f"Run {dt.date.today()} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; {args.clients} concurrent clients x "
        f"{args.requests} requests; embedded store (SQLite).",
        "",
        "Clients send their next request as soon as the last one is answered (closed loop),",
        "on the same 2 CPUs as the server, so a p95 here is mostly the queue of 49 other",
        "clients: per-request cost is about p50 / clients.",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        with server(Path(tmp) / "embedded", {}) as (url, token):
            listing = asyncio.run(
                concurrent(url, token, args.clients, args.requests, "GET", "tasks")
            )
            lines.append(f"- task listing: {summary(listing)}")
            execute = asyncio.run(
                concurrent(url, token, args.clients, args.requests, "POST", "tasks/dock/execute")
            )
            lines.append(f"- execute: {summary(execute)}")
            local = asyncio.run(ws_delivery(url, token, args.ws_jobs))
            lines.append(f"- WebSocket delivery, in-process bus: {summary(local)}")
        redis_env = {"MADLAB_EVENTS_URL": REDIS}
        with server(Path(tmp) / "redis", redis_env) as (url, token):
            remote = asyncio.run(ws_delivery(url, token, args.ws_jobs))
            lines.append(f"- WebSocket delivery, Redis pub/sub: {summary(remote)}")
    text = "# API benchmarks\n\n" + "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
