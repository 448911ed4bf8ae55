"""The CEL subset the KFP compiler emits, evaluated without `eval`.

Conditions (`triggerPolicy.condition`): `inputs.parameter_values['k'] == 'heads'`, `!(...)`,
`&&`, `||`, comparisons, `int(...)`/`double(...)`/`string(...)` casts, literals.
Selectors (`parameterExpressionSelector`): `parseJson(string_value)["a"]["b"]`.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from kfp_notebook._errors import PipelineSpecError

__all__ = ["evaluate_condition", "evaluate_selector"]

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<number>\d+\.\d*(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\].,])
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
    )""",
    re.VERBOSE,
)
_CASTS: dict[str, Callable[[Any], Any]] = {
    "int": lambda v: int(float(v)) if isinstance(v, str) else int(v),
    "double": float,
    "float": float,
    "string": lambda v: v if isinstance(v, str) else json.dumps(v),
    "bool": lambda v: v if isinstance(v, bool) else str(v).lower() == "true",
}
_LITERALS = {"true": True, "false": False, "null": None}


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise PipelineSpecError(f"cannot read condition {text!r} at {text[pos:]!r}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


class _Parser:
    """Precedence climbing: || < && < comparison < unary ! < postfix (member, index, call)."""

    def __init__(self, text: str, scope: Mapping[str, Any]) -> None:
        self.text, self.scope = text, scope
        self.tokens, self.pos = _tokenize(text), 0

    def fail(self, why: str) -> PipelineSpecError:
        return PipelineSpecError(f"condition {self.text!r}: {why}")

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise self.fail("ends too early")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise self.fail(f"expected {expected!r}, found {token[1]!r}")
        self.pos += 1
        return token

    def parse(self) -> Any:
        value = self.or_expr()
        if self.pos != len(self.tokens):
            raise self.fail(f"unexpected {self.peek()!r}")
        return value

    def or_expr(self) -> Any:
        value = self.and_expr()
        while self.peek() == "||":
            self.take()
            right = self.and_expr()
            value = _truth(value) or _truth(right)
        return value

    def and_expr(self) -> Any:
        value = self.comparison()
        while self.peek() == "&&":
            self.take()
            right = self.comparison()
            value = _truth(value) and _truth(right)
        return value

    def comparison(self) -> Any:
        left = self.unary()
        op = self.peek()
        if op in ("==", "!=", "<", "<=", ">", ">="):
            self.take()
            return _compare(op, left, self.unary(), self)
        return left

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not _truth(self.unary())
        return self.postfix()

    def postfix(self) -> Any:
        value = self.primary()
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                value = _member(value, self.take()[1], self)
            else:
                key = self.or_expr()
                self.take("]")
                value = _member(value, key, self)
        return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "string":
            return json.loads('"' + text[1:-1].replace('"', '\\"').replace("\\'", "'") + '"')
        if text == "(":
            value = self.or_expr()
            self.take(")")
            return value
        if kind == "name":
            if text in _LITERALS:
                return _LITERALS[text]
            if self.peek() == "(":
                self.take()
                arg = self.or_expr()
                self.take(")")
                return _call(text, arg, self)
            if text in self.scope:
                return self.scope[text]
            raise self.fail(f"unknown name {text!r}")
        raise self.fail(f"unexpected {text!r}")


def _truth(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _member(value: Any, key: Any, parser: _Parser) -> Any:
    try:
        return value[key]
    except (KeyError, IndexError, TypeError):
        raise parser.fail(f"no value for {key!r}") from None


def _call(name: str, arg: Any, parser: _Parser) -> Any:
    if name == "parseJson":
        return json.loads(arg) if isinstance(arg, str) else arg
    if name not in _CASTS:
        raise parser.fail(f"unknown function {name!r}")
    try:
        return _CASTS[name](arg)
    except (TypeError, ValueError):
        raise parser.fail(f"cannot convert {arg!r} with {name}()") from None


def _compare(op: str, left: Any, right: Any, parser: _Parser) -> bool:
    numbers = (int, float)
    if (
        isinstance(left, bool) != isinstance(right, bool)
        and isinstance(left, str | bool)
        and isinstance(right, str | bool)
    ):
        # A boolean output is passed as a value, the literal in the condition may be a string.
        left, right = str(left).lower(), str(right).lower()
    comparable = (isinstance(left, numbers) and isinstance(right, numbers)) or type(left) is type(
        right
    )
    if op == "==":
        return bool(comparable and left == right)
    if op == "!=":
        return not (comparable and left == right)
    if not comparable:
        raise parser.fail(f"cannot order {left!r} and {right!r}")
    return bool(
        {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    )


def evaluate_condition(expression: str, parameter_values: Mapping[str, Any]) -> bool:
    """Whether a task's trigger condition holds for its resolved input parameters."""
    scope = {"inputs": {"parameter_values": _Strict(parameter_values, expression)}}
    return _truth(_Parser(expression, scope).parse())


def evaluate_selector(selector: str, value: Any) -> Any:
    """Apply a parameter expression selector to an (item) value."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    return _Parser(selector, {"string_value": value}).parse()


class _Strict(dict[str, Any]):
    """Parameter values whose missing keys name the condition in the error."""

    def __init__(self, values: Mapping[str, Any], expression: str) -> None:
        super().__init__(values)
        self.expression = expression

    def __missing__(self, key: str) -> Any:
        raise PipelineSpecError(
            f"condition {self.expression!r} reads input {key!r}, which the task does not have"
        )
