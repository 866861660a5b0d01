"""Queue names, priorities and capability routing."""

from __future__ import annotations

import pytest

from madlab.errors import ValidationError
from madlab.runtime.queue import (
    HIGH_PRIORITY_QUEUE,
    STANDARD_QUEUE,
    capability_tags,
    normalize_requires,
    priority_value,
    queue_for,
    worker_queues,
)


def test_priorities_and_queue_names() -> None:
    assert priority_value("standard") == 0 and priority_value("high") == 9
    assert priority_value(5) == 5
    with pytest.raises(ValidationError, match="use standard or high"):
        priority_value("urgent")
    assert queue_for(0) == STANDARD_QUEUE
    assert queue_for(9, ["GPU", "engine:gnina", "gpu"]) == f"{HIGH_PRIORITY_QUEUE}.engine:gnina+gpu"


def test_capability_names_are_checked_by_position() -> None:
    assert normalize_requires(None) == []
    with pytest.raises(ValidationError) as info:
        normalize_requires(["gpu", ""])
    assert info.value.field == "requires[1]"
    with pytest.raises(ValidationError, match=r"cannot contain"):
        normalize_requires(["a+b"])


def test_a_worker_offers_its_engines_backends_gpu_and_extras() -> None:
    caps = {
        "gpu": True,
        "engines": {
            "vina": {"backends": {"vina-python": "1.2.7"}},
            "gnina": {"backends": {}},
        },
        "extra": ["Bigmem"],
    }
    tags = capability_tags(caps)
    assert tags == {"gpu", "engine:vina", "engine:vina:vina-python", "bigmem"}


def test_a_worker_listens_to_every_queue_a_job_it_can_run_may_wait_in() -> None:
    queues = worker_queues({"gpu", "engine:gnina", "bigmem"})
    assert queues[0] == HIGH_PRIORITY_QUEUE  # high priority first
    assert queue_for(0, ["gpu", "engine:gnina"]) in queues
    assert queue_for(9, ["bigmem"]) in queues
    assert queue_for(0, ["gpu", "engine:gnina", "bigmem"]) not in queues  # sets of two at most
    assert queue_for(0, ["tpu"]) not in queues
    assert len(queues) == 2 * (1 + 3 + 3)
