"""Checking pipeline arguments against the pipeline's declared inputs, before anything runs."""

from __future__ import annotations

import difflib
import shlex
from typing import Any

from kfp_notebook._errors import PipelineInputError
from kfp_notebook._spec.ir import PipelineIR
from kfp_notebook._spec.params import check_argument, coerce, describe_type, parse_cli_value

__all__ = ["check_arguments", "parse_cli_arguments"]


def _declared(ir: PipelineIR) -> tuple[dict[str, Any], dict[str, Any]]:
    definitions = ir.input_definitions
    return definitions.get("parameters", {}), definitions.get("artifacts", {})


def _unknown(name: str, known: list[str], ir: PipelineIR) -> PipelineInputError:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(known) if known else "none"
    return PipelineInputError(
        f"pipeline {ir.name!r} has no input {name!r}.{hint} Its inputs are: {listed}."
    )


def check_arguments(ir: PipelineIR, arguments: dict[str, Any]) -> dict[str, Any]:
    """Arguments merged with defaults and type-checked; raises one clear error otherwise."""
    params, artifacts = _declared(ir)
    known = [*params, *artifacts]
    for name in arguments:
        if name not in known:
            raise _unknown(name, known, ir)
    resolved: dict[str, Any] = {}
    missing = []
    for name, definition in params.items():
        kind = definition.get("parameterType", "STRING")
        if name in arguments:
            resolved[name] = check_argument(name, arguments[name], kind)
        elif "defaultValue" in definition:
            resolved[name] = coerce(definition["defaultValue"], kind)
        elif not definition.get("isOptional"):
            missing.append(f"{name} ({describe_type(kind)})")
    if missing:
        raise PipelineInputError(
            f"pipeline {ir.name!r} needs a value for: {', '.join(missing)}. Pass them as "
            "arguments={...} or --param name=value."
        )
    for name in artifacts:
        if name in arguments:
            raise PipelineInputError(
                f"input {name!r} is an artifact; artifacts cannot be passed as pipeline "
                "arguments locally. Use dsl.importer inside the pipeline instead."
            )
    return resolved


def parse_cli_arguments(ir: PipelineIR, pairs: list[str]) -> dict[str, Any]:
    """`--param k=v` texts parsed by the declared type of each input."""
    params, artifacts = _declared(ir)
    known = [*params, *artifacts]
    parsed: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep:
            raise PipelineInputError(
                f"--param {shlex.quote(pair)} is not of the form name=value (e.g. --param n=3)."
            )
        if name not in params:
            raise _unknown(name, known, ir)
        parsed[name] = parse_cli_value(name, text, params[name].get("parameterType", "STRING"))
    return parsed
