"""The graph of a pipeline before it runs, for the front doors: `kfp-notebook graph` and the
notebook's display. `static_graph(target)` reads a pipeline (a compiled file, a @dsl.pipeline
function, a component) into the engine's `PipelineGraph` and gives it in the two forms they
draw: the tasks in the one JSON shape (`TaskJSON`, all PENDING, as the run widget's graph
draws them) and Mermaid text (a `flowchart` that GitHub, GitLab, JupyterLab's Markdown and
mermaid.live draw; loops, conditions, exit handlers and nested pipelines as subgraphs)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kfp_notebook._engine.graph import GraphNode, PipelineGraph, pipeline_graph
from kfp_notebook._model.states import TaskKind, TaskState
from kfp_notebook._spec.ir import load_pipeline
from kfp_notebook._views.shape import TaskJSON

__all__ = ["StaticGraph", "graph_tasks", "mermaid", "static_graph"]

_GROUP_LABEL = {
    TaskKind.LOOP: "loop",
    TaskKind.CONDITION: "condition",
    TaskKind.EXIT_HANDLER: "exit handler",
    TaskKind.DAG: "pipeline",
}


@dataclass(frozen=True)
class StaticGraph:
    """A pipeline's graph before it runs: its name, its tasks (TaskJSON) and its Mermaid."""

    name: str
    tasks: list[TaskJSON]
    mermaid: str

    @property
    def leaf_count(self) -> int:
        return sum(1 for t in self.tasks if TaskKind(t["kind"]).is_leaf)


def static_graph(target: Any) -> StaticGraph:
    graph = pipeline_graph(load_pipeline(target))
    return StaticGraph(graph.name, graph_tasks(graph), mermaid(graph))


def graph_tasks(graph: PipelineGraph) -> list[TaskJSON]:
    """The graph's tasks as a run's would be before it starts: PENDING, no times; a group's
    note (a loop's items, a condition) as its message."""
    upstream: dict[str, list[str]] = {}
    for a, b in graph.edges:
        upstream.setdefault(b, []).append(a)
    return [
        {
            "task_id": n.task_id,
            "name": n.name,
            "parent_id": n.parent_id,
            "kind": n.kind,
            "component": n.component,
            "dependencies": upstream.get(n.task_id, []),
            "status": TaskState.PENDING,
            "started": None,
            "finished": None,
            "duration": None,
            "attempts": 0,
            "inputs": {},
            "outputs": {},
            "message": n.note,
            "cache_key": None,
            "artifacts": [],
        }
        for n in graph.nodes
    ]


def _label(text: str) -> str:
    """Mermaid label text: quotes and markup characters as entity codes."""
    return re.sub(r'["<>#]', lambda m: f"#{ord(m.group())};", text)


def mermaid(graph: PipelineGraph) -> str:
    ids: dict[str, str] = {}

    def node_id(task_id: str) -> str:
        if task_id not in ids:
            ids[task_id] = f"t{len(ids)}_" + re.sub(r"\W", "_", task_id)[-40:]
        return ids[task_id]

    out = ["flowchart TD", f"  %% {graph.name}: {len(graph.nodes)} task(s), before it runs"]

    def emit(parent: str | None, depth: int) -> None:
        pad = "  " * depth
        for node in graph.children(parent):
            if node.kind in _GROUP_LABEL:
                title = " · ".join(filter(None, [node.name, _GROUP_LABEL[node.kind], node.note]))
                out.append(f'{pad}subgraph {node_id(node.task_id)}["{_label(title)}"]')
                emit(node.task_id, depth + 1)
                out.append(f"{pad}end")
            else:
                out.append(f'{pad}{node_id(node.task_id)}["{_label(_title(node))}"]')

    emit(None, 1)
    out += [f"  {node_id(a)} --> {node_id(b)}" for a, b in graph.edges]
    return "\n".join(out) + "\n"


def _title(node: GraphNode) -> str:
    return node.name if node.kind is TaskKind.CONTAINER else f"{node.name} ({node.kind.value})"
