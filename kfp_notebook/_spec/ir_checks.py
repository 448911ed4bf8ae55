"""The checks a pipeline spec passes before anything runs: KFP's own `PipelineSpec` schema
(enum values included, which protobuf would drop silently), references to components, executors
and producer tasks that exist, and DAGs without cycles."""

from __future__ import annotations

from typing import Any

from kfp_notebook._errors import PipelineSpecError
from kfp_notebook._spec.types import IRDict

__all__ = ["check_references", "check_schema"]


def check_schema(spec: IRDict, source: str) -> None:
    from google.protobuf import json_format
    from kfp.pipeline_spec import pipeline_spec_pb2

    if "root" not in spec or "dag" not in spec.get("root", {}):
        raise PipelineSpecError(
            f"{source} is not a compiled KFP pipeline: it has no 'root' DAG. Compile it with "
            "kfp.compiler.Compiler().compile(...)."
        )
    try:
        json_format.ParseDict(spec, pipeline_spec_pb2.PipelineSpec(), ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise PipelineSpecError(f"{source} is not valid KFP IR: {exc}") from None
    # Unknown fields are let through (a newer KFP may add some), and protobuf then drops unknown
    # enum values silently too: those are checked here, so `parameterType: STRNG` is refused.
    bad = _bad_enum(spec, pipeline_spec_pb2.PipelineSpec.DESCRIPTOR, "")
    if bad is not None:
        where, value, enum = bad
        allowed = ", ".join(v.name for v in enum.values)
        raise PipelineSpecError(
            f"{source} is not valid KFP IR: {where} is {value!r}, which is not a "
            f"{enum.name} (one of: {allowed}). Recompile the pipeline, or fix the value."
        )


def _repeated(field: Any) -> bool:
    """Whether a protobuf field is repeated (`is_repeated` in protobuf >= 6, `label` before)."""
    flag = getattr(field, "is_repeated", None)
    if isinstance(flag, bool):
        return flag
    return bool(field.label == field.LABEL_REPEATED)


def _bad_enum(value: Any, descriptor: Any, path: str) -> tuple[str, Any, Any] | None:
    """The first enum-typed field (path, value, enum) whose value its enum does not define."""
    if not isinstance(value, dict) or descriptor.full_name.startswith("google.protobuf."):
        return None
    for key, item in value.items():
        field = descriptor.fields_by_camelcase_name.get(key) or descriptor.fields_by_name.get(key)
        if field is None:
            continue
        where = f"{path}.{key}" if path else key
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            inner = entry.fields_by_name["value"]
            items = [(f"{where}[{k}]", v) for k, v in (item or {}).items()]
        else:
            inner = field
            listed = item if isinstance(item, list) and _repeated(field) else [item]
            items = [(where, v) for v in listed]
        for at, v in items:
            if inner.enum_type is not None:
                enum = inner.enum_type
                known = (
                    v in enum.values_by_name if isinstance(v, str) else v in enum.values_by_number
                )
                if not known:
                    return at, v, enum
            elif inner.message_type is not None and (found := _bad_enum(v, inner.message_type, at)):
                return found
    return None


def check_references(spec: IRDict, source: str) -> None:
    components = spec.get("components", {})
    executors = spec.get("deploymentSpec", {}).get("executors", {})
    dags = {"root": spec["root"]} | components
    for comp_name, comp in dags.items():
        if "executorLabel" in comp and comp["executorLabel"] not in executors:
            raise PipelineSpecError(
                f"{source}: component {comp_name!r} names executor {comp['executorLabel']!r}, "
                "which deploymentSpec does not define."
            )
        tasks = comp.get("dag", {}).get("tasks", {})
        edges: dict[str, set[str]] = {}
        for task_name, task in tasks.items():
            ref = task.get("componentRef", {}).get("name")
            if ref not in components:
                raise PipelineSpecError(
                    f"{source}: task {task_name!r} refers to component {ref!r}, which is not "
                    "defined."
                )
            upstream = set(task.get("dependentTasks", []))
            for kind in ("parameters", "artifacts"):
                for inp in task.get("inputs", {}).get(kind, {}).values():
                    for key in ("taskOutputParameter", "taskOutputArtifact", "taskFinalStatus"):
                        if key in inp:
                            upstream.add(inp[key]["producerTask"])
            missing = upstream - set(tasks)
            if missing:
                raise PipelineSpecError(
                    f"{source}: task {task_name!r} depends on {sorted(missing)}, which are not "
                    f"tasks of the same DAG ({comp_name})."
                )
            edges[task_name] = upstream
        cycle = _find_cycle(edges)
        if cycle:
            raise PipelineSpecError(
                f"{source}: the tasks of {comp_name} form a cycle: {' -> '.join(cycle)}. "
                "A pipeline must be a DAG; remove one of these dependencies."
            )


def _find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None
