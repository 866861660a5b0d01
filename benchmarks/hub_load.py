"""Benchmark: 20 users working at once through the madlab JupyterHub's proxy.

Starts the hub of ``hub-config/`` (embedded defaults: SQLite, the embedded
worker pool) in a temporary folder with 20 extra users in two organizations, then:

1. **idle**: probes the hub alone for ``--idle`` seconds (``GET /hub/api/``
   and a logged-in ``GET /hub/home``), for a side-by-side baseline;
2. **logins**: the 20 users log in at the same moment (the hub's login form,
   then the madlab service's OAuth round trip) and upload a receptor and a
   ligand to their organization;
3. **load**: for ``--seconds`` seconds every user loops: submit a docking job
   (184l, exhaustiveness 1), list the organization's jobs, get the job, then
   think for ``--think`` seconds; meanwhile the hub is probed as in 1.

Records latency percentiles per operation, errors, the hub's responsiveness
idle and under load, and the queue as the service's Prometheus endpoint
reports it. User servers are not spawned: the simulated users call the API
as a script or a kernel would.

Run ``python benchmarks/hub_load.py [--users 20] [--seconds 60]``; results go
to ``benchmarks/results/hub_load.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "hub-config"))

from demo_auth import check_password, hash_password  # noqa: E402

from tests.integration.hub.harness import (  # noqa: E402
    API_PATH,
    CONFIG,
    SERVICE_PATH,
    Hub,
    running_hub,
)

RESULTS = HERE / "results" / "hub_load.md"
COMPLEX = ROOT.parent / "shared" / "data" / "complexes" / "184l"
METRICS_TOKEN = "hub-load-benchmark"
PASSWORD = "load-test-password"

Samples = dict[str, list[float]]


def _bench_config(folder: Path, users: int) -> Path:
    """A hub config that loads the repository's and adds ``users`` users in two organizations."""
    path = folder / "hub_load_config.py"
    path.write_text(
        f"""
load_subconfig({str(CONFIG)!r})
from demo_auth import hash_password
names = [f"load{{i:02d}}" for i in range({users})]
hashed = hash_password({PASSWORD!r})
c.DemoAuthenticator.password_hashes = {{**c.DemoAuthenticator.password_hashes,
                                        **{{n: hashed for n in names}}}}
c.Authenticator.allowed_users = set(c.DemoAuthenticator.password_hashes)
groups = dict(c.JupyterHub.load_groups)
groups["org-alpha"] = {{"users": groups["org-alpha"]["users"] + names[0::2]}}
groups["org-beta"] = {{"users": groups["org-beta"]["users"] + names[1::2]}}
c.JupyterHub.load_groups = groups
"""
    )
    return path


def _cookie(client: httpx.AsyncClient, name: str, path: str) -> str:
    for cookie in client.cookies.jar:
        if cookie.name == name and cookie.path == path:
            return cookie.value
    return ""


class User:
    """One simulated user: a browser-like session with the hub and the madlab service."""

    def __init__(self, hub: Hub, name: str, samples: Samples, errors: dict[str, int]) -> None:
        self.name = name
        self.samples = samples
        self.errors = errors
        self.client = httpx.AsyncClient(base_url=hub.url, follow_redirects=True, timeout=120)
        self.params: dict[str, Any] = {}

    async def timed(self, op: str, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        headers = dict(kwargs.pop("headers", None) or {})
        if path.startswith(API_PATH.lstrip("/")):
            headers["X-XSRFToken"] = _cookie(self.client, "_xsrf", SERVICE_PATH)
        started = time.perf_counter()
        try:
            answer = await self.client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError:
            self.errors[op] += 1
            return None
        self.samples[op].append(time.perf_counter() - started)
        if answer.status_code >= 400:
            self.errors[op] += 1
        return answer

    async def login(self) -> None:
        started = time.perf_counter()
        await self.client.get("hub/login")
        form = {
            "username": self.name,
            "password": PASSWORD,
            "_xsrf": _cookie(self.client, "_xsrf", "/hub/"),
        }
        answer = await self.client.post("hub/login", data=form, follow_redirects=False)
        if answer.status_code != 302:
            self.errors["login"] += 1
            return
        self.samples["login (form)"].append(time.perf_counter() - started)
        await self.timed("login (service OAuth)", "GET", SERVICE_PATH.lstrip("/") + "login")

    async def upload(self) -> None:
        keys = []
        for file in ("receptor.pdb", "ligand.sdf"):
            answer = await self.timed(
                "upload",
                "POST",
                API_PATH.lstrip("/") + "files",
                params={"name": file},
                content=(COMPLEX / file).read_bytes(),
            )
            keys.append(answer.json()["key"] if answer is not None and answer.is_success else "")
        self.params = {
            "receptor": keys[0],
            "ligand_files": [keys[1]],
            "autobox_ligand": keys[1],
            "exhaustiveness": 1,
            "num_poses": 1,
            "cpu": 1,
            "seed": 1,
        }

    async def work(self, until: float, think: float) -> None:
        api = API_PATH.lstrip("/")
        while time.monotonic() < until:
            answer = await self.timed(
                "submit", "POST", api + "tasks/dock/execute", json={"params": self.params}
            )
            await self.timed("job list", "GET", api + "jobs", params={"limit": 20})
            if answer is not None and answer.status_code == 202:
                await self.timed("job get", "GET", api + f"jobs/{answer.json()['id']}")
            await asyncio.sleep(think)


async def _probe(hub: Hub, home: httpx.AsyncClient, until: float, samples: Samples, tag: str):
    async with httpx.AsyncClient(base_url=hub.url, timeout=60) as anonymous:
        while time.monotonic() < until:
            for op, client, path in (
                (f"hub /hub/api/ ({tag})", anonymous, "hub/api/"),
                (f"hub /hub/home ({tag})", home, "hub/home"),
            ):
                started = time.perf_counter()
                answer = await client.get(path)
                if answer.status_code == 200:
                    samples[op].append(time.perf_counter() - started)
            await asyncio.sleep(0.5)


async def _scrape(hub: Hub) -> dict[str, float]:
    async with httpx.AsyncClient(timeout=60) as client:
        answer = await client.get(
            hub.api + "metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
    answer.raise_for_status()
    out: dict[str, float] = defaultdict(float)
    for line in answer.text.splitlines():
        if line.startswith("madlab_jobs{"):
            state = line.split('state="')[1].split('"')[0]
            out[f"jobs {state}"] += float(line.rsplit(" ", 1)[1])
        elif line.startswith(("madlab_queue_depth ", "madlab_workers_live ")):
            name, value = line.split()
            out[name] = float(value)
    return dict(out)


async def _run(hub: Hub, users: int, seconds: float, think: float, idle: float) -> dict[str, Any]:
    samples: Samples = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    hashed = hash_password(PASSWORD)
    started = time.process_time()
    check_password(PASSWORD, hashed)
    hash_ms = (time.process_time() - started) * 1000
    prober = User(hub, "load00", defaultdict(list), defaultdict(int))
    await prober.login()
    await _probe(hub, prober.client, time.monotonic() + idle, samples, "idle")

    crowd = [User(hub, f"load{i:02d}", samples, errors) for i in range(users)]
    started = time.perf_counter()
    await asyncio.gather(*(u.login() for u in crowd))
    login_wall = time.perf_counter() - started
    await asyncio.gather(*(u.upload() for u in crowd))
    until = time.monotonic() + seconds
    await asyncio.gather(
        _probe(hub, prober.client, until, samples, "under load"),
        *(u.work(until, think) for u in crowd),
    )
    queue = await _scrape(hub)
    for u in [*crowd, prober]:
        await u.client.aclose()
    return {
        "samples": samples,
        "errors": errors,
        "login_wall": login_wall,
        "queue": queue,
        "hash_ms": hash_ms,
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


def _report(result: dict[str, Any], args: argparse.Namespace, wall: float) -> str:
    samples: Samples = result["samples"]
    errors: dict[str, int] = result["errors"]
    ops = [
        "login (form)",
        "login (service OAuth)",
        "upload",
        "submit",
        "job list",
        "job get",
    ]
    probes = [k for k in samples if k.startswith("hub ")]
    lines = [
        "# Hub load: simultaneous users through the JupyterHub proxy",
        "",
        f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({os.cpu_count()} CPUs, shared with other work), Python {platform.python_version()}; "
        f"`python benchmarks/hub_load.py --users {args.users} --seconds {args.seconds:g} "
        f"--think {args.think:g} --idle {args.idle:g}` ({wall:.0f} s in all).",
        "",
        "The hub of `hub-config/` on embedded defaults (SQLite store, the embedded worker "
        "pool with `MADLAB_LOCAL_WORKERS=1` docking the submitted jobs), everything on this "
        "machine: proxy, hub, madlab service, "
        "the load generator (one asyncio process). Users log in with the hub's form "
        "(PBKDF2, 600,000 rounds, hashed off the event loop) and the service's OAuth round "
        "trip, upload 184l's receptor and ligand, then loop: submit a docking job "
        f"(exhaustiveness 1), list their organization's jobs, get the job, think {args.think:g} s.",
        "",
        f"{args.users} users logged in at the same moment: all done in "
        f"{result['login_wall']:.1f} s. One password check (the hub's demo authenticator, "
        f"measured alone in this process) takes {result['hash_ms']:.0f} ms of CPU, so "
        f"{args.users} at once on {os.cpu_count()} CPUs account for about "
        f"{result['hash_ms'] * args.users / 1000 / (os.cpu_count() or 1):.1f} s of the "
        "form logins' time.",
        "",
        "## API latency through the proxy (ms)",
        "",
        "| operation | requests | p50 | p90 | p95 | p99 | max | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for op in ops:
        values = samples.get(op, [])
        if not values:
            lines.append(f"| {op} | 0 | | | | | | {errors.get(op, 0)} |")
            continue
        lines.append(
            f"| {op} | {len(values)} | {_pct(values, 50):.0f} | {_pct(values, 90):.0f} | "
            f"{_pct(values, 95):.0f} | {_pct(values, 99):.0f} | {max(values) * 1000:.0f} | "
            f"{errors.get(op, 0)} |"
        )
    lines += [
        "",
        "## Hub responsiveness, idle and under load, same run (ms)",
        "",
        "| probe | requests | p50 | p95 | max |",
        "|---|---|---|---|---|",
    ]
    for op in sorted(probes):
        values = samples[op]
        lines.append(
            f"| {op} | {len(values)} | {_pct(values, 50):.0f} | {_pct(values, 95):.0f} | "
            f"{max(values) * 1000:.0f} |"
        )
    for path in ("/hub/api/", "/hub/home"):
        idle = samples.get(f"hub {path} (idle)")
        busy = samples.get(f"hub {path} (under load)")
        if idle and busy:
            lines.append(
                f"\n`{path}` p50 under load / idle: "
                f"{statistics.median(busy) / statistics.median(idle):.1f}x"
            )
    queue = result["queue"]
    lines += [
        "",
        "## The queue at the end (the service's `/metrics`)",
        "",
        ", ".join(f"{k}: {v:g}" for k, v in sorted(queue.items())),
        "",
        "Submitted jobs outnumber what the embedded pool docks in the window, so the "
        "queue grows; more docking capacity means Celery workers on other machines "
        "(README, distributed mode).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=2.0, help="pause between iterations")
    parser.add_argument("--idle", type=float, default=10.0, help="idle probing first")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hub-load-") as tmp:
        root = Path(tmp)
        config = _bench_config(root, args.users)
        env = {"MADLAB_METRICS_TOKEN": METRICS_TOKEN}
        with running_hub(root / "run", env=env, config=config) as hub:
            result = asyncio.run(_run(hub, args.users, args.seconds, args.think, args.idle))
    report = _report(result, args, time.perf_counter() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
