"""A comparison as tables: one row per run (CSV, pandas) and sections of rows with one cell per
run (the terminal, Markdown and HTML renderers). Built from `ComparisonJSON` only."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kfp_notebook._views.shape import ComparisonJSON

__all__ = [
    "Section",
    "format_value",
    "markdown",
    "per_run_rows",
    "run_labels",
    "sections",
    "state_text",
    "to_csv",
]

_MAX_TASK_ROWS = 50


@dataclass
class Section:
    title: str
    rows: list[tuple[str, list[str]]] = field(default_factory=list)  # label, one cell per run
    best: list[list[bool]] = field(default_factory=list)  # per row, per run: the best value
    note: str = ""


def format_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def run_labels(comparison: ComparisonJSON) -> list[str]:
    return [f"#{i + 1}" for i in range(len(comparison["runs"]))]


def per_run_rows(comparison: ComparisonJSON) -> tuple[list[str], list[list[Any]]]:
    """Columns and one row per run: run_id, pipeline, experiment, status, created, duration,
    `param:NAME` for every parameter and `metric:KEY` for every metric; values keep their type
    (numbers stay numbers, None where a run has no such value)."""
    runs = comparison["runs"]
    columns = ["run_id", "pipeline", "experiment", "status", "created", "duration"]
    rows: list[list[Any]] = [
        [r["run_id"], r["pipeline_name"], r["experiment"], state_text(r["status"]),
         r["created"], r["duration"]]
        for r in runs
    ]  # fmt: skip
    for p in comparison["parameters"]:
        columns.append(f"param:{p['name']}")
        for row, value in zip(rows, p["values"], strict=True):
            row.append(value)
    for m in comparison["metrics"]:
        columns.append(f"metric:{m['key']}")
        for row, value in zip(rows, m["values"], strict=True):
            row.append(value)
    return columns, rows


def to_csv(comparison: ComparisonJSON) -> str:
    columns, rows = per_run_rows(comparison)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            ["" if v is None else v if isinstance(v, str | int | float) else format_value(v)
             for v in row]
        )  # fmt: skip
    return out.getvalue()


def sections(comparison: ComparisonJSON, only_differing: bool = True) -> list[Section]:
    """Runs, parameters (differing ones unless `only_differing` is False), metrics with the best
    run marked, tasks whose code or packages changed, and tasks whose status or caching differ."""
    n = len(comparison["runs"])
    runs = Section("runs")
    for key, get in (
        ("run", lambda r: r["run_id"]),
        ("pipeline", lambda r: r["pipeline_name"]),
        ("experiment", lambda r: r["experiment"]),
        ("status", lambda r: state_text(r["status"])),
        ("started", lambda r: datetime.fromtimestamp(r["created"]).strftime("%Y-%m-%d %H:%M:%S")),
        ("time", lambda r: "-" if r["duration"] is None else f"{r['duration']:.1f}s"),
    ):
        runs.rows.append((key, [get(r) for r in comparison["runs"]]))
    params = Section("parameters" + (" that differ" if only_differing else ""))
    shown = [p for p in comparison["parameters"] if p["differs"] or not only_differing]
    params.rows = [(p["name"], [format_value(v) for v in p["values"]]) for p in shown]
    hidden = len(comparison["parameters"]) - len(shown)
    params.note = f"{hidden} equal parameter(s) not shown" if hidden else ""
    metrics = Section("metrics (* best; lower is better for loss, error, time...)")
    for m in comparison["metrics"]:
        metrics.rows.append((m["key"], [format_value(v) for v in m["values"]]))
        metrics.best.append([i in m["best"] and len(m["best"]) < n for i in range(n)])
    code = Section("tasks whose code or packages changed")
    code.rows = [
        (t["task_id"], [format_value(d) for d in t["digests"]])
        for t in comparison["tasks"]
        if t["code_changed"]
    ]
    status = Section("tasks whose status differs")
    differing = [
        t for t in comparison["tasks"]
        if len({str(s) for s in t["statuses"]}) > 1 or len(set(t["cached"])) > 1
    ]  # fmt: skip
    status.rows = [
        (t["task_id"], [_status(s) for s in t["statuses"]]) for t in differing[:_MAX_TASK_ROWS]
    ]
    if len(differing) > _MAX_TASK_ROWS:
        status.note = f"{len(differing) - _MAX_TASK_ROWS} more task(s) not shown"
    return [s for s in (runs, params, metrics, code, status) if s.rows or s.note]


def state_text(state: Any) -> str:
    """A RunState/TaskState (or its JSON string) as its value: `SUCCEEDED`."""
    return str(getattr(state, "value", state))


def _status(state: Any) -> str:
    return "-" if state is None else state_text(state).lower()


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown(comparison: ComparisonJSON) -> str:
    """The sections as Markdown tables, one column per run; the best metric value in bold."""
    labels = run_labels(comparison)
    out: list[str] = []
    for section in sections(comparison):
        out.append(f"### {section.title}\n")
        if section.rows:
            out.append("| | " + " | ".join(labels) + " |")
            out.append("|---" * (len(labels) + 1) + "|")
            for index, (label, cells) in enumerate(section.rows):
                best = section.best[index] if index < len(section.best) else []
                shown = [
                    f"**{_cell(c)}**" if i < len(best) and best[i] else _cell(c)
                    for i, c in enumerate(cells)
                ]
                out.append(f"| {_cell(label)} | " + " | ".join(shown) + " |")
        if section.note:
            out.append(f"\n_{section.note}_")
        out.append("")
    return "\n".join(out)
