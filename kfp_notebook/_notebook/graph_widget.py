"""The notebook's graph widget: the run widget's task graph drawn once, before the pipeline
runs, from the bundle the run widget loads (its `renderGraphWidget` export; the run widget's
loader, served by the server extension, else sent by the kernel as the standalone bundle)."""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets

from kfp_notebook._api.graph import StaticGraph
from kfp_notebook._notebook.widget_code import LOADER, bundle_source
from kfp_notebook._views.widget_bundle import STYLE, bundle_digest

__all__ = ["GraphWidget", "graph_loader"]

_RENDER = "return mod.default.render(props);"
_NOTE = "re-display the run with %kfp show RUN_ID."


def graph_loader() -> str:
    """The run widget's loader (server bundle, else the kernel's standalone bundle), drawing
    the static graph instead of a run."""
    if _RENDER not in LOADER or _NOTE not in LOADER:
        raise RuntimeError("the run widget's loader changed: update static_graph.graph_loader")
    return (
        LOADER.replace("@DIGEST@", bundle_digest())
        .replace(_RENDER, "return mod.renderGraphWidget(props);")
        .replace(_NOTE, "re-display it with kfp_notebook.graph(...).")
    )


class GraphWidget(anywidget.AnyWidget):
    """A pipeline's tasks, loops, conditions and nested pipelines, before it runs."""

    _esm = graph_loader()
    _css = STYLE

    name = traitlets.Unicode("").tag(sync=True)
    tasks: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)

    def __init__(self, found: StaticGraph, **kwargs: Any) -> None:
        super().__init__(name=found.name, tasks=[dict(t) for t in found.tasks], **kwargs)
        self.on_msg(self._message)

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("action") == "esm":
            self.send({"kind": "esm", "source": bundle_source()})
