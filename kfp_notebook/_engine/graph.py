"""The graph of a pipeline before it runs, from its IR: every task (groups such as loops,
conditions, exit handlers and nested pipelines holding theirs) and the edges between tasks of
one DAG (`dependentTasks` and the producers of their inputs). `kfp-notebook graph` writes it
as Mermaid; task ids are those a run will record."""

from __future__ import annotations

from dataclasses import dataclass, field

from kfp_notebook._engine.nodes import node_kind
from kfp_notebook._model.states import TaskKind
from kfp_notebook._spec.ir import PipelineIR
from kfp_notebook._spec.types import ComponentSpec, TaskSpec, upstream_names

__all__ = ["GraphNode", "PipelineGraph", "pipeline_graph"]


@dataclass(frozen=True)
class GraphNode:
    task_id: str  # as a run records it: outer/inner for tasks of groups
    name: str
    kind: TaskKind
    parent_id: str | None
    note: str = ""  # a loop's items, a condition
    component: str = ""  # the componentRef's name (comp-train)


@dataclass
class PipelineGraph:
    name: str
    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)  # (upstream, downstream) ids

    def children(self, parent_id: str | None) -> list[GraphNode]:
        return [n for n in self.nodes if n.parent_id == parent_id]


def _note(task: TaskSpec, kind: TaskKind) -> str:
    if kind is TaskKind.LOOP:
        items = task.get("parameterIterator", task.get("artifactIterator", {})).get("items", {})
        return f"for each of {items.get('raw') or next(iter(items.values()), '')}"
    condition = task.get("triggerPolicy", {}).get("condition")
    return f"if {condition}" if condition else ""


def pipeline_graph(ir: PipelineIR) -> PipelineGraph:
    graph = PipelineGraph(ir.name)
    executors = ir.executors

    def walk(component: ComponentSpec, parent: str | None) -> None:
        tasks = component.get("dag", {}).get("tasks", {})
        prefix = f"{parent}/" if parent else ""
        for name, task in tasks.items():
            child = ir.component(task["componentRef"]["name"])
            kind = node_kind(task, child, executors)
            task_id = prefix + name
            note, ref = _note(task, kind), task["componentRef"]["name"]
            graph.nodes.append(GraphNode(task_id, name, kind, parent, note, ref))
            for upstream in sorted(upstream_names(task)):
                if upstream in tasks:
                    graph.edges.append((prefix + upstream, task_id))
            if "dag" in child:
                walk(child, task_id)

    walk(ir.root, None)
    return graph
