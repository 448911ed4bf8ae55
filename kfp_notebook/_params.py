from __future__ import annotations
import json
from typing import Any
from kfp_notebook._errors import PipelineInputError

class ParameterTypeError(PipelineInputError):
    pass

_NAMES = {"STRING": "a string", "NUMBER_INTEGER": "an integer", "NUMBER_DOUBLE": "a number",
          "BOOLEAN": "a boolean", "LIST": "a list", "STRUCT": "a dict", "TASK_FINAL_STATUS": "a task status"}

def describe_type(t: str) -> str:
    return _NAMES.get(t, t)

def coerce(value: Any, t: str) -> Any:
    if t == "NUMBER_INTEGER" and isinstance(value, float) and value.is_integer():
        return int(value)
    if t == "NUMBER_DOUBLE" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value

def check_argument(name: str, value: Any, t: str) -> Any:
    ok = {"STRING": lambda v: isinstance(v, str),
          "NUMBER_INTEGER": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
          "NUMBER_DOUBLE": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
          "BOOLEAN": lambda v: isinstance(v, bool), "LIST": lambda v: isinstance(v, list),
          "STRUCT": lambda v: isinstance(v, dict)}.get(t, lambda v: True)
    if not ok(value):
        raise ParameterTypeError(f"parameter {name!r} expects {describe_type(t)} ({t}), got {type(value).__name__} {value!r}.")
    return coerce(value, t)

def parse_cli_value(name: str, text: str, t: str) -> Any:
    try:
        if t == "NUMBER_INTEGER": return int(text)
        if t == "NUMBER_DOUBLE": return float(text)
        if t == "BOOLEAN":
            low = text.lower()
            if low in ("true", "1", "yes"): return True
            if low in ("false", "0", "no"): return False
            raise ValueError(text)
        if t in ("LIST", "STRUCT"):
            v = json.loads(text)
            return check_argument(name, v, t)
    except ValueError:
        raise ParameterTypeError(f"--param {name}={text!r}: expects {describe_type(t)} ({t}).") from None
    return text
