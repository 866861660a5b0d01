"""Small step tasks for the pipeline tests (registered at run time).

Each follows the task contract: ``(TaskContext, params) -> JSON outputs``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from madlab.domain.tasks import TaskDefinition
from madlab.errors import ValidationError
from madlab.tasks.context import TaskContext

MODULE = __name__


def emit(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Return ``params["out"]`` (after ``seconds`` of sleep), appending a line to ``log``."""
    time.sleep(float(params.get("seconds", 0)))
    if params.get("log"):
        with Path(params["log"]).open("a") as handle:
            handle.write(f"{params.get('label', 'emit')}\n")
    return dict(params.get("out") or {})


def count(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Count the molecules of a chunk file; a fake score per molecule (lower is better)."""
    text = Path(params["ligands"]).read_text()
    names = [b.strip().splitlines()[0] for b in text.split("$$$$") if b.strip()]
    scores = [-float(len(n)) for n in names]
    return {
        "names": names,
        "n": len(names),
        "best": min(scores),
        "receptor": params.get("receptor"),
    }


def fail(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Fail with a user error."""
    raise ValidationError("no protein atoms in receptor.pdb", field="receptor")


def definition(task_id: str, function: str) -> TaskDefinition:
    """A test task running ``function`` of this module."""
    return TaskDefinition(
        task_id=task_id,
        version="1",
        name=task_id,
        category="test",
        interface_spec={"inputs": {"type": "object"}, "outputs": {"type": "object"}},
        service_config={
            "queue": "docking.standard",
            "implementation": f"{MODULE}:{function}",
            "resources": {"cpus": 1, "memory_mb": 512},
            "requires": [],
        },
    )


STEP_TASKS = [definition("emit", "emit"), definition("count", "count"), definition("fail", "fail")]
