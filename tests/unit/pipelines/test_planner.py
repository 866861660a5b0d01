"""The spec's validation and the planner: DAG checks, waves, sweeps, chunks, references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from madlab.errors import InputFileError, ValidationError
from madlab.pipelines.planner import (
    balanced_chunk_size,
    check_graph,
    chunk_library,
    count_records,
    order_instances,
    resolve,
    stages,
    sweep_points,
)
from madlab.pipelines.spec import Sweep, load_spec, parse_spec


def spec(steps: list[dict[str, Any]], **extra: Any) -> Any:
    return parse_spec({"name": "p", "steps": steps, **extra})


def test_waves_follow_modes() -> None:
    steps = [
        {"id": "prep", "task": "echo"},
        {"id": "a", "task": "echo", "parameters": {"x": "${steps.prep.outputs.y}"}},
        {"id": "b", "task": "echo", "depends_on": ["prep"]},
        {"id": "c", "task": "echo", "when": "steps.a.outputs.v < 1", "depends_on": ["b"]},
    ]
    assert stages(spec(steps)) == [["prep"], ["a"], ["b"], ["c"]]
    assert stages(spec(steps, mode="parallel")) == [["prep"], ["a", "b"], ["c"]]
    assert check_graph(spec(steps))["c"] == {"a", "b"}


def test_dangling_reference_is_rejected() -> None:
    with pytest.raises(ValidationError, match="refers to step 'dok', which does not exist"):
        check_graph(spec([{"id": "a", "task": "t", "parameters": {"x": "${steps.dok.outputs}"}}]))
    with pytest.raises(ValidationError, match="refers to step 'zz'"):
        check_graph(spec([{"id": "a", "task": "t", "when": "steps.zz.outputs.x > 1"}]))
    with pytest.raises(ValidationError, match="depends on itself"):
        check_graph(spec([{"id": "a", "task": "t", "depends_on": ["a"]}]))
    with pytest.raises(ValidationError, match="must start with inputs"):
        check_graph(spec([{"id": "a", "task": "t", "parameters": {"x": "${foo.bar}"}}]))


def test_cycle_is_named() -> None:
    steps = [
        {"id": "a", "task": "t", "depends_on": ["c"]},
        {"id": "b", "task": "t", "depends_on": ["a"]},
        {"id": "c", "task": "t", "depends_on": ["b"]},
    ]
    with pytest.raises(ValidationError, match="cycle: a -> c -> b -> a") as info:
        check_graph(spec(steps))
    assert info.value.details["cycle"] == ["a", "c", "b", "a"]


def test_spec_errors_name_the_path() -> None:
    with pytest.raises(ValidationError, match=r"steps\[1\]\.when: .*column") as info:
        spec([{"id": "a", "task": "t"}, {"id": "b", "task": "t", "when": "x <"}])
    assert info.value.field == "steps[1].when"
    with pytest.raises(ValidationError, match=r"steps\[0\]\.id"):
        spec([{"id": "1a", "task": "t"}])
    with pytest.raises(ValidationError, match="defined twice"):
        spec([{"id": "a", "task": "t"}, {"id": "a", "task": "t"}])
    with pytest.raises(ValidationError, match=r"steps\[0\]\.colour: Extra inputs"):
        spec([{"id": "a", "task": "t", "colour": 1}])
    with pytest.raises(ValidationError, match="mode"):
        spec([{"id": "a", "task": "t"}], mode="fast")
    with pytest.raises(ValidationError, match="a mapping"):
        parse_spec([1, 2])
    with pytest.raises(ValidationError, match=r"sweep\.space: x: a range is \{low, high\}"):
        spec([{"id": "a", "task": "t"}], sweep={"space": {"x": {"low": 2, "high": 1}}})
    with pytest.raises(ValidationError, match="at least one"):
        parse_spec({"name": "p", "steps": [{"id": "a", "task": "t"}], "sweep": {"space": {}}})


def test_load_yaml_and_json(tmp_path: Path) -> None:
    yml = tmp_path / "p.yaml"
    yml.write_text("name: p\nsteps:\n  - id: a\n    task: echo\n")
    assert load_spec(yml).steps[0].task == "echo"
    js = tmp_path / "p.json"
    js.write_text('{"name": "p", "steps": [{"id": "a", "task": "echo"}]}')
    assert load_spec(js).name == "p"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: p\nsteps: [\n")
    with pytest.raises(InputFileError, match="not valid YAML"):
        load_spec(bad)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{")
    with pytest.raises(InputFileError, match="line 1"):
        load_spec(bad_json)
    with pytest.raises(InputFileError, match="cannot read"):
        load_spec(tmp_path / "missing.yaml")


def test_grid_sweep_has_one_point_per_combination() -> None:
    points = sweep_points(Sweep(space={"exhaustiveness": [1, 2], "box": [10, 12, 14]}))
    assert len(points) == 6
    assert points[0] == {"exhaustiveness": 1, "box": 10}
    assert sweep_points(None) == [{}]
    with pytest.raises(ValidationError, match="grid search needs a list"):
        sweep_points(Sweep(space={"x": {"low": 0, "high": 1}}))


def test_random_sweep_is_reproducible() -> None:
    sweep = Sweep(method="random", space={"x": {"low": 0, "high": 1}, "e": [1, 8]}, trials=5)
    first = sweep_points(sweep)
    assert first == sweep_points(sweep)
    assert len(first) == 5
    assert all(0 <= p["x"] <= 1 and p["e"] in (1, 8) for p in first)


def test_resolve_keeps_types() -> None:
    scope = {"inputs": {"n": 3, "name": "lig"}, "steps": {"a": {"outputs": {"l": [1, 2]}}}}
    assert resolve(
        {"n": "${inputs.n}", "s": "x-${inputs.name}", "l": ["${steps.a.outputs.l}"]}, scope
    ) == {"n": 3, "s": "x-lig", "l": [[1, 2]]}
    assert resolve("${steps.a.outputs.l.1}", scope) == 2
    with pytest.raises(ValidationError, match=r"inputs\.m is not defined"):
        resolve({"n": "${inputs.m}"}, scope)


def test_chunk_sdf_and_smiles(tmp_path: Path) -> None:
    sdf = tmp_path / "lib.sdf"
    sdf.write_text(
        "".join(
            f"m{i}\n  x\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n$$$$\n"
            for i in range(7)
        )
    )
    chunks = chunk_library(sdf, 3, tmp_path / "chunks")
    assert [count_records(c) for c in chunks] == [3, 3, 1]
    assert chunks[2].read_text().startswith("m6")
    smi = tmp_path / "lib.smi"
    smi.write_text("# header\nCCO a\nc1ccccc1 b\n\n")
    assert count_records(smi) == 2
    with pytest.raises(InputFileError, match="not found"):
        chunk_library(tmp_path / "nope.sdf", 3, tmp_path)
    (tmp_path / "empty.smi").write_text("")
    with pytest.raises(InputFileError, match="no molecule"):
        chunk_library(tmp_path / "empty.smi", 3, tmp_path)
    (tmp_path / "lib.xyz").write_text("1")
    with pytest.raises(InputFileError, match="SDF"):
        count_records(tmp_path / "lib.xyz")


def test_optimized_mode_groups_receptors() -> None:
    jobs = [{"receptor": r, "i": i} for i, r in enumerate("ABAB")]
    assert [j["receptor"] for j in order_instances(jobs, "optimized")] == list("AABB")
    assert order_instances(jobs, "parallel") == jobs
    assert balanced_chunk_size(100, 4, 50) == 25
    assert balanced_chunk_size(10, 4, 2) == 2
    assert balanced_chunk_size(0, 4, 2) == 2
