"""Planning a pipeline before anything runs: the DAG, references, sweeps and batches.

:func:`check_graph` rejects dangling references and cycles; :func:`stages`
orders the steps for an execution mode; :func:`sweep_points` lists the
points of a parameter search; :func:`chunk_library` splits a ligand library
into the chunk files of a ``foreach`` fan-out; :func:`resolve` fills
``${inputs.x}`` and ``${steps.a.outputs.y}`` references.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from madlab.errors import InputFileError, ValidationError
from madlab.pipelines.conditions import compile_condition
from madlab.pipelines.spec import PipelineSpec, StepSpec, Sweep

__all__ = [
    "balanced_chunk_size",
    "check_graph",
    "chunk_library",
    "dependencies",
    "order_instances",
    "resolve",
    "stages",
    "sweep_points",
]

_REF = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_.\-\[\]]*)\s*\}")


def _references(value: Any) -> list[str]:
    """Every ``${path}`` inside a parameter value (nested lists and mappings too)."""
    if isinstance(value, str):
        return _REF.findall(value)
    if isinstance(value, Mapping):
        return [r for v in value.values() for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []


def dependencies(step: StepSpec) -> set[str]:
    """The steps ``step`` waits for: ``depends_on`` plus those its parameters and ``when`` read."""
    needs = set(step.depends_on)
    refs = _references(step.parameters)
    if step.foreach is not None:
        refs += _references(step.foreach.library)
    for ref in refs:
        parts = ref.split(".")
        if parts[0] == "steps" and len(parts) > 1:
            needs.add(parts[1])
    if step.when:
        for path in compile_condition(step.when).paths():
            if path[0] == "steps" and len(path) > 1:
                needs.add(str(path[1]))
    return needs


def check_graph(spec: PipelineSpec) -> dict[str, set[str]]:
    """Reject dangling references and cycles; return each step's dependencies.

    Raises
    ------
    madlab.errors.ValidationError
        A step that depends on or reads a step that does not exist, an input
        that is not declared, or a cycle (named step by step).
    """
    ids = [s.id for s in spec.steps]
    graph: dict[str, set[str]] = {}
    for k, step in enumerate(spec.steps):
        needs = dependencies(step)
        for need in sorted(needs):
            if need not in ids:
                raise ValidationError(
                    f"step {step.id!r} refers to step {need!r}, which does not exist",
                    field=f"steps[{k}]",
                    hint=f"the steps are: {', '.join(ids)}",
                )
            if need == step.id:
                raise ValidationError(
                    f"step {step.id!r} depends on itself", field=f"steps[{k}].depends_on"
                )
        for ref in _references(step.parameters):
            parts = ref.split(".")
            if parts[0] not in {"inputs", "steps", "item", "point"}:
                raise ValidationError(
                    f"step {step.id!r}: ${{{ref}}} must start with inputs., steps. or item",
                    field=f"steps[{k}].parameters",
                )
        graph[step.id] = needs
    _find_cycle(graph)
    return graph


def _find_cycle(graph: Mapping[str, set[str]]) -> None:
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(graph, white)
    stack: list[str] = []

    def visit(node: str) -> None:
        color[node] = grey
        stack.append(node)
        for nxt in sorted(graph[node]):
            if color[nxt] == grey:
                cycle = [*stack[stack.index(nxt) :], nxt]
                raise ValidationError(
                    "the steps form a cycle: " + " -> ".join(cycle),
                    field="steps",
                    hint="remove one of these dependencies",
                    cycle=cycle,
                )
            if color[nxt] == white:
                visit(nxt)
        stack.pop()
        color[node] = black

    for node in graph:
        if color[node] == white:
            visit(node)


def stages(spec: PipelineSpec) -> list[list[str]]:
    """The steps in waves: each wave depends only on earlier ones.

    ``sequential`` gives one step per wave (in declaration order where the
    graph allows); ``parallel`` and ``optimized`` give every step whose
    dependencies are met in the same wave.
    """
    graph = check_graph(spec)
    done: set[str] = set()
    waves: list[list[str]] = []
    order = [s.id for s in spec.steps]
    while len(done) < len(order):
        ready = [s for s in order if s not in done and graph[s] <= done]
        if spec.mode == "sequential":
            ready = ready[:1]
        waves.append(ready)
        done.update(ready)
    return waves


def sweep_points(sweep: Sweep | None) -> list[dict[str, Any]]:
    """The points of a parameter search (one empty point without a sweep).

    Grid search takes every combination of the listed values, in order;
    random search draws ``trials`` points with ``seed`` (a list is sampled
    uniformly, ``{low, high}`` is a uniform float).
    """
    if sweep is None:
        return [{}]
    names = list(sweep.space)
    if sweep.method == "grid":
        lists = []
        for name in names:
            dim = sweep.space[name]
            if not isinstance(dim, list):
                raise ValidationError(
                    f"sweep.space.{name}: grid search needs a list of values",
                    field=f"sweep.space.{name}",
                    hint="list the values, or use method: random for a range",
                )
            lists.append(dim)
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*lists)]
    rng = random.Random(sweep.seed)
    points = []
    for _ in range(sweep.trials):
        point: dict[str, Any] = {}
        for name in names:
            dim = sweep.space[name]
            if isinstance(dim, list):
                point[name] = rng.choice(dim)
            else:
                point[name] = rng.uniform(float(dim["low"]), float(dim["high"]))
        points.append(point)
    return points


def lookup(path: str, scope: Mapping[str, Any]) -> Any:
    """The value at a dotted path (``KeyError`` naming the missing part)."""
    value: Any = scope
    parts = path.split(".")
    for k, part in enumerate(parts):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.lstrip("-").isdigit() and abs(int(part)) < len(value):
            value = value[int(part)]
        else:
            raise KeyError(".".join(parts[: k + 1]))
    return value


def resolve(value: Any, scope: Mapping[str, Any], *, field: str = "parameters") -> Any:
    """Fill ``${...}`` references from ``scope``.

    A string that is exactly one reference takes the referenced value with
    its type; references inside longer strings are formatted as text.

    Raises
    ------
    madlab.errors.ValidationError
        A reference to something the scope does not hold.
    """
    if isinstance(value, Mapping):
        return {k: resolve(v, scope, field=f"{field}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, scope, field=f"{field}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def get(path: str) -> Any:
        try:
            return lookup(path, scope)
        except KeyError as err:
            raise ValidationError(
                f"{field}: ${{{path}}} cannot be resolved: {err.args[0]} is not defined",
                field=field,
                hint="check the input names and the outputs of the step it reads",
            ) from None

    whole = _REF.fullmatch(value.strip())
    if whole:
        return get(whole.group(1))
    return _REF.sub(lambda m: str(get(m.group(1))), value)


def _records(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() in {".sdf", ".sd", ".mol"}:
        blocks = [b.strip("\n") for b in text.split("$$$$")]
        return [b + "\n$$$$\n" for b in blocks if b.strip()]
    if path.suffix.lower() in {".smi", ".smiles", ".txt", ".csv"}:
        return [
            line + "\n" for line in text.splitlines() if line.strip() and not line.startswith("#")
        ]
    raise InputFileError(
        "a foreach library is an SDF (.sdf) or SMILES (.smi) file",
        path=str(path),
        hint="convert the library to SDF or SMILES",
    )


def chunk_library(library: str | Path, chunk_size: int, out_dir: Path) -> list[Path]:
    """Split a ligand library into files of at most ``chunk_size`` records.

    Returns
    -------
    list of Path
        The chunk files, in library order, with the library's suffix.

    Raises
    ------
    madlab.errors.InputFileError
        A library that does not exist, is empty or has an unknown format.
    """
    path = Path(library)
    if not path.is_file():
        raise InputFileError("ligand library not found", path=str(path))
    records = _records(path)
    if not records:
        raise InputFileError("the ligand library holds no molecule", path=str(path))
    out_dir.mkdir(parents=True, exist_ok=True)
    chunks = []
    for i in range(0, len(records), chunk_size):
        chunk = out_dir / f"{path.stem}.chunk{i // chunk_size:05d}{path.suffix.lower()}"
        chunk.write_text("".join(records[i : i + chunk_size]), encoding="utf-8")
        chunks.append(chunk)
    return chunks


def count_records(library: str | Path) -> int:
    """Number of molecules in an SDF or SMILES library."""
    return len(_records(Path(library)))


def balanced_chunk_size(total: int, workers: int, requested: int) -> int:
    """Chunk size for ``optimized`` mode: at most ``requested``, enough chunks for every worker."""
    if total <= 0:
        return requested
    return max(1, min(requested, math.ceil(total / max(1, workers))))


def order_instances(
    instances: Sequence[dict[str, Any]], mode: str, *, key: str = "receptor"
) -> list[dict[str, Any]]:
    """Order a step's job parameters for a mode.

    ``optimized`` groups jobs by their ``key`` parameter (the receptor), so
    that consecutive jobs on a worker reuse the same maps; other modes keep
    the given order.
    """
    if mode != "optimized":
        return list(instances)
    first: dict[str, int] = {}
    for k, params in enumerate(instances):
        first.setdefault(str(params.get(key)), k)
    return sorted(instances, key=lambda p: first[str(p.get(key))])
