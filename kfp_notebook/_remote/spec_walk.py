"""What a run's pipeline spec says about its tasks that task details do not: which group holds
each task and what kind it is, its component and the tasks it waits for (the graph's edges), and
the types of its parameters (ML Metadata keeps every number as a double).
Task names are keyed alone, as the Argo nodes' display names are."""

from __future__ import annotations

from typing import Any

from kfp_notebook._model.states import TaskKind
from kfp_notebook._spec.types import upstream_names

__all__ = ["as_declared", "spec_links", "spec_tasks"]


def spec_tasks(spec: dict[str, Any]) -> dict[str, tuple[str | None, TaskKind]]:
    """Task name -> (name of the group task holding it, kind), from a PipelineSpec."""
    components = spec.get("components", {})
    out: dict[str, tuple[str | None, TaskKind]] = {}

    def walk(dag: dict[str, Any], parent: str | None) -> None:
        for name, task in dag.get("tasks", {}).items():
            component = components.get(task.get("componentRef", {}).get("name", ""), {})
            inner = component.get("dag")
            if "parameterIterator" in task or "artifactIterator" in task:
                kind = TaskKind.LOOP
            elif inner is None:
                kind = TaskKind.IMPORTER if "importer" in name else TaskKind.CONTAINER
            elif name.startswith("condition-"):
                kind = TaskKind.CONDITION
            elif name.startswith("exit-handler-"):
                kind = TaskKind.EXIT_HANDLER
            else:
                kind = TaskKind.DAG
            out[name] = (parent, kind)
            if inner is not None:
                walk(inner, name)

    walk(spec.get("root", {}).get("dag", {}), None)
    return out


def spec_links(spec: dict[str, Any]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Task name -> (its componentRef's name, the names of the tasks of its DAG it waits for):
    the graph's edges, which task details do not carry."""
    components = spec.get("components", {})
    out: dict[str, tuple[str, tuple[str, ...]]] = {}

    def walk(dag: dict[str, Any]) -> None:
        for name, task in dag.get("tasks", {}).items():
            ref = task.get("componentRef", {}).get("name", "")
            out[name] = (ref, tuple(upstream_names(task)))
            walk(components.get(ref, {}).get("dag", {}))

    walk(spec.get("root", {}).get("dag", {}))
    return out


def as_declared(
    spec: dict[str, Any], component: str, side: str, values: dict[str, Any]
) -> dict[str, Any]:
    """`values` of `component`'s parameters (`side`: "inputDefinitions" or "outputDefinitions";
    component "" is the pipeline's root) with an integer parameter an int again: ML Metadata
    keeps parameters in a Struct, where 3 comes back 3.0."""
    owner = spec.get("root", {}) if not component else spec.get("components", {}).get(component, {})
    declared = (owner.get(side) or {}).get("parameters") or {}
    out = dict(values)
    for name, value in values.items():
        kind = (declared.get(name) or {}).get("parameterType")
        if kind == "NUMBER_INTEGER" and isinstance(value, float) and value.is_integer():
            out[name] = int(value)
    return out
