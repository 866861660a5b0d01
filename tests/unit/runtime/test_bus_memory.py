"""The in-process event bus: each subscriber gets its organization's matching events."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from madlab.runtime.bus import event_bus_from_settings, local_bus
from madlab.runtime.bus_memory import InMemoryEventBus
from madlab.runtime.events import Event, EventType, Subscription
from madlab.settings import Settings


def state(org: str, job: str | None, status: str, pipeline: str | None = None) -> Event:
    return Event(
        EventType.JOB_STATE, org, job_id=job, payload={"status": status}, pipeline_id=pipeline
    )


def drain(sub: Subscription, timeout: float = 0.05) -> list[Event]:
    out = []
    while (event := sub.get(timeout=timeout)) is not None:
        out.append(event)
    return out


def test_subscribers_see_only_their_organization_job_and_pipeline() -> None:
    bus = InMemoryEventBus()
    acme = bus.subscribe("acme")
    globex = bus.subscribe("globex")
    job = bus.subscribe("acme", job_id="j1")
    run = bus.subscribe("acme", pipeline_id="p1")
    bus.publish(state("acme", "j1", "running", pipeline="p1"))
    bus.publish(state("acme", "j2", "queued"))
    bus.publish(state("globex", "j1", "failed"))
    assert [(e.job_id, e.payload["status"]) for e in drain(acme)] == [
        ("j1", "running"),
        ("j2", "queued"),
    ]
    assert [e.payload["status"] for e in drain(globex)] == ["failed"]
    assert [e.payload["status"] for e in drain(job)] == ["running"]
    assert [e.job_id for e in drain(run)] == ["j1"]


def test_get_waits_for_the_next_event_or_times_out() -> None:
    bus = InMemoryEventBus()
    with bus.subscribe("acme") as sub:
        started = time.monotonic()
        assert sub.get(timeout=0.1) is None
        assert time.monotonic() - started >= 0.09
        timer = threading.Timer(0.05, bus.publish, args=[state("acme", "j", "running")])
        timer.start()
        event = sub.get(timeout=5)
        assert event is not None and event.payload == {"status": "running"}


def test_close_wakes_a_waiting_reader_and_stops_delivery() -> None:
    bus = InMemoryEventBus()
    sub = bus.subscribe("acme")
    got: list[object] = []
    reader = threading.Thread(target=lambda: got.append(sub.get(timeout=10)))
    reader.start()
    time.sleep(0.05)
    sub.close()
    reader.join(timeout=2)
    assert not reader.is_alive() and got == [None]
    assert bus.subscribers == 0
    bus.publish(state("acme", "j", "running"))
    assert sub.get(timeout=0) is None
    sub.close()  # closing twice is harmless


def test_publishing_with_no_listener_is_fine() -> None:
    InMemoryEventBus().publish(state("acme", "j", "running"))


def test_a_full_queue_drops_the_oldest_events() -> None:
    bus = InMemoryEventBus(maxsize=3)
    with bus.subscribe("acme") as sub:
        for i in range(5):
            bus.publish(Event(EventType.JOB_PROGRESS, "acme", "j", {"done": i, "total": 5}))
        assert [e.payload["done"] for e in drain(sub)] == [2, 3, 4]
        assert sub.dropped == 2


def test_many_threads_publish_and_every_event_arrives_in_order_per_publisher() -> None:
    bus = InMemoryEventBus()
    subs = [bus.subscribe("acme") for _ in range(3)]
    per_thread = 500

    def publish(job: str) -> None:
        for i in range(per_thread):
            bus.publish(
                Event(EventType.JOB_PROGRESS, "acme", job, {"done": i, "total": per_thread})
            )

    threads = [threading.Thread(target=publish, args=[f"j{n}"]) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for sub in subs:
        events = drain(sub, timeout=0.01)
        assert len(events) == 4 * per_thread
        for n in range(4):
            done = [e.payload["done"] for e in events if e.job_id == f"j{n}"]
            assert done == list(range(per_thread))


def test_events_round_trip_through_json() -> None:
    event = state("acme", "j", "succeeded", pipeline="p")
    assert Event.from_dict(event.to_dict()) == event


def test_settings_choose_the_bus() -> None:
    assert event_bus_from_settings(Settings()) is local_bus()
    assert event_bus_from_settings(Settings(broker_url="memory://")) is local_bus()
    from madlab.runtime.bus_redis import RedisEventBus

    bus = event_bus_from_settings(Settings(broker_url="redis://127.0.0.1:6379/0"))
    assert isinstance(bus, RedisEventBus)
    bus = event_bus_from_settings(
        Settings(broker_url="redis://127.0.0.1:6379/0", events_url="redis://127.0.0.1:6379/3")
    )
    assert isinstance(bus, RedisEventBus) and bus.url.endswith("/3")
    assert "6379/3" in repr(bus)


def test_the_services_share_one_local_bus(
    madlab_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from madlab.bootstrap import build_services

    monkeypatch.delenv("MADLAB_BROKER_URL", raising=False)
    monkeypatch.delenv("MADLAB_EVENTS_URL", raising=False)
    first, second = build_services(), build_services()
    assert first.events is second.events
    with first.events.subscribe("default") as sub:
        second.events.publish(state("default", "j", "queued"))
        event = sub.get(timeout=1)
    assert event is not None and event.payload["status"] == "queued"


def test_a_bad_redis_url_is_a_validation_error() -> None:
    from madlab.errors import ValidationError
    from madlab.runtime.bus_redis import RedisEventBus

    with pytest.raises(ValidationError, match="not a Redis URL"):
        RedisEventBus("redis://:notaport")
