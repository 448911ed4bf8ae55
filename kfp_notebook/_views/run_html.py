"""A run as static HTML and text: its status and its tasks with their states and durations, in
the palette's colours. The notebook shows it under the run widget, for a notebook reopened
without its kernel whose widget state was not saved (JupyterLab's default) and for front ends
without widgets. Built from the widget's synced `run` and `tasks`; every string is escaped, and
the task list is cut at `MAX_TASKS` rows so a saved notebook stays small."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from kfp_notebook._views.palette import STATUS_STYLES

__all__ = ["MAX_TASKS", "format_duration", "run_html", "run_text"]

MAX_TASKS = 100  # rows of the task list; about 300 bytes each
_MESSAGE_CHARS = 160
_INDENT_PX = 14
# Cells of the task list (a front end that strips <style> keeps the inline colours).
_STYLE = (
    "<style>.kfpnb-static table.kfpnb-static-tasks td{padding:1px 8px;text-align:left;"
    "border:none;color:var(--jp-content-font-color1,#111827)}"
    ".kfpnb-static table.kfpnb-static-tasks td[style*=background]{color:#111827}"
    ".kfpnb-static table.kfpnb-static-tasks td:nth-child(4){color:#6b7280}</style>"
)
_STYLES = {str(getattr(state, "value", state)): style for state, style in STATUS_STYLES.items()}


def format_duration(seconds: float | None) -> str:
    """`15 ms`, `2.4 s`, `12 s`, `3 min 05 s`, `2 h 07 min` (as the widget); "" for none."""
    if seconds is None:
        return ""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _state(value: Any) -> str:
    return str(getattr(value, "value", value) or "PENDING")


def _first_line(message: Any) -> str:
    text = str(message or "").strip().splitlines()
    line = text[0] if text else ""
    return line if len(line) <= _MESSAGE_CHARS else line[: _MESSAGE_CHARS - 1] + "…"


def _depths(tasks: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Each task's nesting depth among the listed tasks (0: top level)."""
    parents = {str(t.get("task_id")): t.get("parent_id") for t in tasks}
    depths: dict[str, int] = {}
    for task_id in parents:
        depth, parent, seen = 0, parents[task_id], {task_id}
        while parent is not None and parent in parents and parent not in seen:
            seen.add(parent)
            depth += 1
            parent = parents[parent]
        depths[task_id] = depth
    return depths


def _counts(tasks: Sequence[Mapping[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for task in tasks:
        state = _state(task.get("status"))
        counts[state] = counts.get(state, 0) + 1
    return ", ".join(f"{n} {state.lower()}" for state, n in counts.items())


def _style(state: str) -> tuple[str, str, str]:
    style = _STYLES.get(state) or _STYLES["PENDING"]
    return style.fill, style.stroke, style.glyph


def run_html(
    run: Mapping[str, Any], tasks: Sequence[Mapping[str, Any]], max_tasks: int = MAX_TASKS
) -> str:
    """The run's status badge, pipeline, duration and task counts, and a table of its tasks
    (nested tasks indented) with each one's state, duration and first line of message."""
    esc = html.escape
    status = _state(run.get("status"))
    fill, stroke, glyph = _style(status)
    run_id = str(run.get("run_id") or "")
    facts = [f"<b>{esc(str(run.get('pipeline_name') or run_id))}</b>"]
    if run.get("duration") is not None:
        facts.append(esc(format_duration(run.get("duration"))))
    if tasks:
        facts.append(esc(f"{len(tasks)} tasks: {_counts(tasks)}"))
    message = _first_line(run.get("message"))
    head = (
        f'<div class="kfpnb-static-head"><span class="kfpnb-static-status"'
        f' data-status="{esc(status)}" style="display:inline-block;padding:0 6px;'
        f"border-radius:8px;border:1px solid {stroke};background:{fill};color:#111827;"
        f'font-weight:600">{esc(glyph)} {esc(status)}</span> ' + " · ".join(facts) + "</div>"
    )
    if message:
        head += f'<div style="color:{_STYLES["FAILED"].stroke}">{esc(message)}</div>'
    depths = _depths(tasks)
    rows = []
    for task in tasks[:max_tasks]:
        task_id = str(task.get("task_id") or "")
        state = _state(task.get("status"))
        t_fill, t_stroke, t_glyph = _style(state)
        indent = 4 + _INDENT_PX * depths.get(task_id, 0)
        note = _first_line(task.get("message")) if state != "SUCCEEDED" else ""
        rows.append(
            f'<tr data-task-id="{esc(task_id)}" data-status="{esc(state)}">'
            f'<td style="padding-left:{indent}px">{esc(str(task.get("name") or task_id))}</td>'
            f'<td style="background:{t_fill};border-left:3px solid {t_stroke}">'
            f"{esc(t_glyph)} {esc(state)}</td>"
            f"<td>{esc(format_duration(task.get('duration')))}</td><td>{esc(note)}</td></tr>"
        )
    if len(tasks) > max_tasks:
        more = f"… and {len(tasks) - max_tasks} more tasks"
        rows.append(f'<tr><td colspan="4">{esc(more)}</td></tr>')
    table = (
        '<table class="kfpnb-static-tasks" style="border-collapse:collapse;margin:4px 0;'
        f'font-size:12px">{"".join(rows)}</table>'
        if rows
        else ""
    )
    opening = (
        f'<div class="kfpnb-static" data-run-id="{esc(run_id)}" data-status="{esc(status)}"'
        ' style="font-size:12px;margin:2px 0">'
    )
    return _STYLE + opening + head + table + "</div>"


def run_text(
    run: Mapping[str, Any], tasks: Sequence[Mapping[str, Any]], max_tasks: int = MAX_TASKS
) -> str:
    """The same summary as plain text, one line per task."""
    status = _state(run.get("status"))
    head = f"{_style(status)[2]} {status} {run.get('pipeline_name') or run.get('run_id') or ''}"
    if run.get("duration") is not None:
        head += f" · {format_duration(run.get('duration'))}"
    lines = [head.rstrip()]
    message = _first_line(run.get("message"))
    if message:
        lines.append(message)
    depths = _depths(tasks)
    for task in tasks[:max_tasks]:
        state = _state(task.get("status"))
        indent = "  " * (1 + depths.get(str(task.get("task_id") or ""), 0))
        duration = format_duration(task.get("duration"))
        line = f"{indent}{_style(state)[2]} {task.get('name') or task.get('task_id')} {state}"
        lines.append(f"{line} {duration}".rstrip())
    if len(tasks) > max_tasks:
        lines.append(f"  … and {len(tasks) - max_tasks} more tasks")
    return "\n".join(lines)
