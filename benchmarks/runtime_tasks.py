"""Shared pieces of the runtime benchmarks: a tiny task, settings, workers, statistics."""

from __future__ import annotations

import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psycopg

from madlab.bootstrap import Services, build_services
from madlab.domain.tasks import TaskDefinition
from madlab.domain.workers import WorkerStatus
from madlab.errors import ConflictError
from madlab.settings import Settings
from madlab.tasks.context import TaskContext

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "runtime.md"
ORG = "bench"
POSTGRES = os.environ.get("MADLAB_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("MADLAB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")


def noop(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """The smallest task: one unit of progress, returns its input."""
    ctx.progress(1, 1)
    return {"n": params.get("n")}


NOOP = TaskDefinition(
    task_id="noop",
    version="1",
    name="no-op",
    category="benchmark",
    interface_spec={"inputs": {"type": "object", "properties": {"n": {"type": "integer"}}}},
    service_config={
        "queue": "docking.standard",
        "implementation": "runtime_tasks:noop",
        "resources": {"cpus": 1, "memory_mb": 512},
    },
)


def prepare(settings: Settings) -> Services:
    """Services of ``settings`` with the benchmark organization and task."""
    services = build_services(settings)
    with services.store.unit_of_work() as uow:
        uow.organizations.ensure(ORG)
    with suppress(ConflictError):  # already registered in this store
        services.tasks.register(NOOP, organization_id=ORG)
    return services


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema for one run (dropped afterwards)."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def celery_workers(
    services: Services, env: dict[str, str], count: int, concurrency: int = 1
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` ``madlab worker`` processes, registered before the block starts."""
    procs = []
    names = [f"bench{i}-{uuid.uuid4().hex[:6]}@bench" for i in range(count)]
    child_env = {**env, "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent)])}
    try:
        for name in names:
            cmd = [sys.executable, "-c", "from madlab.cli import main; main()", "worker"]
            cmd += ["--name", name, "--concurrency", str(concurrency), "--loglevel", "ERROR"]
            procs.append(
                subprocess.Popen(
                    cmd,
                    env=child_env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with services.store.unit_of_work() as uow:
                online = {w.name for w in uow.workers.list() if w.status is WorkerStatus.ONLINE}
            if set(names) <= online:
                break
            time.sleep(0.5)
        else:
            raise RuntimeError("the benchmark's workers did not register within 90 s")
        yield procs
    finally:
        for proc in procs:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(60)


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, by linear interpolation."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def machine() -> str:
    """One line about the machine the benchmark ran on."""
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def write_section(title: str, body: str) -> None:
    """Replace (or add) the section ``## title`` of the results file."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    text = RESULTS.read_text() if RESULTS.exists() else "# Runtime benchmarks\n"
    marker = f"\n## {title}\n"
    if marker in text:
        before, rest = text.split(marker, 1)
        after = rest.split("\n## ", 1)
        text = before + (("\n## " + after[1]) if len(after) > 1 else "")
    text = text.rstrip() + "\n" + marker + "\n" + body.strip() + "\n"
    RESULTS.write_text(text)


def summary(values: list[float]) -> str:
    """p50, p95, mean and max of ``values`` (seconds), in milliseconds."""
    ms = [v * 1000 for v in values]
    return (
        f"p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms, "
        f"mean {statistics.fmean(ms):.1f} ms, max {max(ms):.1f} ms"
    )
