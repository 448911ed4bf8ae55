"""The comparison widget: an anywidget whose synced traits hold a `ComparisonJSON` (and a
`TrendJSON`), drawn by the shared comparison view (`static/compare.js`, a bundle of its own
without the run widget's graph layout). `NotebookComparison` is the `Comparison` that
`kfp_notebook.compare(...)` and `%kfp compare` return in a kernel: it displays this widget, with
the static HTML of `_repr_html_` in the same output for front ends without widgets."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from kfp_notebook._views.compare.comparison import Comparison

__all__ = ["CompareWidget", "NotebookComparison"]

_STATIC = Path(__file__).parent.parent / "static"


class CompareWidget(anywidget.AnyWidget):
    """2 to 10 runs side by side: tables, ROC curves, confusion matrices, documents, trend."""

    _esm = _STATIC / "compare.js"
    _css = _STATIC / "compare.css"

    comparison = traitlets.Dict().tag(sync=True)
    trend = traitlets.Dict().tag(sync=True)

    def __init__(self, comparison: Comparison, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        with self.hold_sync():
            self.comparison = dict(comparison.data)
            self.trend = dict(comparison.trend) if comparison.trend is not None else {}


class NotebookComparison(Comparison):
    """A `Comparison` that shows itself as a widget in a kernel (`to_pandas()` and the other
    exports are the same), and under it the line that re-displays it: a notebook saved without
    widget state shows "model not found" in JupyterLab instead of the widget."""

    def _ipython_display_(self) -> None:
        from IPython.display import display

        widget = CompareWidget(self)
        found: Any = widget._repr_mimebundle_() or {}
        bundle: dict[str, Any] = dict(found[0] if isinstance(found, tuple) else found)
        bundle["text/html"] = self._repr_html_()  # for front ends without widgets
        bundle["text/plain"] = repr(self)
        display(bundle, raw=True)
        command = html.escape(self.redisplay_command())
        display(
            {
                "text/plain": f"re-display this comparison with {self.redisplay_command()}",
                "text/html": '<div class="kfpc-hint" style="color:#6b7280;font-size:11px">'
                f"re-display this comparison with <code>{command}</code></div>",
            },
            raw=True,
        )

    def redisplay_command(self) -> str:
        """The magic that shows this comparison again (a saved notebook keeps no widget)."""
        if self.trend is not None:
            t = self.trend
            last = len(self.data["runs"])
            return (
                f"%kfp compare --experiment {t['experiment']} --last {last} --trend {t['metric']}"
            )
        return "%kfp compare " + " ".join(self.run_ids)
