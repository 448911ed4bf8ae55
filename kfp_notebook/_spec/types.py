"""Typed views of the parts of KFP IR (`pipeline_spec.proto`, as JSON) that the engine reads.

The IR stays the plain dicts parsed from the YAML text (so ints stay ints, and fields a newer
KFP adds pass through); these TypedDicts name the fields we read, so mypy checks their use."""

from typing import Any

from typing_extensions import TypedDict

__all__ = [
    "ComponentSpec",
    "ContainerSpec",
    "DagSpec",
    "ExecutorSpec",
    "IRDict",
    "ImporterSpec",
    "PipelineSpec",
    "TaskSpec",
    "upstream_names",
]

IRDict = dict[str, Any]  # any other IR message, as parsed JSON


class ContainerSpec(TypedDict, total=False):
    image: str
    command: list[Any]
    args: list[Any]
    env: list[IRDict]
    resources: IRDict


class ImporterSpec(TypedDict, total=False):
    artifactUri: IRDict
    typeSchema: IRDict
    metadata: IRDict
    reimport: bool


class ExecutorSpec(TypedDict, total=False):
    container: ContainerSpec
    importer: ImporterSpec


class TaskSpec(TypedDict, total=False):
    taskInfo: IRDict
    componentRef: IRDict
    inputs: IRDict
    dependentTasks: list[str]
    triggerPolicy: IRDict
    parameterIterator: IRDict
    artifactIterator: IRDict
    iteratorPolicy: IRDict
    retryPolicy: IRDict
    cachingOptions: IRDict


class DagSpec(TypedDict, total=False):
    tasks: dict[str, TaskSpec]
    outputs: IRDict


class ComponentSpec(TypedDict, total=False):
    inputDefinitions: IRDict
    outputDefinitions: IRDict
    dag: DagSpec
    executorLabel: str


class PipelineSpec(TypedDict, total=False):
    pipelineInfo: IRDict
    root: ComponentSpec
    components: dict[str, ComponentSpec]
    deploymentSpec: IRDict
    schemaVersion: str
    sdkVersion: str


def upstream_names(task: TaskSpec) -> list[str]:
    """Names of the tasks of the same DAG a task waits for: its `dependentTasks` and the
    producers of its inputs (outputs, and a final status), in that order, each once."""
    names = dict.fromkeys(task.get("dependentTasks", []))
    for kind in ("parameters", "artifacts"):
        for spec in task.get("inputs", {}).get(kind, {}).values():
            for key in ("taskOutputParameter", "taskOutputArtifact", "taskFinalStatus"):
                if key in spec:
                    names[spec[key]["producerTask"]] = None
    return list(names)
