"""The condition language: parsing, evaluation and error positions."""

from __future__ import annotations

import pytest

from madlab.errors import ValidationError
from madlab.pipelines.conditions import ConditionError, compile_condition, evaluate

SCOPE = {
    "inputs": {"threshold": -8, "engine": "vina", "tags": ["a", "b"]},
    "steps": {"dock": {"outputs": {"best_affinity": -9.2, "poses": [{"score": -9.2}]}}},
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("steps.dock.outputs.best_affinity < -8", True),
        ("steps.dock.outputs.best_affinity >= -8", False),
        ("steps.dock.outputs.best_affinity < inputs.threshold", True),
        ("inputs.engine == 'vina' and not (1 > 2)", True),
        ('inputs.engine != "vina" or false', False),
        ("'a' in inputs.tags", True),
        ("steps.dock.outputs.poses.0.score <= -9.2", True),
        ("1.5e1 == 15", True),
        ("null == null", True),
        ("not not true", True),
        ("-(-3) > 2", True),
        ("'abc' < 'abd'", True),
        ("1 < 2 and 2 < 3 or 1 > 5", True),
    ],
)
def test_evaluates(source: str, expected: bool) -> None:
    assert evaluate(source, SCOPE) is expected


@pytest.mark.parametrize(
    ("source", "column"),
    [
        ("steps.dock.outputs.best_affinity < ", 36),
        ("a = 1", 3),
        ("a < 1 < 2", 7),
        ("(a < 1", 7),
        ("a < 'open", 5),
        ("a @ 1", 3),
        ("a. < 1", 4),
        ("a < 1 )", 7),
        ("1..2 > 0", 2),
        (".5 > 0", 1),
        ("", 1),
    ],
)
def test_syntax_error_points_at_the_character(source: str, column: int) -> None:
    with pytest.raises(ConditionError) as info:
        compile_condition(source)
    assert info.value.column == column
    caret_line = str(info.value.message).splitlines()[-1]
    assert caret_line.index("^") - 2 == column - 1
    assert isinstance(info.value, ValidationError)


def test_unknown_path_is_named() -> None:
    with pytest.raises(ConditionError, match=r"steps\.rescore is not defined") as info:
        evaluate("steps.rescore.outputs.score < 0", SCOPE)
    assert info.value.column == 1


def test_incomparable_values() -> None:
    with pytest.raises(ConditionError, match="cannot order str and int"):
        evaluate("inputs.engine < 3", SCOPE)
    with pytest.raises(ConditionError, match="'-' needs a number"):
        evaluate("-inputs.engine < 3", SCOPE)


def test_no_python_is_evaluated() -> None:
    with pytest.raises(ConditionError):
        compile_condition("__import__('os').system('true')")


def test_paths_and_field() -> None:
    cond = compile_condition("steps.a.outputs.x > 1 and inputs.y", field="steps[0].when")
    assert cond.paths() == [("steps", "a", "outputs", "x"), ("inputs", "y")]
    with pytest.raises(ConditionError) as info:
        compile_condition("x >", field="steps[2].when")
    assert info.value.field == "steps[2].when"
    with pytest.raises(ConditionError):
        compile_condition(3)  # type: ignore[arg-type]
