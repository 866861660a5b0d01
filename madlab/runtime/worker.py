"""``madlab worker``: a Celery worker that advertises itself in the service registry.

A worker detects what it can run — each engine backend available here with
its version, its CPU cores and GPUs — and registers under its node name with
those capabilities, then heartbeats. It listens to the base queues and to the
queues of every capability set it offers (see :mod:`madlab.runtime.queue`),
so a job that needs a GPU or the gnina program only reaches a worker that has
it. Each heartbeat also marks silent workers unhealthy (``offline``) and,
in one worker at a time, reconciles the broker with the store
(:meth:`~madlab.runtime.celery_queue.CeleryQueue.reconcile`): jobs of lost
workers are re-queued and jobs the broker forgot are sent again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from madlab import __version__
from madlab.domain.workers import Worker, WorkerStatus
from madlab.engines.registry import EngineRegistry
from madlab.errors import MadlabError
from madlab.runtime.events import Event, EventBus, EventType
from madlab.runtime.executor import JobExecutor
from madlab.runtime.queue import COORDINATOR, capability_tags, worker_queues
from madlab.settings import Settings
from madlab.store.database import Store

log = logging.getLogger(__name__)

#: Environment variables a worker's main process passes to its pool processes.
NAME_VAR = "MADLAB_WORKER_NAME"
TAGS_VAR = "MADLAB_WORKER_TAGS"

#: Organization id of events about workers (they concern every organization).
SYSTEM_ORGANIZATION = "*"


def detect_gpus() -> list[str]:
    """Names of the NVIDIA GPUs this machine offers (empty when none)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return []
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        out = subprocess.run(
            [exe, "-L"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.split(":", 1)[1].split("(")[0].strip() for line in out.splitlines() if ":" in line]


def detect_capabilities(
    engines: EngineRegistry, *, extra: list[str] | None = None
) -> dict[str, Any]:
    """What this machine can run, as recorded in the service registry.

    Returns
    -------
    dict
        ``engines`` (``{engine: {"backends": {backend: version}}}`` for the
        available backends, and ``unavailable`` with the reasons), ``cores``,
        ``gpu`` and ``gpus``, the madlab ``version`` and ``extra`` names.
    """
    found: dict[str, Any] = {}
    unavailable: dict[str, str] = {}
    for a in engines.availability():
        entry = found.setdefault(a.engine, {"backends": {}})
        if a.available:
            entry["backends"][a.backend] = a.version
        else:
            unavailable[f"{a.engine}:{a.backend}"] = a.reason
    gpus = detect_gpus()
    return {
        "engines": found,
        "unavailable": unavailable,
        "cores": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "gpu": bool(gpus),
        "gpus": gpus,
        "version": __version__,
        "extra": sorted(extra or []),
    }


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_health(worker: Worker, *, timeout_s: float, now: datetime | None = None) -> str:
    """``healthy``, ``unhealthy`` (silent for longer than ``timeout_s``) or ``offline``."""
    if worker.status is WorkerStatus.OFFLINE:
        return "offline"
    now = now or datetime.now(timezone.utc)
    if now - worker.last_heartbeat > timedelta(seconds=timeout_s):
        return "unhealthy"
    return "healthy"


def mark_silent_workers(store: Store, events: EventBus | None, *, timeout_s: float) -> list[str]:
    """Mark workers silent for longer than ``timeout_s`` offline; returns their names."""
    now = datetime.now(timezone.utc)
    marked: list[str] = []
    with store.unit_of_work() as uow:
        for worker in uow.workers.list():
            if worker_health(worker, timeout_s=timeout_s, now=now) == "unhealthy":
                uow.workers.set_status(worker.name, WorkerStatus.OFFLINE)
                marked.append(worker.name)
    for name in marked:
        log.warning("worker %s is silent: marked unhealthy", name)
        if events is not None:
            with contextlib.suppress(Exception):
                events.publish(
                    Event(
                        EventType.WORKER_HEALTH,
                        SYSTEM_ORGANIZATION,
                        payload={"worker": name, "status": "unhealthy"},
                    )
                )
    return marked


def build_worker_executor(settings: Settings) -> JobExecutor:
    """The executor of a Celery pool process, from ``settings`` and the worker's variables."""
    from madlab.bootstrap import build_services

    services = build_services(settings, migrate=False)
    tags_text = os.environ.get(TAGS_VAR)
    tags = (
        {t for t in tags_text.split(",") if t}
        if tags_text is not None
        else capability_tags(detect_capabilities(services.engines))
    )
    return JobExecutor(
        store=services.store,
        artifacts=services.artifacts,
        engine_factory=services.engine,
        tasks=services.tasks,
        events=services.events,
        work_root=services.work_root,
        worker=os.environ.get(NAME_VAR) or f"celery@{socket.gethostname()}",
        capabilities=tags,
        org_concurrency=settings.org_concurrency,
        max_attempts=settings.max_attempts,
    )


class WorkerRegistration:
    """Keeps one worker registered and healthy in the service registry.

    A thread heartbeats every ``settings.heartbeat_s`` seconds; each beat
    also marks silent workers unhealthy and, holding a short lock in Redis so
    that one worker does it at a time, reconciles the broker with the store.
    """

    def __init__(
        self,
        settings: Settings,
        name: str,
        capabilities: dict[str, Any],
        *,
        store: Store | None = None,
        events: EventBus | None = None,
        reconcile: bool = True,
    ) -> None:
        self.settings = settings
        self.name = name
        self.capabilities = capabilities
        self.store = store or Store(settings.database_url)
        self.events = events
        self.reconcile = reconcile
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._queue: Any = None

    def beat(self) -> None:
        """One heartbeat, health check and (maybe) reconciliation."""
        with self.store.unit_of_work() as uow:
            uow.workers.heartbeat(
                self.name,
                capabilities=self.capabilities,
                status=WorkerStatus.ONLINE,
                hostname=socket.gethostname(),
            )
        mark_silent_workers(self.store, self.events, timeout_s=self.settings.worker_timeout_s)
        if self.reconcile and self.settings.broker_url and self._lock():
            from madlab.runtime.celery_app import make_app
            from madlab.runtime.celery_queue import CeleryQueue

            if self._queue is None:
                self._queue = CeleryQueue(make_app(self.settings))
            events = self.events or _NullBus()
            self._queue.reconcile(
                self.store,
                events,
                worker_timeout_s=self.settings.worker_timeout_s,
                max_attempts=self.settings.max_attempts,
            )

    def _lock(self) -> bool:
        import redis

        try:
            client = redis.Redis.from_url(self.settings.broker_url, socket_timeout=3)
            ttl = max(1, int(self.settings.heartbeat_s) - 1)
            return bool(client.set("madlab:reconcile", self.name, nx=True, ex=ttl))
        except redis.RedisError as err:
            log.warning("broker unreachable, not reconciling: %s", err)
            return False

    def start(self) -> None:
        """Register now and keep heartbeating in a thread."""
        self._safe_beat()
        self._thread = threading.Thread(target=self._loop, name="madlab-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop heartbeating and mark the worker offline."""
        self._halt.set()
        if self._thread is not None:
            self._thread.join(10)
        with contextlib.suppress(MadlabError), self.store.unit_of_work() as uow:
            uow.workers.heartbeat(self.name, status=WorkerStatus.OFFLINE)

    def _safe_beat(self) -> None:
        try:
            self.beat()
        except Exception as err:  # a failed beat must not stop the worker
            log.warning("heartbeat of %s failed: %s", self.name, err)

    def _loop(self) -> None:
        while not self._halt.wait(self.settings.heartbeat_s):
            self._safe_beat()


class _NullBus(EventBus):
    def publish(self, event: Event) -> None:
        return None

    def subscribe(self, organization_id: str, **_: Any) -> Any:  # pragma: no cover
        raise NotImplementedError


_registration: WorkerRegistration | None = None


def _on_worker_ready(sender: Any = None, **_: Any) -> None:
    """Celery signal: the worker is up; register it and start heartbeating."""
    global _registration
    settings = Settings.from_env()
    from madlab.engines.registry import default_registry

    name = os.environ.get(NAME_VAR) or getattr(sender, "hostname", None) or "celery"
    caps = detect_capabilities(default_registry(), extra=_env_extra())
    events = None
    with contextlib.suppress(Exception):
        from madlab.bootstrap import build_services

        events = build_services(settings, migrate=False).events
    _registration = WorkerRegistration(settings, name, caps, events=events)
    _registration.start()


def _on_worker_shutdown(**_: Any) -> None:
    """Celery signal: the worker stops; mark it offline."""
    if _registration is not None:
        _registration.stop()


def _env_extra() -> list[str]:
    return [t for t in os.environ.get("MADLAB_WORKER_EXTRA", "").split(",") if t]


def install_signal_handlers() -> None:
    """Connect registration and heartbeats to the Celery worker's life cycle."""
    from celery import signals

    signals.worker_ready.connect(_on_worker_ready, weak=False)
    signals.worker_shutdown.connect(_on_worker_shutdown, weak=False)


def run_worker(
    settings: Settings,
    *,
    queues: list[str] | None = None,
    concurrency: int | None = None,
    name: str | None = None,
    extra: list[str] | None = None,
    loglevel: str = "INFO",
) -> None:
    """Run a Celery worker in this process until it is stopped.

    Parameters
    ----------
    settings
        Must name a broker (``MADLAB_BROKER_URL``).
    queues
        Queues to listen to; by default the base queues and those of every
        capability set this machine offers.
    concurrency
        Jobs run at once (pool processes); the number of cores by default.
    name
        Node name (``madlab-PID@host`` by default), also the registry name.
    extra
        Capability names to offer beyond those detected.
    loglevel
        Celery's log level.
    """
    from madlab.engines.registry import default_registry
    from madlab.runtime.celery_app import make_app

    name = name or f"madlab-{os.getpid()}@{socket.gethostname()}"
    extra = list(extra or [])
    if COORDINATOR not in extra:  # Celery workers run pipeline runs beside their steps
        extra.append(COORDINATOR)
    caps = detect_capabilities(default_registry(), extra=extra)
    tags = capability_tags(caps)
    queues = queues or worker_queues(tags)
    os.environ[NAME_VAR] = name
    os.environ[TAGS_VAR] = ",".join(sorted(tags))
    os.environ["MADLAB_WORKER_EXTRA"] = ",".join(extra)
    Path(settings.home).mkdir(parents=True, exist_ok=True)
    app = make_app(settings)
    argv = [
        "worker",
        "--hostname",
        name,
        "--queues",
        ",".join(queues),
        "--concurrency",
        str(concurrency or caps.get("cores") or 1),
        "--loglevel",
        loglevel,
        "--without-gossip",
        "--without-mingle",
        "--pool",
        "prefork",
    ]
    app.worker_main(argv)
