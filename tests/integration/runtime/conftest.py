"""Fixtures of the runtime's integration tests: an embedded pool, and real Celery workers.

The Celery fixtures use the Redis at 127.0.0.1:6379 (database 5, emptied first)
and a fresh schema in the PostgreSQL test database; every worker process they
start is stopped (its whole process group) when the tests end.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from madlab.bootstrap import Services, build_services
from madlab.domain.workers import WorkerStatus
from madlab.runtime.bus_memory import InMemoryEventBus
from madlab.runtime.local import LocalQueue
from madlab.settings import Settings
from tests.postgres import UNREACHABLE, fresh_schema, reachable_postgres
from tests.unit.runtime.sample_tasks import SAMPLES

REPO_ROOT = Path(__file__).resolve().parents[3]
ORG = "acme"
REDIS_URL = "redis://127.0.0.1:6379/5"
#: The exact command that starts this machine's Redis (it keeps nothing on disk).
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


def register_samples(services: Services) -> None:
    with services.store.unit_of_work() as uow:
        uow.organizations.ensure(ORG)
    for definition in SAMPLES:
        services.tasks.register(definition, organization_id=ORG)


@pytest.fixture()
def embedded(tmp_path: Path) -> Iterator[tuple[Services, LocalQueue]]:
    """Services over a SQLite file and a started pool of two local workers."""
    settings = Settings.from_env(
        {
            "MADLAB_HOME": str(tmp_path / "home"),
            "MADLAB_WORKER_TIMEOUT_S": "5",
            "MADLAB_LOCAL_WORKERS": "2",
        }
    )
    services = build_services(settings)
    services.events = InMemoryEventBus()
    register_samples(services)
    queue = services.queue
    assert isinstance(queue, LocalQueue)
    queue.tick_s = 0.3
    yield services, queue
    queue.close()
    services.store.dispose()


def wait_for(condition: object, timeout: float, what: str, step: float = 0.1) -> None:
    """Poll ``condition()`` until true, failing the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(step)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


# -- distributed mode ------------------------------------------------------------


def redis_running() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def restart_redis() -> None:
    """Stop Redis (it forgets everything) and start it again with the machine's command."""
    subprocess.run(["redis-cli", "shutdown", "nosave"], capture_output=True, timeout=10)
    ensure_redis()


def ensure_redis() -> None:
    """Start Redis with the machine's command unless it answers."""
    if redis_running():
        return
    subprocess.run(REDIS_START, capture_output=True, timeout=10)
    wait_for(redis_running, 20, "Redis to answer")


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A fresh schema in the PostgreSQL test database (dropped afterwards)."""
    base = reachable_postgres() or pytest.skip(UNREACHABLE)
    with fresh_schema(base, "runtime") as url:
        yield url


class Cluster:
    """Celery workers started as separate processes, and the services that feed them."""

    def __init__(self, env: dict[str, str], services: Services, logs: Path) -> None:
        self.env = env
        self.services = services
        self.logs = logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start_worker(self, name: str, *extra: str) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        cmd = [
            sys.executable,
            "-c",
            "from madlab.cli import main; main()",
            "worker",
            "--name",
            name,
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            *extra,
        ]
        self.procs[name] = subprocess.Popen(
            cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

        def online() -> bool:
            with self.services.store.unit_of_work() as uow:
                return any(
                    w.name == name and w.status is WorkerStatus.ONLINE for w in uow.workers.list()
                )

        wait_for(online, 60, f"worker {name} to register", step=0.3)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        proc.wait(30)

    def alive(self, name: str) -> bool:
        return name in self.procs and self.procs[name].poll() is None

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)


@pytest.fixture(scope="module")
def cluster(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two Celery workers (one job at a time each) on Redis and PostgreSQL."""
    import redis

    ensure_redis()
    redis.Redis.from_url(REDIS_URL).flushdb()
    home = tmp_path_factory.mktemp("celery-home")
    env = {
        **os.environ,
        "MADLAB_HOME": str(home),
        "MADLAB_DATABASE_URL": postgres_url,
        "MADLAB_BROKER_URL": REDIS_URL,
        "MADLAB_WORKER_HEARTBEAT_S": "1",
        "MADLAB_WORKER_TIMEOUT_S": "6",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    env.pop("MADLAB_EVENTS_URL", None)
    settings = Settings.from_env(env)
    services = build_services(settings)
    register_samples(services)
    cluster = Cluster(env, services, home)
    try:
        cluster.start_worker("alpha@test")
        cluster.start_worker("beta@test")
        yield cluster
    finally:
        cluster.stop_all()
        ensure_redis()
        services.store.dispose()
