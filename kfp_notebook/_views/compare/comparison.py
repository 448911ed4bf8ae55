"""`Comparison`: what `kfp_notebook.compare(...)` returns. It shows itself inline in a notebook
(`_repr_html_`) and exports the same model as HTML, CSV, Markdown, JSON or a pandas DataFrame."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._views.compare.html import comparison_html, page
from kfp_notebook._views.compare.shape import ComparisonJSON, TrendJSON
from kfp_notebook._views.compare.tables import markdown, to_csv
from kfp_notebook._views.compare.text import comparison_text

__all__ = ["Comparison"]


class Comparison:
    """2 to 10 runs side by side. `.data` is the JSON shape (`ComparisonJSON`) every front end
    renders; `.trend` the chosen metric over the experiment, when one was asked for."""

    def __init__(self, data: ComparisonJSON, trend: TrendJSON | None = None) -> None:
        self.data = data
        self.trend = trend

    @property
    def run_ids(self) -> list[str]:
        return [r["run_id"] for r in self.data["runs"]]

    def __repr__(self) -> str:
        return comparison_text(self.data)

    def _repr_html_(self) -> str:
        return comparison_html(self.data, self.trend)

    def to_html(self, path: str | os.PathLike[str] | None = None) -> str:
        """A self-contained page (inline CSS, SVG charts, no script, no CDN); written to `path`
        when given. Returns the HTML."""
        text = page(self.data, self.trend)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_csv(self, path: str | os.PathLike[str] | None = None) -> str:
        """One row per run: run_id, pipeline, experiment, status, created, duration, then
        `param:NAME` and `metric:TASK/NAME` columns."""
        text = to_csv(self.data)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_markdown(self) -> str:
        """The tables (differing parameters, metrics with the best in bold, changed tasks)."""
        return markdown(self.data)

    def to_json(self) -> str:
        return json.dumps(self.data, indent=1, allow_nan=False)

    def to_pandas(self) -> Any:
        """A DataFrame indexed by run id with a column per parameter (`param:lr`) and per metric
        (`metric:train/accuracy`); numbers stay numbers. Needs pandas (the `compare` extra)."""
        try:
            import pandas as pd
        except ImportError:
            raise KfpNotebookError(
                "to_pandas() needs pandas: pip install 'kfp-notebook-runner[compare]'"
            ) from None
        table = self.data["table"]
        frame = pd.DataFrame.from_records(table["rows"], columns=table["columns"])
        return frame.set_index("run_id")
