"""Small task implementations for the runtime's tests (registered at run time).

Each follows the task contract: ``(TaskContext, params) -> JSON outputs``.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import time
from pathlib import Path
from typing import Any

from madlab.domain.tasks import TaskDefinition
from madlab.errors import TransientError, ValidationError
from madlab.tasks.context import TaskContext

MODULE = __name__


def echo(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Return the parameters; one unit of progress."""
    ctx.progress(1, 1)
    (ctx.workdir / "scratch.txt").write_text("working file")
    return {"echo": params, "workdir": str(ctx.workdir)}


def sleep(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Sleep ``seconds`` in steps of 0.1 s, reporting progress, stopping when cancelled."""
    steps = max(1, int(float(params.get("seconds", 1)) * 10))
    marker = params.get("marker")
    if marker:
        Path(marker).write_text(str(os.getpid()))
    for i in range(steps):
        if ctx.is_cancelled():
            return {"stopped_at": i}
        time.sleep(0.1)
        if (i + 1) % 10 == 0 or i + 1 == steps:
            ctx.progress(i + 1, steps)
            ctx.partial({"step": i + 1})
    return {"slept": steps / 10}


def allocate(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Hold ``mb`` megabytes of touched memory for a moment."""
    block = bytearray(int(params["mb"]) * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    time.sleep(float(params.get("hold", 1.0)))
    return {"held_mb": len(block) // (1024 * 1024)}


def flaky(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Fail with a transient error until the ``succeed_on``-th attempt (0: never)."""
    counter = Path(params["counter"])
    n = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(n))
    if params.get("succeed_on", 0) and n >= int(params["succeed_on"]):
        return {"attempts": n}
    raise TransientError(f"service busy (attempt {n})")


def invalid(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Fail with a user error."""
    raise ValidationError("receptor.pdb: no protein atoms", field="receptor")


def crash(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Kill the job's own process with a segmentation fault."""
    faulthandler.disable()  # no traceback dump: the test reads the job's error
    os.kill(os.getpid(), signal.SIGSEGV)
    return {}


def definition(
    task_id: str,
    function: str,
    *,
    memory_mb: int = 1024,
    time_limit_s: float | None = None,
    requires: list[str] | None = None,
    max_attempts: int | None = None,
    properties: dict[str, Any] | None = None,
) -> TaskDefinition:
    """A runtime-registered task running ``function`` of this module."""
    resources: dict[str, Any] = {"cpus": 1, "memory_mb": memory_mb}
    if time_limit_s is not None:
        resources["time_limit_s"] = time_limit_s
    config: dict[str, Any] = {
        "queue": "docking.standard",
        "implementation": f"{MODULE}:{function}",
        "resources": resources,
        "requires": requires or [],
        "retry_backoff_s": 0.5,
    }
    if max_attempts is not None:
        config["max_attempts"] = max_attempts
    return TaskDefinition(
        task_id=task_id,
        version="1",
        name=task_id.replace("_", " "),
        category="test",
        interface_spec={
            "inputs": {"type": "object", "properties": properties or {}},
            "outputs": {"type": "object"},
        },
        service_config=config,
    )


SAMPLES = [
    definition("echo", "echo", properties={"word": {"type": "string"}, "n": {"type": "integer"}}),
    definition("sleep", "sleep", properties={"seconds": {"type": "number", "default": 1}}),
    definition("allocate", "allocate", memory_mb=128),
    definition("flaky", "flaky", max_attempts=3),
    definition("invalid", "invalid"),
    definition("crash", "crash"),
    definition("slow", "sleep", time_limit_s=1.0),
    definition("gpu_only", "echo", requires=["gpu"]),
]
