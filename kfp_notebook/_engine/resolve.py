"""Data flow between tasks: resolving a task's inputs, a DAG's outputs and a loop's items,
and the KFP executor contract (executor input in, executor output back)."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kfp_notebook._engine.nodes import Artifacts, Frame, Node
from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._spec.cel import evaluate_selector
from kfp_notebook._spec.params import coerce
from kfp_notebook._spec.placeholders import RunContext, runtime_constant
from kfp_notebook._spec.types import IRDict

__all__ = [
    "InputError",
    "Inputs",
    "build_executor_input",
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


# The producer's state as the backend reports it: its ML Metadata execution state
# (backend/src/v2/driver/resolve.go, TaskFinalStatus case; a task not triggered is CANCELED).
_MLMD_STATE = {
    "SUCCEEDED": "COMPLETE",
    "CACHED": "CACHED",
    "FAILED": "FAILED",
    "CANCELLED": "CANCELED",
    "SKIPPED": "CANCELED",
}


def _final_status(producer: Node, context: RunContext) -> IRDict:
    """dsl.PipelineTaskFinalStatus as the backend's driver fills it: the task name is the
    producer's key in its DAG (an exit handler's `exit-handler-1`, whatever its display name),
    as the backend's executions record it. Its `error` is left empty there (a TODO in the
    driver), so error_code and error_message arrive as None; why a task failed is in its record
    and its log."""
    return {
        "state": _MLMD_STATE.get(producer.state.value, producer.state.value),
        "pipelineJobResourceName": context.run_id,
        "pipelineTaskName": producer.name,
        "error": {},
    }


def _why_missing(frame: Frame, producer_name: str, key: str) -> str:
    producer = frame.children[producer_name]
    if not producer.state.ok:
        return f"upstream task {producer_name!r} ended {producer.state.value}"
    return f"upstream task {producer_name!r} produced no output {key!r}"


def resolve_inputs(node: Node, frame: Frame, context: RunContext) -> Inputs:
    """Values for every input of `node`, with defaults applied and types checked.

    An input bound to an enclosing DAG's input that has no value, or a null one, is not passed
    (backend/src/v2/driver/resolve.go: ErrResolvedParameterNull): the task's own default
    applies. A nested DAG gets its declared default for every input not passed to it, else a
    null, so along a chain of nested pipelines a value passed at any level wins, otherwise the
    innermost declared default."""
    params: IRDict = {}
    missing: dict[str, str] = {}
    for name, spec in node.task.get("inputs", {}).get("parameters", {}).items():
        present, value = False, None
        if "componentInputParameter" in spec:
            key = spec["componentInputParameter"]
            value = frame.params.get(key)
            present = value is not None
            if not frame.id and isinstance(value, str) and value.startswith("{{$."):
                # a component called alone is compiled with its inputs' defaults on the root,
                # so a `dsl.PIPELINE_*_PLACEHOLDER` default arrives here: fill it as the task's
                value = runtime_constant(value, context, node.name, node.id)
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
            value = spec["runtimeValue"].get("constant")
            present, value = True, runtime_constant(value, context, node.name, node.id)
        elif "taskFinalStatus" in spec:
            producer = frame.children[spec["taskFinalStatus"]["producerTask"]]
            present, value = True, _final_status(producer, context)
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
        return Inputs(_dag_defaults(node, params), artifacts)
    return Inputs(
        _apply_definitions(node, params, missing, context),
        _check_artifacts(node, artifacts, missing),
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


def _apply_definitions(
    node: Node, params: IRDict, missing: dict[str, str], context: RunContext
) -> IRDict:
    """A task's declared defaults for the inputs it was not given, then types checked. A
    run-time placeholder as a default (`job: str = dsl.PIPELINE_JOB_NAME_PLACEHOLDER` in the
    signature) is filled as if it had been passed, as kfp.local fills every string of the
    executor input (kfp/local/placeholder_utils.py, resolve_self_references_in_executor_input)."""
    definitions = node.component.get("inputDefinitions", {}).get("parameters", {})
    for name, definition in definitions.items():
        if name not in params:
            if "defaultValue" in definition:
                default = definition["defaultValue"]
                params[name] = runtime_constant(default, context, node.name, node.id)
            elif not definition.get("isOptional"):
                why = missing.get(name, "nothing was passed to it")
                raise InputError(f"task {node.name!r}: input {name!r} has no value ({why}).")
        if name in params and definition.get("parameterType"):
            try:
                params[name] = coerce(params[name], definition["parameterType"])
            except KfpNotebookError as exc:
                raise InputError(f"task {node.name!r}: input {name!r}: {exc}") from None
    return params


def _dag_defaults(node: Node, params: IRDict) -> IRDict:
    """A DAG's inputs not passed to it: the declared default, else null (the DAG driver's rule
    in backend/src/v2/driver/resolve.go). A loop's item input comes with each iteration. An
    input of a group the compiler made (a condition's or a loop's channel) is never optional;
    null goes on there too, so the tasks inside fall back to their own defaults."""
    definitions = node.component.get("inputDefinitions", {}).get("parameters", {})
    item = node.task.get("parameterIterator", {}).get("itemInput")
    for name, definition in definitions.items():
        if name in params or name == item:
            continue
        if "defaultValue" in definition:
            params[name] = coerce(definition["defaultValue"], definition.get("parameterType", ""))
        else:
            params[name] = None
    return params


def _check_artifacts(node: Node, artifacts: Artifacts, missing: dict[str, str]) -> Artifacts:
    definitions = node.component.get("inputDefinitions", {}).get("artifacts", {})
    for name, definition in definitions.items():
        if name not in artifacts and not definition.get("isOptional"):
            why = missing.get(name, "nothing was passed to it")
            raise InputError(f"task {node.name!r}: input artifact {name!r} is missing ({why}).")
    return artifacts


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
            if got[0].get("name"):  # `return dsl.Dataset(name=...)`: kept, as kfp.local does;
                merged["name"] = got[0]["name"]  # the output keeps the IR's name (`Output`)
            if got[0].get("custom_path"):
                _upload(name, Path(got[0]["custom_path"]), merged["uri"])
        artifacts[name] = [merged]
    return params, artifacts


def _upload(name: str, written: Path, uri: str) -> None:
    """An output written to a custom path (`Artifact.set_path`) is copied to its URI, as the
    backend's launcher uploads it from there (backend/src/v2/component/launcher_v2.go,
    retrieveArtifactPath), so consumers read it from the artifact like any other."""
    if "://" in uri:
        return
    target = Path(uri)
    if written.resolve() == target.resolve():
        return
    if not written.exists():
        raise OSError(
            f"output artifact {name!r} was written to its custom path {written}, which does not "
            "exist on this machine (with the Docker runner it stays inside the container)."
        )
    if written.is_dir():
        shutil.copytree(written, target, dirs_exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(written, target)
