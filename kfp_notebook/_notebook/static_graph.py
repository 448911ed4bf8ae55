"""The graph of a pipeline before it runs, in a notebook: `kfp_notebook.graph(target)` (a
compiled file, a @dsl.pipeline function, a component), `kfp_notebook.dry_run(...)` in a kernel,
and a @dsl.pipeline function itself once `%load_ext kfp_notebook` (or `kfp_notebook.init()` in a
kernel) ran, display as the graph widget (`graph_widget.py`). The same output carries the graph
as Mermaid (text/markdown: JupyterLab, GitHub and nbconvert draw it where no widget is) and as
text; outside a kernel only those two."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kfp_notebook._api.graph import StaticGraph, static_graph
from kfp_notebook._api.kernel import in_kernel
from kfp_notebook._engine.dryrun import DryRunReport
from kfp_notebook._views.graph_page import graph_page

__all__ = ["NotebookDryRun", "PipelineGraph", "graph", "install_display"]


def _bundle(found: StaticGraph, text: str) -> dict[str, Any]:
    """The graph widget (in a kernel), its Mermaid as Markdown and `text`."""
    data: dict[str, Any] = {}
    if in_kernel():  # the widget stack loads in a kernel only
        from kfp_notebook._notebook.graph_widget import GraphWidget

        shown: Any = GraphWidget(found)._repr_mimebundle_() or {}
        data.update(shown[0] if isinstance(shown, tuple) else shown)
    data["text/markdown"] = f"```mermaid\n{found.mermaid}```\n"
    data["text/plain"] = text
    return data


class PipelineGraph:
    """`kfp_notebook.graph(target)`: displayed, the graph; `.mermaid` its Mermaid text,
    `.tasks` its tasks (TaskJSON), `.html()` the self-contained page `kfp-notebook graph`
    writes, `.save(path)` either by the file's suffix (.html/.htm: the page)."""

    def __init__(self, found: StaticGraph) -> None:
        self.graph = found
        self.name = found.name
        self.tasks = found.tasks
        self.mermaid = found.mermaid

    def __repr__(self) -> str:
        return f"<PipelineGraph {self.name}: {self.graph.leaf_count} task(s)>"

    def html(self) -> str:
        return graph_page(self.name, self.tasks, f"{self.graph.leaf_count} task(s) before it runs")

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Writes the page (.html, .htm) or the Mermaid (any other suffix) to `path`."""
        out = Path(path)
        page = out.suffix.lower() in (".html", ".htm")
        out.write_text(self.html() if page else self.mermaid, encoding="utf-8")
        return out

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return _bundle(self.graph, repr(self))


def graph(target: Any) -> PipelineGraph:
    """The graph of `target` (a compiled file, a @dsl.pipeline function, a component) before
    it runs; nothing runs."""
    return PipelineGraph(static_graph(target))


class NotebookDryRun(DryRunReport):
    """`kfp_notebook.dry_run(...)` in a kernel: the same report, displayed with its graph."""

    graph: StaticGraph | None = None

    @classmethod
    def of(cls, report: DryRunReport, target: Any) -> NotebookDryRun:
        found = cls(report.pipeline_name, report.arguments, report.tasks)
        found.graph = static_graph(target)
        return found

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        if self.graph is None:
            return {"text/plain": str(self)}
        return _bundle(self.graph, str(self))


def _pipeline_bundle(pipeline: Any) -> dict[str, Any] | None:
    """A @dsl.pipeline function's display: its graph (None: IPython's usual repr)."""
    try:
        found = static_graph(pipeline)
    except Exception:  # a pipeline KFP cannot compile shows as before; calling it says why
        return None
    return _bundle(found, repr(pipeline))


def install_display(ipython: Any) -> None:
    """From now on, a @dsl.pipeline function displayed in this kernel draws its graph."""
    formatter = ipython.display_formatter.mimebundle_formatter
    # by name: KFP's DSL is not imported until a pipeline function exists
    formatter.for_type_by_name("kfp.dsl.graph_component", "GraphComponent", _pipeline_bundle)
