"""What every view of a comparison shows, computed once here and carried in `ComparisonJSON`:
values as text, the best runs under either direction, the one-row-per-run table (CSV, pandas)
and the sections of rows (terminal, Markdown, HTML; the browser's Markdown export too). The
renderers in Python (`tables`, `text`, `html`) and TypeScript (`compare*.ts`) only draw these."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from kfp_notebook._views.compare.shape import (
    ComparedMetric,
    ComparedTask,
    ComparisonJSON,
    ComparisonSection,
    PerRunTable,
    SectionRow,
    TrendJSON,
)

__all__ = [
    "LOWER_IS_BETTER",
    "best_flags",
    "best_runs",
    "complete",
    "complete_trend",
    "format_value",
    "higher_is_better",
    "per_run_table",
    "run_labels",
    "sections",
    "state_text",
]

LOWER_IS_BETTER = re.compile(r"loss|error|mse|mae|rmse|time|latency", re.IGNORECASE)
_MAX_TASK_ROWS = 50


def complete(comparison: ComparisonJSON) -> ComparisonJSON:
    """Fills in what the views show from the values: parameter and metric text, the best runs
    under either direction, whether a task differs, the per-run table and the sections."""
    for p in comparison["parameters"]:
        p["text"] = [format_value(v) for v in p["values"]]
    for m in comparison["metrics"]:
        m["text"] = [format_value(v) for v in m["values"]]
        m["best"] = best_runs(m["values"], m["higher_is_better"])
        m["best_reversed"] = best_runs(m["values"], not m["higher_is_better"])
    for t in comparison["tasks"]:
        t["differs"] = t["code_changed"] or _runs_differ(t)
    comparison["table"] = per_run_table(comparison)
    comparison["sections"] = sections(comparison)
    return comparison


def complete_trend(trend: TrendJSON) -> TrendJSON:
    """Fills in each point's text and the best points under either direction."""
    values = [p["value"] for p in trend["points"]]
    for p in trend["points"]:
        p["text"] = format_value(p["value"])
    trend["best"] = best_runs(values, trend["higher_is_better"])
    trend["best_reversed"] = best_runs(values, not trend["higher_is_better"])
    return trend


def _runs_differ(task: ComparedTask) -> bool:
    """Whether the task's status or caching differs between the runs."""
    return len({str(s) for s in task["statuses"]}) > 1 or len(set(task["cached"])) > 1


def higher_is_better(name: str) -> bool:
    """Guessed from the metric's name: loss, error, mse, mae, rmse, time, latency are lower."""
    return LOWER_IS_BETTER.search(name) is None


def best_runs(values: list[float | None], higher: bool) -> list[int]:
    """The indexes holding the best value; empty when no value is present or when every run
    holds the same one (nothing to single out)."""
    present = [v for v in values if v is not None]
    if not present:
        return []
    best = max(present) if higher else min(present)
    indexes = [i for i, v in enumerate(values) if v == best]
    return indexes if len(indexes) < len(values) else []


def format_value(value: Any) -> str:
    """A value as every view writes it: numbers to 6 significant digits, null as `-`."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def state_text(state: Any) -> str:
    """A RunState/TaskState (or its JSON string) as its value: `SUCCEEDED`."""
    return str(getattr(state, "value", state))


def _status(state: Any) -> str:
    return "-" if state is None else state_text(state).lower()


def run_labels(comparison: ComparisonJSON) -> list[str]:
    return [f"#{i + 1}" for i in range(len(comparison["runs"]))]


def best_flags(comparison: ComparisonJSON, row: SectionRow) -> list[bool]:
    """Per run, whether its cell holds the best value (metric rows, default direction)."""
    metric = _metric(comparison, row["metric"])
    best = set(metric["best"]) if metric else set()
    return [i in best for i in range(len(row["cells"]))]


def _metric(comparison: ComparisonJSON, key: str | None) -> ComparedMetric | None:
    return next((m for m in comparison["metrics"] if m["key"] == key), None) if key else None


def per_run_table(comparison: ComparisonJSON) -> PerRunTable:
    """run_id, pipeline, experiment, status, created, duration, then `param:NAME` and
    `metric:KEY` columns; values keep their type (None where a run has no such value)."""
    columns = ["run_id", "pipeline", "experiment", "status", "created", "duration"]
    rows: list[list[Any]] = [
        [r["run_id"], r["pipeline_name"], r["experiment"], state_text(r["status"]),
         r["created"], r["duration"]]
        for r in comparison["runs"]
    ]  # fmt: skip
    for p in comparison["parameters"]:
        columns.append(f"param:{p['name']}")
        for row, value in zip(rows, p["values"], strict=True):
            row.append(value)
    for m in comparison["metrics"]:
        columns.append(f"metric:{m['key']}")
        for row, value in zip(rows, m["values"], strict=True):
            row.append(value)
    return {"columns": columns, "rows": rows}


def _row(label: str, cells: list[str], metric: str | None = None) -> SectionRow:
    return {"label": label, "cells": cells, "metric": metric}


def _section(title: str, rows: list[SectionRow], note: str = "") -> ComparisonSection:
    return {"title": title, "rows": rows, "note": note}


def sections(comparison: ComparisonJSON) -> list[ComparisonSection]:
    """Runs, the parameters that differ, metrics (best marked by the renderer), tasks whose
    code or packages changed, and tasks whose status or caching differ; empty ones left out."""
    runs = comparison["runs"]
    started = [datetime.fromtimestamp(r["created"]).strftime("%Y-%m-%d %H:%M:%S") for r in runs]
    took = ["-" if r["duration"] is None else f"{r['duration']:.1f}s" for r in runs]
    out = [
        _section("runs", [
            _row("run", [r["run_id"] for r in runs]),
            _row("pipeline", [r["pipeline_name"] for r in runs]),
            _row("experiment", [r["experiment"] for r in runs]),
            _row("status", [state_text(r["status"]) for r in runs]),
            _row("started", started),
            _row("time", took),
        ])
    ]  # fmt: skip
    shown = [p for p in comparison["parameters"] if p["differs"]]
    hidden = len(comparison["parameters"]) - len(shown)
    out.append(
        _section(
            "parameters that differ",
            [_row(p["name"], p["text"]) for p in shown],
            f"{hidden} equal parameter(s) not shown" if hidden else "",
        )
    )
    out.append(
        _section(
            "metrics (* best; lower is better for loss, error, time...)",
            [_row(m["key"], m["text"], m["key"]) for m in comparison["metrics"]],
        )
    )
    out.append(
        _section(
            "tasks whose code or packages changed",
            [
                _row(t["task_id"], [format_value(d) for d in t["digests"]])
                for t in comparison["tasks"]
                if t["code_changed"]
            ],
        )
    )
    differing = [t for t in comparison["tasks"] if _runs_differ(t)]
    more = len(differing) - _MAX_TASK_ROWS
    out.append(
        _section(
            "tasks whose status differs",
            [
                _row(
                    t["task_id"],
                    ["-" if s is None else state_text(s).lower() for s in t["statuses"]],
                )
                for t in differing[:_MAX_TASK_ROWS]
            ],
            f"{more} more task(s) not shown" if more > 0 else "",
        )
    )
    return [s for s in out if s["rows"] or s["note"]]
