"""The small safe expression language of pipeline conditions (``when:``).

Grammar (lowest precedence first)::

    expr       := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := operand (("<" | "<=" | ">" | ">=" | "==" | "!=" | "in") operand)?
    operand    := NUMBER | STRING | "true" | "false" | "null" | PATH | "(" expr ")"
                | "-" operand
    PATH       := NAME ("." (NAME | INTEGER))*

Paths are looked up in a plain mapping (``inputs.threshold``,
``steps.dock.outputs.best_affinity``); nothing is ever evaluated as Python.
A syntax error names the column and shows a caret under the character.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from madlab.errors import ValidationError

__all__ = ["Condition", "ConditionError", "compile_condition", "evaluate"]

_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
_COMPARISONS = ("<=", ">=", "==", "!=", "<", ">")
_NUMBER = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")


class ConditionError(ValidationError):
    """A condition that cannot be parsed or evaluated.

    ``column`` (1-based) points at the offending character when known; the
    message then shows the expression with a caret under it.
    """

    code = "condition_error"

    def __init__(
        self,
        message: str,
        *,
        expression: str,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        text = message
        if column is not None:
            text = f"{message} at column {column}\n  {expression}\n  {' ' * (column - 1)}^"
        super().__init__(
            text,
            field=field,
            hint="conditions use comparisons, and/or/not, numbers, strings and dotted paths",
            expression=expression,
            column=column,
        )
        self.column = column
        self.expression = expression


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, name, op, end
    text: str
    value: Any
    pos: int  # 0-based


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
            continue
        number = _NUMBER.match(source, i)
        if number:
            text = number.group(0)
            value: Any = float(text) if any(c in text for c in ".eE") else int(text)
            tokens.append(_Token("number", text, value, i))
            i = number.end()
            continue
        if ch in "\"'":
            j, chars = i + 1, []
            while j < n and source[j] != ch:
                if source[j] == "\\" and j + 1 < n:
                    j += 1
                chars.append(source[j])
                j += 1
            if j >= n:
                raise ConditionError("unterminated string", expression=source, column=i + 1)
            tokens.append(_Token("string", source[i : j + 1], "".join(chars), i))
            i = j + 1
            continue
        if ch.isalpha() or ch == "_":
            j = i
            while j < n and (source[j].isalnum() or source[j] == "_"):
                j += 1
            word = source[i:j]
            tokens.append(_Token("keyword" if word in _KEYWORDS else "name", word, word, i))
            i = j
            continue
        two = source[i : i + 2]
        if two in _COMPARISONS:
            tokens.append(_Token("op", two, two, i))
            i += 2
            continue
        if ch in "<>().-":
            tokens.append(_Token("op", ch, ch, i))
            i += 1
            continue
        if ch == "=":
            raise ConditionError("use '==' to compare", expression=source, column=i + 1)
        raise ConditionError(f"unexpected character {ch!r}", expression=source, column=i + 1)
    tokens.append(_Token("end", "", None, n))
    return tokens


# Syntax tree: tuples, built by the parser, read by the evaluator.
# ("lit", value) | ("path", (parts...), pos) | ("neg", node, pos) | ("not", node)
# | ("and", a, b) | ("or", a, b) | ("cmp", op, a, b, pos)
Node = tuple[Any, ...]


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.i = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def error(self, message: str, tok: _Token | None = None) -> ConditionError:
        tok = tok or self.tok
        return ConditionError(message, expression=self.source, column=tok.pos + 1)

    def accept(self, kind: str, text: str | None = None) -> _Token | None:
        tok = self.tok
        if tok.kind == kind and (text is None or tok.text == text):
            self.i += 1
            return tok
        return None

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise self.error("empty condition")
        node = self.parse_or()
        if self.tok.kind != "end":
            raise self.error(f"unexpected {self.tok.text!r}")
        return node

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.accept("keyword", "or"):
            node = ("or", node, self.parse_and())
        return node

    def parse_and(self) -> Node:
        node = self.parse_not()
        while self.accept("keyword", "and"):
            node = ("and", node, self.parse_not())
        return node

    def parse_not(self) -> Node:
        if self.accept("keyword", "not"):
            return ("not", self.parse_not())
        return self.parse_comparison()

    def parse_comparison(self) -> Node:
        left = self.parse_operand()
        tok = self.tok
        if (tok.kind == "op" and tok.text in _COMPARISONS) or (
            tok.kind == "keyword" and tok.text == "in"
        ):
            self.i += 1
            right = self.parse_operand()
            if self.tok.kind == "op" and self.tok.text in _COMPARISONS:
                raise self.error("chain comparisons with 'and'")
            return ("cmp", tok.text, left, right, tok.pos)
        return left

    def parse_operand(self) -> Node:
        tok = self.tok
        if self.accept("number") or self.accept("string"):
            return ("lit", tok.value)
        if self.accept("keyword", "true"):
            return ("lit", True)
        if self.accept("keyword", "false"):
            return ("lit", False)
        if self.accept("keyword", "null"):
            return ("lit", None)
        if self.accept("op", "-"):
            return ("neg", self.parse_operand(), tok.pos)
        if self.accept("op", "("):
            node = self.parse_or()
            if not self.accept("op", ")"):
                raise self.error("expected ')'")
            return node
        if self.accept("name"):
            parts: list[str | int] = [tok.text]
            while self.accept("op", "."):
                part = self.tok
                if self.accept("name") or self.accept("keyword"):
                    parts.append(part.text)
                elif self.accept("number") and isinstance(part.value, int):
                    parts.append(part.value)
                else:
                    raise self.error("expected a name after '.'")
            return ("path", tuple(parts), tok.pos)
        if tok.kind == "end":
            raise self.error("the condition ends too early")
        raise self.error(f"unexpected {tok.text!r}")


def _resolve(path: Sequence[str | int], scope: Mapping[str, Any]) -> Any:
    value: Any = scope
    for k, part in enumerate(path):
        if isinstance(value, Mapping) and str(part) in value:
            value = value[str(part)]
        elif isinstance(value, list) and isinstance(part, int) and -len(value) <= part < len(value):
            value = value[part]
        else:
            raise KeyError(".".join(str(p) for p in path[: k + 1]))
    return value


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if op == "in":
        return bool(a in b)
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    texts = isinstance(a, str) and isinstance(b, str)
    if not (numbers or texts):
        raise TypeError(f"cannot order {type(a).__name__} and {type(b).__name__}")
    left: Any = a
    right: Any = b
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


@dataclass(frozen=True)
class Condition:
    """A parsed condition, ready to evaluate many times."""

    source: str
    tree: Node

    def paths(self) -> list[tuple[str | int, ...]]:
        """Every dotted path the condition reads (for reference checks)."""
        found: list[tuple[str | int, ...]] = []

        def walk(node: Node) -> None:
            if node[0] == "path":
                found.append(node[1])
            for child in node[1:]:
                if isinstance(child, tuple) and child and isinstance(child[0], str):
                    walk(child)

        walk(self.tree)
        return found

    def evaluate(self, scope: Mapping[str, Any]) -> bool:
        """Evaluate against ``scope`` (``inputs``, ``steps``...) and return a bool.

        Raises
        ------
        ConditionError
            A path missing from the scope, or values that cannot be compared.
        """
        return bool(self._eval(self.tree, scope))

    def _eval(self, node: Node, scope: Mapping[str, Any]) -> Any:
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "path":
            try:
                return _resolve(node[1], scope)
            except KeyError as err:
                raise ConditionError(
                    f"{err.args[0]} is not defined",
                    expression=self.source,
                    column=node[2] + 1,
                ) from None
        if kind == "neg":
            value = self._eval(node[1], scope)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConditionError(
                    "'-' needs a number", expression=self.source, column=node[2] + 1
                )
            return -value
        if kind == "not":
            return not self._eval(node[1], scope)
        if kind == "and":
            return self._eval(node[1], scope) and self._eval(node[2], scope)
        if kind == "or":
            return self._eval(node[1], scope) or self._eval(node[2], scope)
        op, left, right, pos = node[1], node[2], node[3], node[4]
        a, b = self._eval(left, scope), self._eval(right, scope)
        try:
            return _compare(op, a, b)
        except TypeError as err:
            raise ConditionError(str(err), expression=self.source, column=pos + 1) from None


def compile_condition(source: str, *, field: str | None = None) -> Condition:
    """Parse a condition.

    Parameters
    ----------
    source
        The expression, e.g. ``steps.dock.outputs.best_affinity < -8``.
    field
        Where it came from in the spec (named in errors).

    Raises
    ------
    ConditionError
        On a syntax error, with the column of the offending character.
    """
    if not isinstance(source, str):
        raise ConditionError("a condition must be a string", expression=str(source), field=field)
    try:
        return Condition(source, _Parser(source).parse())
    except ConditionError as err:
        if field is not None and err.field is None:
            err.field = field
            err.details["field"] = field
        raise


def evaluate(source: str, scope: Mapping[str, Any]) -> bool:
    """Parse and evaluate a condition in one call."""
    return compile_condition(source).evaluate(scope)
