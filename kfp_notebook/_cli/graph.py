"""`kfp-notebook graph FILE`: a compiled pipeline's graph before it runs, as Mermaid (a
`flowchart` that GitHub, GitLab, JupyterLab's Markdown and mermaid.live draw): a task per node,
loops, conditions, exit handlers and nested pipelines as subgraphs holding their tasks."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kfp_notebook._model.states import TaskKind

if TYPE_CHECKING:  # the engine's modules load when the command runs, not with the CLI
    from kfp_notebook._engine.graph import GraphNode, PipelineGraph

__all__ = ["graph", "mermaid"]

_GROUP_LABEL = {
    TaskKind.LOOP: "loop",
    TaskKind.CONDITION: "condition",
    TaskKind.EXIT_HANDLER: "exit handler",
    TaskKind.DAG: "pipeline",
}


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


def graph(args: argparse.Namespace) -> int:
    from kfp_notebook._engine.graph import pipeline_graph
    from kfp_notebook._spec.ir import load_pipeline

    text = mermaid(pipeline_graph(load_pipeline(args.pipeline)))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote the graph of {args.pipeline} to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
