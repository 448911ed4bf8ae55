"""Data flow between tasks: resolving a task's inputs, a DAG's outputs and a loop's items,
and the KFP executor contract (executor input in, executor output back)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kfp_notebook._engine.nodes import Artifacts, Frame, Node
from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._spec.cel import evaluate_selector
from kfp_notebook._spec.params import coerce
from kfp_notebook._spec.types import IRDict

__all__ = [
    "InputError",
    "Inputs",
    "build_executor_input",
    "dag_outputs",
    "loop_items",
    "read_executor_output",
    "resolve_inputs",
]

EXECUTOR_OUTPUT = "executor_output.json"


class InputError(KfpNotebookError):
    """A task input has no value (upstream skipped or missing output) or the wrong type."""


@dataclass
class Inputs:
    params: IRDict
    artifacts: Artifacts


def _final_status(producer: Node, run_id: str) -> IRDict:
    state = {"SUCCEEDED": "SUCCEEDED", "CACHED": "SUCCEEDED", "SKIPPED": "SUCCEEDED"}.get(
        producer.state.value, producer.state.value
    )
    return {
        "state": state,
        "pipelineJobResourceName": run_id,
        "pipelineTaskName": producer.name,
        "error": {} if state == "SUCCEEDED" else {"code": 1, "message": producer.message},
    }


def _why_missing(frame: Frame, producer_name: str, key: str) -> str:
    producer = frame.children[producer_name]
    if not producer.state.ok:
        return f"upstream task {producer_name!r} ended {producer.state.value}"
    return f"upstream task {producer_name!r} produced no output {key!r}"


def resolve_inputs(node: Node, frame: Frame, run_id: str) -> Inputs:
    """Values for every input of `node`, with defaults applied and types checked."""
    params: IRDict = {}
    missing: dict[str, str] = {}
    for name, spec in node.task.get("inputs", {}).get("parameters", {}).items():
        present, value = False, None
        if "componentInputParameter" in spec:
            key = spec["componentInputParameter"]
            present, value = key in frame.params, frame.params.get(key)
            if not present:
                missing[name] = f"the enclosing DAG has no value for {key!r}"
        elif "taskOutputParameter" in spec:
            ref = spec["taskOutputParameter"]
            producer = frame.children[ref["producerTask"]]
            key = ref["outputParameterKey"]
            present = producer.state.ok and key in producer.params
            value = producer.params.get(key)
            if not present:
                missing[name] = _why_missing(frame, ref["producerTask"], key)
        elif "runtimeValue" in spec:
            present, value = True, spec["runtimeValue"].get("constant")
        elif "taskFinalStatus" in spec:
            producer = frame.children[spec["taskFinalStatus"]["producerTask"]]
            present, value = True, _final_status(producer, run_id)
        if present and spec.get("parameterExpressionSelector"):
            value = evaluate_selector(spec["parameterExpressionSelector"], value)
        if present:
            params[name] = value
    _fill_fstrings(params)
    artifacts: Artifacts = {}
    for name, spec in node.task.get("inputs", {}).get("artifacts", {}).items():
        if "taskOutputArtifact" in spec:
            ref = spec["taskOutputArtifact"]
            producer = frame.children[ref["producerTask"]]
            key = ref["outputArtifactKey"]
            if producer.state.ok and key in producer.artifacts:
                artifacts[name] = producer.artifacts[key]
            else:
                missing[name] = _why_missing(frame, ref["producerTask"], key)
        elif "componentInputArtifact" in spec:
            key = spec["componentInputArtifact"]
            if key in frame.artifacts:
                artifacts[name] = frame.artifacts[key]
            else:
                missing[name] = f"the enclosing DAG has no artifact {key!r}"
    if not node.is_leaf:
        return Inputs(params, artifacts)
    return Inputs(
        _apply_definitions(node, params, missing), _check_artifacts(node, artifacts, missing)
    )


_CHANNEL = re.compile(r"\{\{\$\.inputs\.parameters\['([^']+)'\]\}\}")


def _fill_fstrings(params: IRDict) -> None:
    """Constants holding input placeholders (f-strings, lists of task outputs) get the values;
    a placeholder that is a whole element keeps the value's type."""

    def fill(value: Any) -> Any:
        if isinstance(value, str) and "{{$.inputs.parameters[" in value:
            whole = _CHANNEL.fullmatch(value)
            if whole and whole.group(1) in params:
                return params[whole.group(1)]
            return _CHANNEL.sub(lambda m: _as_text(params.get(m.group(1), m.group(0))), value)
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    for name, value in list(params.items()):
        params[name] = fill(value)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _apply_definitions(node: Node, params: IRDict, missing: dict[str, str]) -> IRDict:
    definitions = node.component.get("inputDefinitions", {}).get("parameters", {})
    for name, definition in definitions.items():
        if name not in params:
            if "defaultValue" in definition:
                params[name] = definition["defaultValue"]
            elif not definition.get("isOptional"):
                why = missing.get(name, "nothing was passed to it")
                raise InputError(f"task {node.name!r}: input {name!r} has no value ({why}).")
        if name in params and definition.get("parameterType"):
            try:
                params[name] = coerce(params[name], definition["parameterType"])
            except KfpNotebookError as exc:
                raise InputError(f"task {node.name!r}: input {name!r}: {exc}") from None
    return params


def _check_artifacts(node: Node, artifacts: Artifacts, missing: dict[str, str]) -> Artifacts:
    definitions = node.component.get("inputDefinitions", {}).get("artifacts", {})
    for name, definition in definitions.items():
        if name not in artifacts and not definition.get("isOptional"):
            why = missing.get(name, "nothing was passed to it")
            raise InputError(f"task {node.name!r}: input artifact {name!r} is missing ({why}).")
    return artifacts


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


def build_executor_input(node: Node, inputs: Inputs, task_dir: Path) -> IRDict:
    """KFP's ExecutorInput (JSON form) with output URIs inside the task folder."""
    outputs = node.component.get("outputDefinitions", {})
    return {
        "inputs": {
            "parameterValues": inputs.params,
            "artifacts": {name: {"artifacts": arts} for name, arts in inputs.artifacts.items()},
        },
        "outputs": {
            "parameters": {
                name: {"outputFile": str(task_dir / name)} for name in outputs.get("parameters", {})
            },
            "artifacts": {
                name: {
                    "artifacts": [
                        {
                            "name": name,
                            "uri": str(task_dir / name),
                            "metadata": {},
                            "type": spec.get("artifactType", {"schemaTitle": "system.Artifact"}),
                        }
                    ]
                }
                for name, spec in outputs.get("artifacts", {}).items()
            },
            "outputFile": str(task_dir / EXECUTOR_OUTPUT),
        },
    }


def read_executor_output(node: Node, executor_input: IRDict) -> tuple[IRDict, Artifacts]:
    """Outputs a finished task produced: the executor output file, else the output files."""
    outputs = executor_input["outputs"]
    path = Path(outputs["outputFile"])
    written: IRDict = {}
    if path.exists():
        written = json.loads(path.read_text(encoding="utf-8") or "{}")
    declared = node.component.get("outputDefinitions", {}).get("parameters", {})
    params: IRDict = dict(written.get("parameterValues", {}))
    for name, spec in outputs.get("parameters", {}).items():
        out_file = Path(spec["outputFile"])
        if name not in params and out_file.is_file():
            text = out_file.read_text(encoding="utf-8")
            kind = declared.get(name, {}).get("parameterType", "STRING")
            params[name] = text if kind == "STRING" else json.loads(text)
    for name in list(params):
        kind = declared.get(name, {}).get("parameterType")
        if kind:
            params[name] = coerce(params[name], kind)
    artifacts: Artifacts = {}
    for name, spec in outputs.get("artifacts", {}).items():
        declared_art = spec["artifacts"][0]
        got = written.get("artifacts", {}).get(name, {}).get("artifacts", [])
        merged = dict(declared_art)
        if got:
            merged.update({k: v for k, v in got[0].items() if k in ("uri", "metadata")})
        artifacts[name] = [merged]
    return params, artifacts
