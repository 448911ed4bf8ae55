"""Values of group tasks: the outputs a DAG declares, a loop's items, each iteration's inputs,
and the iterations' outputs collected (dsl.Collected)."""

from __future__ import annotations

import json
from typing import Any

from kfp_notebook._engine.nodes import Artifacts, Frame, Node
from kfp_notebook._engine.resolve import InputError, Inputs
from kfp_notebook._spec.types import IRDict

__all__ = ["collect_iterations", "dag_outputs", "iteration_inputs", "loop_items"]


def dag_outputs(frame: Frame) -> tuple[IRDict, Artifacts]:
    """The outputs a DAG declares, taken from the first producer that has them (OneOf)."""
    outputs = frame.component.get("dag", {}).get("outputs", {})
    params: IRDict = {}
    for name, spec in outputs.get("parameters", {}).items():
        selectors = (
            [spec["valueFromParameter"]]
            if "valueFromParameter" in spec
            else spec.get("valueFromOneof", {}).get("parameterSelectors", [])
        )
        for sel in selectors:
            producer = frame.children.get(sel["producerSubtask"])
            if producer and producer.state.ok and sel["outputParameterKey"] in producer.params:
                params[name] = producer.params[sel["outputParameterKey"]]
                break
    artifacts: Artifacts = {}
    for name, spec in outputs.get("artifacts", {}).items():
        for sel in spec.get("artifactSelectors", []):
            producer = frame.children.get(sel["producerSubtask"])
            if producer and producer.state.ok and sel["outputArtifactKey"] in producer.artifacts:
                artifacts[name] = producer.artifacts[sel["outputArtifactKey"]]
                break
    return params, artifacts


def collect_iterations(loop: Node) -> tuple[IRDict, Artifacts]:
    """dsl.Collected: each declared loop output as the list of the iterations' values."""
    declared = loop.component.get("outputDefinitions", {})
    done = [it for it in loop.iterations if it.state.ok]
    params = {
        name: [it.params[name] for it in done if name in it.params]
        for name in declared.get("parameters", {})
    }
    artifacts = {
        name: [a for it in done for a in it.artifacts.get(name, [])]
        for name in declared.get("artifacts", {})
    }
    return params, artifacts


def loop_items(loop: Node, inputs: Inputs) -> list[Any]:
    """The items a ParallelFor iterates over: a raw JSON list, a parameter or artifacts."""
    if "parameterIterator" in loop.task:
        items_spec = loop.task["parameterIterator"]["items"]
        if "raw" in items_spec:
            items = (
                json.loads(items_spec["raw"])
                if isinstance(items_spec["raw"], str)
                else (items_spec["raw"])
            )
        else:
            key = items_spec["inputParameter"]
            if key not in inputs.params:
                raise InputError(f"loop {loop.name!r}: its item list {key!r} has no value.")
            items = inputs.params[key]
            if isinstance(items, str):
                items = json.loads(items)
        if not isinstance(items, list):
            raise InputError(
                f"loop {loop.name!r} iterates over a {type(items).__name__}, not a list."
            )
        return items
    key = loop.task["artifactIterator"]["items"]["inputArtifact"]
    return [[a] for a in inputs.artifacts.get(key, [])]


def iteration_inputs(loop: Node, inputs: Inputs, item: Any) -> Inputs:
    params, artifacts = dict(inputs.params), dict(inputs.artifacts)
    if "parameterIterator" in loop.task:
        params[loop.task["parameterIterator"]["itemInput"]] = item
    else:
        artifacts[loop.task["artifactIterator"]["itemInput"]] = item
    return Inputs(params, artifacts)
