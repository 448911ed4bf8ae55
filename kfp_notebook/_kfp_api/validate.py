"""What KFP's API accepts, checked before anything is written: the JSON types of the fields a
request sends, the size of a pipeline file (the backend's `common.MaxFileLength`, 32 MiB), and
the shape of a pipeline spec (a root DAG whose tasks name components the spec has). Each
refusal is one `RequestError(400, ...)` naming the field, as the backend's invalid-input errors
do; nothing here reaches a 500."""

from __future__ import annotations

from typing import Any

from kfp_notebook._errors import RequestError

__all__ = ["MAX_FILE_LENGTH", "check_size", "check_spec", "optional_text", "predicates", "section"]

MAX_FILE_LENGTH = 32 << 20  # backend/src/apiserver/common/const.go


def _invalid(message: str) -> RequestError:
    return RequestError(400, f"Invalid input error: {message}")


def check_size(data: bytes | str) -> None:
    if len(data) > MAX_FILE_LENGTH:
        raise _invalid(
            f"File size too large ({len(data)} bytes). Maximum supported size: {MAX_FILE_LENGTH}."
            " Move large embedded data into a container image or an object store."
        )


def optional_text(body: dict[str, Any], key: str, where: str = "") -> str:
    """`body[key]` as a string ("" when absent or null)."""
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _invalid(f"{where}{key} must be a string, not {type(value).__name__}")
    return value


def section(body: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
    """`body[key]` as an object ({} when absent or null)."""
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid(f"{where}{key} must be an object, not {type(value).__name__}")
    return value


def predicates(parsed: dict[str, Any]) -> list[dict[str, Any]]:
    """The predicates of a List call's `filter`, each an object with a string `key`."""
    found = parsed.get("predicates") or []
    if not isinstance(found, list) or not all(isinstance(p, dict) for p in found):
        raise _invalid("filter.predicates must be a list of objects")
    for p in found:
        optional_text(p, "key", "filter predicate ")
    return found


def check_spec(spec: dict[str, Any]) -> None:
    """A compiled KFP v2 pipeline: pipelineInfo.name, a root DAG, every task of every DAG
    naming a component of the spec, then the checks `kfp-notebook run` makes (KFP's
    `PipelineSpec` schema with its enum values, executors and producer tasks that exist, no
    cycle): what the engine would refuse later, refused now."""
    info = section(spec, "pipelineInfo", "pipeline_spec.")
    if not optional_text(info, "name", "pipeline_spec.pipelineInfo."):
        raise _invalid("pipeline_spec.pipelineInfo.name is missing")
    root = section(spec, "root", "pipeline_spec.")
    components = section(spec, "components", "pipeline_spec.")
    dags = [("root", root)] + [(name, c) for name, c in components.items() if isinstance(c, dict)]
    if "dag" not in root:
        raise _invalid("pipeline_spec.root has no dag: this is not a compiled pipeline")
    for owner, component in dags:
        if not isinstance(component, dict):
            raise _invalid(f"pipeline_spec.components.{owner} must be an object")
        dag = section(component, "dag", f"{owner}.")
        for task_name, task in section(dag, "tasks", f"{owner}.dag.").items():
            if not isinstance(task, dict):
                raise _invalid(f"task {task_name} of {owner} must be an object")
            ref = optional_text(section(task, "componentRef", f"task {task_name}."), "name")
            if ref not in components:
                raise _invalid(
                    f"task {task_name} of {owner} names no component of the spec ({ref!r})"
                )
    _check_ir(spec)


def _check_ir(spec: dict[str, Any]) -> None:
    # Imported here: the schema check loads KFP's protobuf types, which serving needs only
    # when a pipeline arrives (pyproject's import-linter contract allows this one edge).
    from kfp_notebook._errors import PipelineSpecError
    from kfp_notebook._spec.ir_checks import check_references, check_schema

    try:
        check_schema(spec, "pipeline_spec")
        check_references(spec, "pipeline_spec")
    except PipelineSpecError as exc:
        raise _invalid(str(exc)) from None
