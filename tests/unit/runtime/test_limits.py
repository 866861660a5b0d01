"""Resource limits: declared per task, enforced on the job's own process."""

from __future__ import annotations

import os
import time

import pytest

from madlab.errors import ValidationError
from madlab.runtime.limits import ResourceLimits, Send, quota_reason, run_limited


def test_limits_come_from_the_task_and_the_cpu_parameter() -> None:
    config = {"resources": {"cpus": 2, "memory_mb": 512, "time_limit_s": 60}}
    assert ResourceLimits.from_config(config) == ResourceLimits(2, 512, 60)
    assert ResourceLimits.from_config(config, {"cpu": 4}).cpus == 4
    assert ResourceLimits.from_config(config, {"cpu": 0}).cpus == 2
    assert ResourceLimits.from_config({}) == ResourceLimits()
    limits = ResourceLimits(3, 100, 1.5)
    assert ResourceLimits.from_dict(limits.to_dict()) == limits


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cpus": 0}, "resources.cpus"),
        ({"cpus": True}, "resources.cpus"),
        ({"memory_mb": 8}, "resources.memory_mb"),
        ({"time_limit_s": -1}, "resources.time_limit_s"),
    ],
)
def test_impossible_limits_are_refused_by_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        ResourceLimits(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_quota_reason_names_the_organization_and_its_quota() -> None:
    assert quota_reason(99, 100, "acme") is None
    assert quota_reason(100, 100, "acme") == (
        "organization acme already runs 100 jobs (its quota is 100 at once)"
    )


def test_the_child_is_pinned_to_its_cpus_and_its_messages_arrive() -> None:
    messages: list[dict[str, object]] = []

    def body(send: Send) -> None:
        send({"cpus": sorted(os.sched_getaffinity(0)), "threads": os.environ["OMP_NUM_THREADS"]})
        send({"pid": os.getpid(), "pgid": os.getpgid(0)})

    ended = run_limited(body, ResourceLimits(cpus=1), on_message=messages.append)
    assert ended.reason == "exited" and ended.exit_code == 0
    assert len(messages[0]["cpus"]) == 1  # type: ignore[arg-type]
    assert messages[0]["threads"] == "1"
    assert messages[1]["pid"] == messages[1]["pgid"] != os.getpid()


def test_memory_time_stop_and_errors_end_the_child_with_a_reason() -> None:
    def hog(send: Send) -> None:
        block = bytearray(300 * 1024 * 1024)
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(5)

    ended = run_limited(hog, ResourceLimits(memory_mb=64), on_message=print)
    assert ended.reason == "memory" and ended.peak_rss_mb > 64

    ended = run_limited(
        lambda send: time.sleep(10), ResourceLimits(time_limit_s=0.3), on_message=print
    )
    assert ended.reason == "time" and ended.seconds < 5

    started = time.monotonic()
    ended = run_limited(
        lambda send: time.sleep(10),
        ResourceLimits(),
        on_message=print,
        should_stop=lambda: time.monotonic() - started > 0.2,
        stop_check_s=0.1,
    )
    assert ended.reason == "stopped" and ended.seconds < 5

    def fails(send: Send) -> None:
        raise RuntimeError("boom")

    ended = run_limited(fails, ResourceLimits(), on_message=print)
    assert (ended.reason, ended.exit_code) == ("exited", 70)


def test_the_address_space_limit_turns_a_sudden_allocation_into_memory_error() -> None:
    messages: list[dict[str, object]] = []

    def grab(send: Send) -> None:
        try:
            bytearray(8 * 1024 * 1024 * 1024)  # 8 GB at once, faster than any watcher
        except MemoryError:
            send({"memory_error": True})

    ended = run_limited(grab, ResourceLimits(memory_mb=64), on_message=messages.append)
    assert ended.reason == "exited" and messages == [{"memory_error": True}]
