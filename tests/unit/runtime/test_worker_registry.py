"""Workers advertise what they can run, heartbeat, and are marked unhealthy when silent."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from madlab.bootstrap import Services
from madlab.domain.workers import Worker, WorkerStatus
from madlab.engines.registry import default_registry
from madlab.runtime.events import EventType
from madlab.runtime.queue import capability_tags
from madlab.runtime.worker import (
    SYSTEM_ORGANIZATION,
    WorkerRegistration,
    build_worker_executor,
    detect_capabilities,
    detect_gpus,
    mark_silent_workers,
    worker_health,
)


def test_capabilities_list_engines_versions_cores_and_gpus() -> None:
    caps = detect_capabilities(default_registry(), extra=["bigmem"])
    assert caps["engines"]["vina"]["backends"]["vina-python"] == "1.2.7"
    assert caps["cores"] >= 1
    assert caps["gpu"] is bool(caps["gpus"])
    tags = capability_tags(caps)
    assert {"engine:vina", "engine:vina:vina-python", "bigmem"} <= tags


def test_health_follows_the_heartbeat() -> None:
    now = datetime.now(timezone.utc)
    fresh = Worker("a", WorkerStatus.ONLINE, now, now)
    assert worker_health(fresh, timeout_s=10, now=now) == "healthy"
    assert worker_health(fresh, timeout_s=10, now=now + timedelta(seconds=11)) == "unhealthy"
    gone = Worker("b", WorkerStatus.OFFLINE, now, now)
    assert worker_health(gone, timeout_s=10, now=now) == "offline"


def test_a_registered_worker_heartbeats_and_a_silent_one_is_marked_unhealthy(
    runtime_services: Services,
) -> None:
    settings = runtime_services.settings
    caps = detect_capabilities(default_registry())
    with runtime_services.store.unit_of_work() as uow:
        uow.workers.heartbeat("quiet", capabilities={})
    registration = WorkerRegistration(
        settings, "w1", caps, store=runtime_services.store, events=runtime_services.events
    )
    with runtime_services.events.subscribe(SYSTEM_ORGANIZATION) as sub:
        registration.start()
        time.sleep(settings.worker_timeout_s + 2 * settings.heartbeat_s)
        with runtime_services.store.unit_of_work() as uow:
            first = uow.workers.get("w1").last_heartbeat
        time.sleep(2 * settings.heartbeat_s)
        event = sub.get(timeout=1)
    with runtime_services.store.unit_of_work() as uow:
        me, quiet = uow.workers.get("w1"), uow.workers.get("quiet")
    assert me.status is WorkerStatus.ONLINE and me.last_heartbeat > first
    assert me.capabilities["engines"]["vina"]["backends"]
    assert quiet.status is WorkerStatus.OFFLINE
    assert event is not None and event.type == EventType.WORKER_HEALTH
    assert event.payload == {"worker": "quiet", "status": "unhealthy"}
    registration.stop()
    with runtime_services.store.unit_of_work() as uow:
        assert uow.workers.get("w1").status is WorkerStatus.OFFLINE
    assert mark_silent_workers(runtime_services.store, None, timeout_s=3600) == []


def test_a_pool_process_builds_its_executor_from_the_settings(
    runtime_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MADLAB_WORKER_NAME", "node@host")
    monkeypatch.setenv("MADLAB_WORKER_TAGS", "gpu,engine:vina")
    executor = build_worker_executor(runtime_services.settings)
    assert executor.worker == "node@host"
    assert executor.capabilities == frozenset({"gpu", "engine:vina"})
    assert executor.org_concurrency == 100 and executor.max_attempts == 3


def test_gpus_are_read_from_nvidia_smi_unless_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = tmp_path / "nvidia-smi"  # prints what the real tool prints on an H200 machine
    tool.write_text(
        "#!/bin/sh\necho 'GPU 0: NVIDIA H200 (UUID: GPU-8539ecf8-552b-535a-87a8-fb5e4fd96b7b)'\n"
    )
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert detect_gpus() == ["NVIDIA H200"]
    caps = detect_capabilities(default_registry())
    assert caps["gpu"] is True and "gpu" in capability_tags(caps)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert detect_gpus() == []


def test_the_celery_life_cycle_registers_and_retires_the_worker(
    runtime_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from madlab.runtime import worker as worker_module

    monkeypatch.setenv("MADLAB_HOME", str(runtime_services.settings.home))
    monkeypatch.setenv("MADLAB_WORKER_NAME", "node-a@host")
    monkeypatch.setenv("MADLAB_WORKER_EXTRA", "bigmem")
    monkeypatch.delenv("MADLAB_BROKER_URL", raising=False)
    worker_module.install_signal_handlers()
    worker_module._on_worker_ready(sender=None)
    try:
        with runtime_services.store.unit_of_work() as uow:
            me = uow.workers.get("node-a@host")
        assert me.status is WorkerStatus.ONLINE
        assert me.capabilities["extra"] == ["bigmem"]
    finally:
        worker_module._on_worker_shutdown()
    with runtime_services.store.unit_of_work() as uow:
        assert uow.workers.get("node-a@host").status is WorkerStatus.OFFLINE
