"""A self-contained HTML page drawing a pipeline's graph before it runs, with the run widget's
own renderer: the built `static/graph-page.js` (the widget's task graph and its layout engine,
about 1.5 MB) and `static/widget.css` inlined, the tasks as JSON in the page. It loads nothing
from the network and opens from a file:// URL. `kfp-notebook graph FILE -o page.html` writes it."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._views.shape import TaskJSON
from kfp_notebook._views.widget_bundle import STATIC, STYLE

__all__ = ["PAGE_SCRIPT", "graph_page"]

PAGE_SCRIPT = STATIC / "graph-page.js"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="kfp-notebook graph">
<title>@TITLE@ · pipeline graph</title>
<style>
body { margin: 16px; font-family: sans-serif; }
h1 { font-size: 16px; margin: 0 0 4px; }
.kfpnb-graph-meta { color: #6b7280; font-size: 12px; margin-bottom: 8px; }
</style>
<style>@STYLE@</style>
</head>
<body>
<h1>@TITLE@</h1>
<div class="kfpnb-graph-meta">@META@</div>
<div class="kfpnb-root" data-kfpnb-graph>
<script type="application/json">@DATA@</script>
</div>
<script>@SCRIPT@</script>
</body>
</html>
"""


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        raise KfpNotebookError(
            f"the graph page's front end is not built ({path} is missing): run `jlpm build:prod` "
            "in the source tree, or install kfp-notebook from a wheel"
        ) from None


def _json_in_html(value: object) -> str:
    """JSON that cannot end its <script> element early."""
    text = json.dumps(value, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def graph_page(name: str, tasks: list[TaskJSON], meta: str = "") -> str:
    script = re.sub(r"</(script)", r"<\\/\1", _read(PAGE_SCRIPT), flags=re.IGNORECASE)
    parts = {
        "@TITLE@": html.escape(name or "pipeline"),
        "@META@": html.escape(meta),
        "@STYLE@": re.sub(r"</(style)", r"<\\/\1", _read(STYLE), flags=re.IGNORECASE),
        "@DATA@": _json_in_html({"name": name, "tasks": tasks}),
        "@SCRIPT@": script,
    }
    return re.sub("|".join(parts), lambda m: parts[m.group()], _PAGE)
