"""Benchmark: latency of the madlab API in a live Jupyter server.

* task listing (``GET /tasks``) and execute (``POST /tasks/dock/execute``)
  with 50 concurrent clients, embedded store (SQLite) and PostgreSQL, no
  worker running (so that only the API and the submission are timed);
* the same with the server code of an earlier commit (``--baseline REV``),
  measured in the same run, one after the other, for a side-by-side ratio;
* WebSocket delivery: from the moment a job's state change is published
  (the event's timestamp) to its arrival at a client subscribed to the
  organization, with the in-process bus and with Redis pub/sub.

The load comes from a separate, low-overhead process: ``wrk`` (C, one
thread, a Lua script for the body and the percentiles) when it is
installed, else an asyncio httpx client in a child process. Two loads:

* **closed loop**: 50 connections, each sends its next request as soon as
  the last one is answered; the server is saturated, so latency is about
  50 x the CPU cost of one request (Little's law), shared with the client
  on the same 2 CPUs;
* **paced**: 50 clients each sending one request every ``--interval`` seconds
  (an open load below saturation): the latency a user sees when 50 people
  work at once.

Run ``python benchmarks/api_latency.py [--baseline REV] [--seconds 10]``;
results go to ``benchmarks/results/api.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import multiprocessing
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import psycopg
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "api.md"
REDIS = os.environ.get("MADLAB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
POSTGRES = os.environ.get("MADLAB_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PARAMS = {"receptor": "receptor.pdb", "ligand_files": ["ligand.sdf"]}
BODY = json.dumps({"params": PARAMS})

#: wrk script: the execute body, and the percentiles as one JSON line.
WRK_LUA = """
local method = os.getenv("BENCH_METHOD")
if method == "POST" then
  wrk.method = "POST"
  wrk.body = os.getenv("BENCH_BODY")
  wrk.headers["Content-Type"] = "application/json"
end
done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format(
    'WRK {"p50": %f, "p95": %f, "p99": %f, "mean": %f, "max": %f, "n": %d, "bad": %d, '
    .. '"socket_errors": %d, "seconds": %f}\\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.mean / 1000, latency.max / 1000,
    summary.requests, non2xx, summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout, summary.duration / 1e6))
end
"""


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def stats_ms(values: list[float]) -> dict[str, float]:
    """p50, p95, p99, mean and max of ``values`` (seconds), in milliseconds, and n."""
    ms = [v * 1000 for v in values]
    return {
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "mean": statistics.fmean(ms),
        "max": max(ms),
        "n": len(ms),
    }


def summary(values: list[float]) -> str:
    """p50, p95, mean and max of ``values`` (seconds), in milliseconds."""
    s = stats_ms(values)
    return (
        f"p50 {s['p50']:.1f} ms, p95 {s['p95']:.1f} ms, "
        f"mean {s['mean']:.1f} ms, max {s['max']:.1f} ms (n={s['n']})"
    )


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL schema for one server (dropped afterwards)."""
    schema = f"bench_api_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def checkout(rev: str, into: Path) -> Path:
    """The ``madlab`` and ``extensions`` folders of commit ``rev``, unpacked in ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", rev, "madlab", "extensions"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


@contextmanager
def server(
    root: Path, env_extra: dict[str, str], source: Path | None = None
) -> Iterator[tuple[str, str, int]]:
    """A Jupyter server with madlab (no workers, no rate limits): (url, token, pid).

    ``source`` runs the server on another copy of the code (PYTHONPATH first).
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = secrets.token_hex(16)
    env = {**os.environ, "MADLAB_HOME": str(root / "home"), **env_extra}
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source / "extensions"), str(source)])
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
        for _ in range(300):
            try:
                r = httpx.get(
                    f"{url}madlab/api/v1/tasks", headers={"Authorization": f"token {token}"}
                )
                if r.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(f"the server stopped; see {root / 'server.log'}")
            time.sleep(0.3)
        yield url, token, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # say so, keep its log's end, and go on
            proc.kill()
            proc.wait()
            tail = (root / "server.log").read_text(errors="replace").splitlines()[-20:]
            print("the server did not stop within 30 s of SIGTERM; killed. Its log ends:")
            print("\n".join(tail), flush=True)
        log.close()


# -- load generators (each in its own process) -------------------------------


def wrk_load(url: str, token: str, method: str, path: str, clients: int, seconds: int) -> dict:
    """Closed-loop load with wrk: its percentiles (ms), request count and failures."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_LUA)
    env = {**os.environ, "BENCH_METHOD": method, "BENCH_BODY": BODY}
    cmd = ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "60s", "-s", script.name]
    cmd += ["-H", f"Authorization: token {token}", f"{url}madlab/api/v1/{path}"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    result: dict = json.loads(line[4:])
    result["rps"] = result["n"] / result["seconds"]
    return result


def _httpx_client_main(
    url: str,
    token: str,
    method: str,
    path: str,
    clients: int,
    seconds: float,
    interval: float,
    out: multiprocessing.Queue,
) -> None:
    times: list[float] = []
    bad = 0
    headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}
    body = BODY.encode() if method == "POST" else None

    async def one_client(http: httpx.AsyncClient, offset: float, deadline: float) -> None:
        nonlocal bad
        await asyncio.sleep(offset)
        next_at = time.perf_counter()
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await http.request(method, path, content=body)
            times.append(time.perf_counter() - started)
            bad += response.status_code >= 300
            if interval:
                next_at += interval
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

    async def run() -> None:
        https = [
            httpx.AsyncClient(base_url=f"{url}madlab/api/v1/", headers=headers)
            for _ in range(clients)
        ]
        for http in https:  # connect outside the timing
            await http.request(method, path, content=body)
        deadline = time.perf_counter() + seconds
        spread = interval / clients if interval else 0.0
        await asyncio.gather(*(one_client(h, i * spread, deadline) for i, h in enumerate(https)))
        for http in https:
            await http.aclose()

    asyncio.run(run())
    out.put({"times": times, "bad": bad, "seconds": seconds})


def httpx_load(
    url: str, token: str, method: str, path: str, clients: int, seconds: float, interval: float
) -> dict:
    """Load from an asyncio httpx client in a child process (paced when ``interval`` > 0)."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(
        target=_httpx_client_main,
        args=(url, token, method, path, clients, seconds, interval, out),
    )
    proc.start()
    got = out.get(timeout=seconds + 120)
    proc.join()
    result: dict = stats_ms(got["times"])
    result.update(bad=got["bad"], rps=len(got["times"]) / got["seconds"])
    return result


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) the process ``pid`` used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def batches(url: str, token: str) -> tuple[float, float] | None:
    """(transactions, submissions) recorded so far, from the server's metrics (None: none)."""
    answer = httpx.get(f"{url}madlab/api/v1/metrics", headers={"Authorization": f"token {token}"})
    found = {}
    for line in answer.text.splitlines() if answer.status_code == 200 else []:
        for key in ("count", "sum"):
            if line.startswith(f"madlab_submission_batch_size_{key} "):
                found[key] = float(line.split()[1])
    return (found["count"], found["sum"]) if len(found) == 2 else None


def _mean_batch(before: tuple[float, float] | None, after: tuple[float, float] | None) -> float:
    if before is None or after is None or after[0] == before[0]:
        return float("nan")
    return (after[1] - before[1]) / (after[0] - before[0])


def measure(url: str, token: str, pid: int, args: argparse.Namespace) -> dict[str, dict]:
    """Listing and execute under both loads: server CPU time per request, mean batch size."""
    out: dict[str, dict] = {}
    targets = {"listing": ("GET", "tasks"), "execute": ("POST", "tasks/dock/execute")}
    for name, (method, path) in targets.items():
        cpu, recorded = cpu_seconds(pid), batches(url, token)
        if shutil.which("wrk") and not args.no_wrk:
            closed = wrk_load(url, token, method, path, args.clients, args.seconds)
        else:
            closed = httpx_load(url, token, method, path, args.clients, args.seconds, 0.0)
        closed["cpu_ms"] = (cpu_seconds(pid) - cpu) * 1000 / closed["n"]
        closed["batch"] = _mean_batch(recorded, batches(url, token))
        out[f"{name}, closed loop"] = closed
        cpu, recorded = cpu_seconds(pid), batches(url, token)
        paced = httpx_load(url, token, method, path, args.clients, args.seconds, args.interval)
        paced["cpu_ms"] = (cpu_seconds(pid) - cpu) * 1000 / paced["n"]
        paced["batch"] = _mean_batch(recorded, batches(url, token))
        out[f"{name}, paced"] = paced
        for key in (f"{name}, closed loop", f"{name}, paced"):
            assert out[key]["bad"] == 0, f"{key}: {out[key]['bad']} failed requests"
            assert not out[key].get("socket_errors"), f"{key}: {out[key]} socket errors"
    return out


# -- WebSocket delivery ---------------------------------------------------------


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


# -- report ---------------------------------------------------------------------


def table(results: dict[str, dict[str, dict]], variants: list[str]) -> list[str]:
    """One row per (store, request and load, code variant); p95 ratio against the first."""
    lines = [
        "| store | request, load | code | p50 | p95 | p99 | req/s | server CPU/request "
        "| jobs per transaction | p95 before/after |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    stores = sorted({k.split(" / ")[1] for k in results}, reverse=True)
    for store in stores:
        for row in results[f"{variants[0]} / {store}"]:
            base = results[f"{variants[0]} / {store}"][row]["p95"]
            for i, v in enumerate(variants):
                r = results[f"{v} / {store}"][row]
                ratio = f"{base / r['p95']:.1f}x" if i else ""
                batch = "" if math.isnan(r["batch"]) else f"{r['batch']:.1f}"
                lines.append(
                    f"| {store} | {row} | {v} | {r['p50']:.1f} ms | {r['p95']:.1f} ms "
                    f"| {r['p99']:.1f} ms | {r['rps']:.0f} | {r['cpu_ms']:.2f} ms | {batch} "
                    f"| {ratio} |"
                )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between a paced client's requests"
    )
    parser.add_argument("--ws-jobs", type=int, default=200)
    parser.add_argument("--baseline", help="also measure the server code of this commit")
    parser.add_argument("--no-wrk", action="store_true", help="closed loop with httpx, not wrk")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    closed_client = "wrk 4 (1 thread)" if shutil.which("wrk") and not args.no_wrk else "httpx"
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    results: dict[str, dict[str, dict]] = {}
    variants: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        sources: dict[str, Path | None] = {}
        if args.baseline:
            sources[f"before ({args.baseline})"] = checkout(args.baseline, Path(tmp) / "baseline")
        sources[f"after ({head})"] = None
        variants = list(sources)
        stores = ["SQLite"] + ([] if args.no_postgres else ["PostgreSQL"])
        for store in stores:
            for variant, source in sources.items():  # one after the other, same store
                root = Path(tmp) / f"{len(results)}"
                if store == "PostgreSQL":
                    with postgres_database() as db_url:
                        env = {"MADLAB_DATABASE_URL": db_url}
                        with server(root, env, source) as (url, token, pid):
                            results[f"{variant} / {store}"] = measure(url, token, pid, args)
                else:
                    with server(root, {}, source) as (url, token, pid):
                        results[f"{variant} / {store}"] = measure(url, token, pid, args)
                print(variant, store, json.dumps(results[f"{variant} / {store}"]), flush=True)
        with server(Path(tmp) / "ws-local", {}) as (url, token, _):
            local = asyncio.run(ws_delivery(url, token, args.ws_jobs))
        with server(Path(tmp) / "ws-redis", {"MADLAB_EVENTS_URL": REDIS}) as (url, token, _):
            remote = asyncio.run(ws_delivery(url, token, args.ws_jobs))
    lines = [
        "# API benchmarks",
        "",
        f"Run {dt.date.today()} on {platform.machine()}, {os.cpu_count()} CPUs (shared with "
        f"other work), Python {platform.python_version()}; {args.clients} concurrent clients, "
        f"{args.seconds} s per measurement; no worker running.",
        "",
        f"- **closed loop**: {closed_client}, {args.clients} connections, each sending its next "
        "request as soon as the last is answered. The server is saturated: latency is about "
        f"{args.clients} x the CPU cost of one request (Little's law), on the same 2 CPUs as "
        "the client.",
        f"- **paced**: asyncio httpx client in its own process, {args.clients} clients each "
        f"sending one request every {args.interval:g} s (an open load below saturation).",
        "- Execute: `POST /tasks/dock/execute` (schema check, job recorded, queued, events "
        "published). Listing: `GET /tasks` (no `If-None-Match`, full 16 kB body every time).",
    ]
    if args.baseline:
        lines.append(
            f"- *before* is the server code of commit {args.baseline}, *after* of {head} (and "
            "the working tree), measured one after the other in this run."
        )
    lines += ["", *table(results, variants), ""]
    lines.append(f"- WebSocket delivery, in-process bus: {summary(local)}")
    lines.append(f"- WebSocket delivery, Redis pub/sub: {summary(remote)}")
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    earlier = RESULTS.read_text().split("\n", 1)[1] if RESULTS.exists() else ""
    if earlier.strip():  # the newest run first, the earlier ones kept below, newest first
        marker = "\n## Earlier runs\n"
        text += marker + earlier.replace(marker, "\n")
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
