"""The run's task tree as events: nodes made from a DAG's task specs, each announced once
(`TaskCreated`), and the tasks inside a group that will not run recorded rather than dropped."""

from __future__ import annotations

from kfp_notebook._engine.nodes import Frame, Node, node_kind
from kfp_notebook._model.events import EventBus, TaskCreated, TaskFinished
from kfp_notebook._model.states import TaskState
from kfp_notebook._spec.ir import PipelineIR
from kfp_notebook._spec.types import TaskSpec

__all__ = ["TaskTree"]


class TaskTree:
    """Makes the nodes of one run and emits their creation; used by the scheduler thread only."""

    def __init__(self, ir: PipelineIR, run_id: str, bus: EventBus) -> None:
        self.ir, self.run_id, self.bus = ir, run_id, bus
        self._executors = ir.executors

    def node(self, node_id: str, name: str, task: TaskSpec, frame: Frame | None) -> Node:
        comp_name = task["componentRef"]["name"]
        component = self.ir.component(comp_name)
        return Node(
            id=node_id,
            name=name,
            task=task,
            component_name=comp_name,
            component=component,
            kind=node_kind(task, component, self._executors),
            frame=frame,
        )

    def created(self, node: Node, parent_id: str | None) -> None:
        self.bus.emit(
            TaskCreated(
                self.run_id,
                node.id,
                node.name,
                parent_id,
                node.kind,
                node.component_name,
                tuple(node.upstream),
            )
        )

    def record_skipped_subtree(self, node: Node, state: TaskState, message: str) -> None:
        """Tasks inside a DAG that will not run are recorded (as `state`), not dropped."""
        for name, task in node.component.get("dag", {}).get("tasks", {}).items():
            child = self.node(f"{node.id}/{name}", name, task, frame=None)
            self.created(child, node.id)
            if child.kind.is_group:
                self.record_skipped_subtree(child, state, message)
            self.bus.emit(TaskFinished(self.run_id, child.id, state, {}, message))
