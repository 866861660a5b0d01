"""The Redis event bus against real Redis servers.

The shared server at 127.0.0.1:6379 carries the isolation and filter tests
(each test on its own channel prefix); the restart test runs a private
``redis-server`` so that stopping it disturbs nobody.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from madlab.errors import ServiceUnavailableError, ValidationError
from madlab.runtime.bus_redis import RedisEventBus, channel_for
from madlab.runtime.events import Event, EventType, Subscription

REDIS_URL = "redis://127.0.0.1:6379/0"


def state(org: str, job: str, status: str, pipeline: str | None = None) -> Event:
    return Event(
        EventType.JOB_STATE, org, job_id=job, payload={"status": status}, pipeline_id=pipeline
    )


def drain(sub: Subscription, timeout: float = 0.3) -> list[Event]:
    out = []
    while (event := sub.get(timeout=timeout)) is not None:
        out.append(event)
    return out


@pytest.fixture()
def prefix() -> str:
    return f"madlab-test:{uuid.uuid4().hex[:12]}"


@pytest.fixture()
def shared_redis() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError as err:
        pytest.fail(f"Redis at {REDIS_URL} is not reachable: {err}")
    return REDIS_URL


@pytest.fixture()
def buses(shared_redis: str, prefix: str) -> Iterator[tuple[RedisEventBus, RedisEventBus]]:
    """A publishing and a subscribing bus, as two processes would hold."""
    publisher = RedisEventBus(shared_redis, prefix=prefix)
    listener = RedisEventBus(shared_redis, prefix=prefix)
    yield publisher, listener
    publisher.close()
    listener.close()


def test_two_organizations_see_only_their_own_events(
    buses: tuple[RedisEventBus, RedisEventBus],
) -> None:
    publisher, listener = buses
    acme = listener.subscribe("acme")
    globex = listener.subscribe("globex")
    publisher.publish(state("acme", "j1", "running"))
    publisher.publish(state("globex", "j9", "queued"))
    publisher.publish(state("acme", "j2", "succeeded"))
    got_acme = drain(acme)
    got_globex = drain(globex)
    assert [(e.organization_id, e.job_id) for e in got_acme] == [("acme", "j1"), ("acme", "j2")]
    assert [(e.organization_id, e.job_id) for e in got_globex] == [("globex", "j9")]
    assert got_acme[0].payload == {"status": "running"}
    assert got_acme[0].timestamp.tzinfo is not None


def test_the_job_and_pipeline_filters_work(buses: tuple[RedisEventBus, RedisEventBus]) -> None:
    publisher, listener = buses
    with (
        listener.subscribe("acme", job_id="j1") as job,
        listener.subscribe("acme", pipeline_id="p1") as run,
    ):
        publisher.publish(state("acme", "j1", "running"))
        publisher.publish(state("acme", "j2", "running", pipeline="p1"))
        publisher.publish(Event(EventType.JOB_PROGRESS, "acme", "j1", {"done": 1, "total": 2}))
        assert [(e.type, e.job_id) for e in drain(job)] == [
            (EventType.JOB_STATE, "j1"),
            (EventType.JOB_PROGRESS, "j1"),
        ]
        assert [e.job_id for e in drain(run)] == ["j2"]
    assert listener.subscribers == 0


def test_events_go_to_one_channel_per_organization(
    shared_redis: str, prefix: str, buses: tuple[RedisEventBus, RedisEventBus]
) -> None:
    publisher, _ = buses
    raw = redis.Redis.from_url(shared_redis).pubsub()
    raw.subscribe(channel_for("acme", prefix))
    assert raw.get_message(timeout=2)["type"] == "subscribe"
    publisher.publish(state("acme", "j1", "running"))
    message = raw.get_message(timeout=2)
    raw.close()
    assert message is not None and message["channel"] == f"{prefix}:acme".encode()
    assert Event.from_dict(json.loads(message["data"])).job_id == "j1"


def test_closing_one_subscription_keeps_the_others(
    buses: tuple[RedisEventBus, RedisEventBus],
) -> None:
    publisher, listener = buses
    first = listener.subscribe("acme")
    second = listener.subscribe("acme")
    first.close()
    publisher.publish(state("acme", "j1", "running"))
    assert [e.job_id for e in drain(second)] == ["j1"]
    assert first.get(timeout=0.1) is None
    second.close()
    time.sleep(0.5)  # the listener unsubscribes from the channel
    again = listener.subscribe("acme")
    publisher.publish(state("acme", "j2", "running"))
    assert [e.job_id for e in drain(again)] == ["j2"]


def test_a_payload_that_is_not_json_is_refused(
    buses: tuple[RedisEventBus, RedisEventBus],
) -> None:
    publisher, _ = buses
    with pytest.raises(ValidationError, match="JSON"):
        publisher.publish(Event(EventType.JOB_PARTIAL, "acme", "j1", {"value": object()}))
    with pytest.raises(ValidationError, match="JSON"):
        publisher.publish(Event(EventType.JOB_PARTIAL, "acme", "j1", {"value": float("nan")}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    """A redis-server of this test alone, which it may stop and start again."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (it is needed for the restart test)")
        self.binary = binary
        self.folder = folder
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--save", "", "--appendonly", "no"],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail(f"private redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture()
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_subscribers_reconnect_after_a_redis_restart(private_redis: PrivateRedis) -> None:
    publisher = RedisEventBus(private_redis.url, publish_timeout=0.5)
    listener = RedisEventBus(private_redis.url)
    try:
        sub = listener.subscribe("acme", job_id="j1")
        publisher.publish(state("acme", "j1", "queued"))
        assert [e.payload["status"] for e in drain(sub)] == ["queued"]

        private_redis.stop()
        publisher.publish(state("acme", "j1", "lost"))  # no Redis: logged, not raised
        private_redis.start()

        deadline = time.monotonic() + 15
        received: list[str] = []
        while time.monotonic() < deadline and "running" not in received:
            publisher.publish(state("acme", "j1", "running"))
            received += [e.payload["status"] for e in drain(sub, timeout=0.2)]
        assert "running" in received and "lost" not in received
        assert listener.reconnects >= 1
    finally:
        publisher.close()
        listener.close()


def test_publishing_without_redis_logs_and_returns(
    private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    bus = RedisEventBus(private_redis.url, publish_timeout=0.3)
    private_redis.stop()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="madlab.runtime.bus_redis"):
        bus.publish(state("acme", "j1", "running"))
    assert time.monotonic() - started < 5
    assert "not published" in caplog.text and "j1" in caplog.text
    bus.close()


def test_subscribing_without_redis_is_a_clear_error() -> None:
    bus = RedisEventBus(f"redis://127.0.0.1:{_free_port()}/0", subscribe_timeout=1.0)
    with pytest.raises(ServiceUnavailableError) as info:
        bus.subscribe("acme")
    assert "did not confirm" in str(info.value) and "MADLAB_EVENTS_URL" in str(info.value)
    assert bus.subscribers == 0
    bus.close()
