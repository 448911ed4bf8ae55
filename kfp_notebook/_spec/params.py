"""Parameter types of KFP IR: coercion between tasks, strict checks of user arguments,
and parsing of `--param name=value` texts."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from typing import Any

from kfp_notebook._errors import PipelineInputError

__all__ = ["ParameterTypeError", "check_argument", "coerce", "describe_type", "parse_cli_value"]


class ParameterTypeError(PipelineInputError):
    """A value does not have the type its parameter declares."""


_NAMES = {
    "STRING": "a string",
    "NUMBER_INTEGER": "an integer",
    "NUMBER_DOUBLE": "a number",
    "BOOLEAN": "a boolean",
    "LIST": "a list",
    "STRUCT": "a dict",
    "TASK_FINAL_STATUS": "a task status",
}
_EXAMPLES = {
    "STRING": "'text'",
    "NUMBER_INTEGER": "3",
    "NUMBER_DOUBLE": "0.5",
    "BOOLEAN": "true",
    "LIST": "'[1, 2]'",
    "STRUCT": "'{\"k\": 1}'",
}


def _is_int(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (
        isinstance(v, float) and v.is_integer()
    )


_CHECKS: dict[str, Callable[[Any], bool]] = {
    "STRING": lambda v: isinstance(v, str),
    "NUMBER_INTEGER": _is_int,
    "NUMBER_DOUBLE": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "BOOLEAN": lambda v: isinstance(v, bool),
    "LIST": lambda v: isinstance(v, list),
    "STRUCT": lambda v: isinstance(v, dict),
}


def describe_type(parameter_type: str) -> str:
    return _NAMES.get(parameter_type, parameter_type.lower())


def coerce(value: Any, parameter_type: str) -> Any:
    """Undo protobuf's number widening (3 -> 3.0) as the KFP backend does: declared integers,
    and whole numbers inside lists and dicts (the backend hands values to tasks as JSON written
    by Go's protojson, where 3.0 is `3`, so `[1, 2]` compiled as `[1.0, 2.0]` arrives as ints)."""
    if parameter_type == "NUMBER_INTEGER" and isinstance(value, float) and value.is_integer():
        return int(value)
    if parameter_type in ("LIST", "STRUCT"):
        if isinstance(value, str):
            try:
                parsed = json.loads(value)
            except ValueError:
                return value
            if not _CHECKS[parameter_type](parsed):
                return value
            value = parsed
        return _whole_numbers(value)
    return value


def _whole_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    return value


def check_argument(name: str, value: Any, parameter_type: str) -> Any:
    """A user-given pipeline argument, checked strictly and coerced; one clear error if not."""
    check = _CHECKS.get(parameter_type)
    if check is not None and not check(value):
        example = _EXAMPLES.get(parameter_type, "")
        raise ParameterTypeError(
            f"parameter {name!r} expects {describe_type(parameter_type)} ({parameter_type}), "
            f"got {type(value).__name__} {value!r}. Pass e.g. {name}={example}."
        )
    return coerce(value, parameter_type)


def parse_cli_value(name: str, text: str, parameter_type: str) -> Any:
    """The value of `--param name=text` for a parameter of `parameter_type`."""
    try:
        if parameter_type == "NUMBER_INTEGER":
            return int(text)
        if parameter_type == "NUMBER_DOUBLE":
            return float(text)
        if parameter_type == "BOOLEAN":
            low = text.strip().lower()
            if low in ("true", "1", "yes"):
                return True
            if low in ("false", "0", "no"):
                return False
            raise ValueError(text)
        if parameter_type in ("LIST", "STRUCT"):
            return check_argument(name, json.loads(text), parameter_type)
    except ValueError:
        example = _EXAMPLES.get(parameter_type, "")
        given = shlex.quote(f"{name}={text}")
        raise ParameterTypeError(
            f"--param {given}: {name!r} expects {describe_type(parameter_type)} "
            f"({parameter_type}); e.g. --param {name}={example}"
        ) from None
    return text
