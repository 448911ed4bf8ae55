"""The one-task pipeline a spin runs, in KFP IR: the task's component, its parameters as the
pipeline's inputs and one importer per recorded input artifact.

An input that is a list of artifacts (`dsl.Collected` over a loop's outputs) is rebuilt the way
KFP IR builds such a list: a loop over the list's positions whose iteration imports the
artifact at its position (one importer per artifact, each gated by a condition on the
position), collected in order. Each importer carries its artifact's URI and metadata as
constants, so the list arrives exactly as recorded, values typed.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from kfp_notebook._spec.ir import PipelineIR
from kfp_notebook._spec.types import IRDict


def one_task_spec(
    source: PipelineIR,
    key: str,
    task_spec: IRDict,
    component: Any,
    executor: Any,
    params: dict[str, Any],
    artifacts: dict[str, Any],
) -> IRDict:
    """The pipeline of `key` alone: its parameters as the pipeline's inputs (a recorded value
    as the default), one importer (or a list of them) per recorded input artifact, and its
    outputs as the pipeline's."""
    comp_name, label = f"comp-{key}", f"exec-{key}"
    component["executorLabel"] = label
    definitions = component.get("inputDefinitions", {}).get("parameters", {})
    root_inputs: IRDict = {}
    bindings: IRDict = {}
    for name, definition in definitions.items():
        entry = {"parameterType": definition.get("parameterType", "STRING")}
        if name in params:
            entry.update(defaultValue=params[name], isOptional=True)
        elif "defaultValue" in definition or definition.get("isOptional"):
            continue  # the component's own default applies
        root_inputs[name] = entry
        bindings[name] = {"componentInputParameter": name}
    components: IRDict = {comp_name: component}
    executors: IRDict = {label: executor}
    tasks: IRDict = {}
    art_bindings: IRDict = {}
    for name, arts in artifacts.items():
        definition = component.get("inputDefinitions", {}).get("artifacts", {}).get(name, {})
        if definition.get("isArtifactList"):
            producer, key_out = _list_of_importers(name, arts, components, executors, tasks)
        else:
            producer, key_out = _importer(f"input-{name}"[:60], arts[0], components, executors)
            tasks[producer] = _importer_task(producer, arts[0])
        art_bindings[name] = {
            "taskOutputArtifact": {"producerTask": producer, "outputArtifactKey": key_out}
        }
    spun: IRDict = {
        "taskInfo": {"name": key},
        "componentRef": {"name": comp_name},
        "inputs": {"parameters": bindings, "artifacts": art_bindings},
    }
    if tasks:
        spun["dependentTasks"] = sorted(tasks)
    for option in ("retryPolicy",):
        if option in task_spec:
            spun[option] = task_spec[option]
    tasks[key] = spun
    root: IRDict = {"dag": {"tasks": tasks}}
    if root_inputs:
        root["inputDefinitions"] = {"parameters": root_inputs}
    _expose_outputs(root, key, component.get("outputDefinitions", {}))
    return {
        "pipelineInfo": {"name": f"{source.name}-spin-{key}"[:100]},
        "schemaVersion": source.spec.get("schemaVersion", "2.1.0"),
        "sdkVersion": source.spec.get("sdkVersion", "kfp-2.17.3"),
        "components": components,
        "deploymentSpec": {"executors": executors},
        "root": root,
    }


def _importer(key: str, art: IRDict, components: IRDict, executors: IRDict) -> tuple[str, str]:
    """An importer component and executor for `art` (its URI and metadata as constants)."""
    imp_comp, imp_exec = f"comp-{key}", f"exec-{key}"
    art_type = art.get("type") or {"schemaTitle": "system.Artifact"}
    components[imp_comp] = {
        "executorLabel": imp_exec,
        "inputDefinitions": {
            "parameters": {
                "uri": {"parameterType": "STRING"},
                "position": {"parameterType": "NUMBER_INTEGER", "isOptional": True},
            }
        },
        "outputDefinitions": {"artifacts": {"artifact": {"artifactType": art_type}}},
    }
    executors[imp_exec] = {
        "importer": {
            "artifactUri": {"constant": art["uri"]},
            "typeSchema": art_type,
            "metadata": art.get("metadata") or {},
        }
    }
    return key, "artifact"


def _importer_task(key: str, art: IRDict) -> IRDict:
    return {
        "taskInfo": {"name": key},
        "componentRef": {"name": f"comp-{key}"},
        "inputs": {"parameters": {"uri": {"runtimeValue": {"constant": art["uri"]}}}},
    }


def _list_of_importers(
    name: str, arts: list[IRDict], components: IRDict, executors: IRDict, tasks: IRDict
) -> tuple[str, str]:
    """A loop over the positions of `arts` whose iteration at position j imports arts[j]
    (importer j runs only there), collected: the list input, in its recorded order."""
    loop_key = f"input-{name}"[:50]
    item = "pipelinechannel--position"
    picks: IRDict = {}
    for j, art in enumerate(arts):
        key, _ = _importer(f"{loop_key}-{j}", art, components, executors)
        pick = _importer_task(key, art)
        pick["inputs"]["parameters"]["position"] = {"componentInputParameter": item}
        pick["triggerPolicy"] = {"condition": f"int(inputs.parameter_values['position']) == {j}"}
        picks[key] = pick
    art_type = (arts[0].get("type") if arts else None) or {"schemaTitle": "system.Artifact"}
    selectors = [{"producerSubtask": key, "outputArtifactKey": "artifact"} for key in picks]
    components[f"comp-{loop_key}"] = {
        "dag": {"tasks": picks, "outputs": {"artifacts": {name: {"artifactSelectors": selectors}}}},
        "inputDefinitions": {"parameters": {item: {"parameterType": "NUMBER_INTEGER"}}},
        "outputDefinitions": {
            "artifacts": {name: {"artifactType": art_type, "isArtifactList": True}}
        },
    }
    tasks[loop_key] = {
        "taskInfo": {"name": loop_key},
        "componentRef": {"name": f"comp-{loop_key}"},
        "parameterIterator": {
            "itemInput": item,
            "items": {"raw": json.dumps(list(range(len(arts))))},
        },
    }
    return loop_key, name


def _expose_outputs(root: IRDict, key: str, outputs: IRDict) -> None:
    """The spun task's outputs as the pipeline's, so the spin's run has `.output(s)`."""
    if not outputs:
        return
    root["outputDefinitions"] = copy.deepcopy(outputs)
    dag_outputs: IRDict = {}
    params = outputs.get("parameters", {})
    if params:
        dag_outputs["parameters"] = {
            name: {"valueFromParameter": {"producerSubtask": key, "outputParameterKey": name}}
            for name in params
        }
    arts = outputs.get("artifacts", {})
    if arts:
        dag_outputs["artifacts"] = {
            name: {"artifactSelectors": [{"producerSubtask": key, "outputArtifactKey": name}]}
            for name in arts
        }
    root["dag"]["outputs"] = dag_outputs
