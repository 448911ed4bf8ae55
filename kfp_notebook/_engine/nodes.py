"""Runtime model of a run: task executions (nodes) inside DAG instances (frames)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kfp_notebook._model.states import TaskKind, TaskState
from kfp_notebook._spec.types import ComponentSpec, ExecutorSpec, IRDict, TaskSpec, upstream_names

__all__ = ["Frame", "Node", "node_kind"]

Artifacts = dict[str, list[IRDict]]


@dataclass(eq=False)
class Frame:
    """One instance of a DAG component: the root, a nested pipeline, a condition, an iteration."""

    id: str
    component: ComponentSpec
    params: IRDict
    artifacts: Artifacts
    owner: Node | None = None
    children: dict[str, Node] = field(default_factory=dict)
    pending: int = 0

    def child_id(self, name: str) -> str:
        return f"{self.id}/{name}" if self.id else name


@dataclass(eq=False)
class Node:
    """One task execution. Loop iterations are nodes too (kind 'iteration', owned by the loop)."""

    id: str
    name: str
    task: TaskSpec
    component_name: str
    component: ComponentSpec
    kind: TaskKind
    frame: Frame | None
    state: TaskState = TaskState.PENDING
    started: bool = False
    params: IRDict = field(default_factory=dict)
    artifacts: Artifacts = field(default_factory=dict)
    message: str = ""
    failure: bool = False
    fresh: bool = False
    child: Frame | None = None
    loop: Node | None = None
    iterations: list[Node] = field(default_factory=list)
    next_iteration: int = 0
    active_iterations: int = 0
    remaining_iterations: int = 0

    @property
    def upstream(self) -> list[str]:
        """Names of the tasks of the same DAG this one waits for."""
        return upstream_names(self.task)

    @property
    def is_leaf(self) -> bool:
        return self.kind.is_leaf

    @property
    def waits_for_completion(self) -> bool:
        """Exit handlers and ignore_upstream_failure tasks run after failed upstream tasks too."""
        strategy = self.task.get("triggerPolicy", {}).get("strategy", "")
        return bool(strategy == "ALL_UPSTREAM_TASKS_COMPLETED")

    @property
    def runs_after_failures(self) -> bool:
        """Exit handlers and ignore_upstream_failure tasks run after a failure elsewhere, and so
        does everything inside them (the tasks of an exit task that is a pipeline)."""
        current: Node | None = self
        while current is not None:
            if current.waits_for_completion:
                return True
            if current.loop is not None:
                current = current.loop
            else:
                current = current.frame.owner if current.frame is not None else None
        return False


def node_kind(
    task: TaskSpec, component: ComponentSpec, executors: dict[str, ExecutorSpec]
) -> TaskKind:
    if "dag" in component:
        if "parameterIterator" in task or "artifactIterator" in task:
            return TaskKind.LOOP
        name = task.get("taskInfo", {}).get("name", "")
        if name.startswith("condition-"):
            return TaskKind.CONDITION
        if name.startswith("exit-handler-"):
            return TaskKind.EXIT_HANDLER
        return TaskKind.DAG
    executor = executors.get(component.get("executorLabel", ""), {})
    if "importer" in executor:
        return TaskKind.IMPORTER
    if "container" in executor:
        return TaskKind.CONTAINER
    return TaskKind.UNSUPPORTED
