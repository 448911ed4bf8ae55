"""How states and compared runs look, kept once: the colours and glyph of every task and run
state (the widget's graph, the sidebar, the terminal) and one colour per compared run (the
HTML export and the browser's charts). The TypeScript copy is generated (`typescript.py`)."""

from __future__ import annotations

from typing import NamedTuple

from kfp_notebook._model.states import RunState, TaskState

__all__ = ["RUN_COLOURS", "STATUS_STYLES", "StatusStyle"]


class StatusStyle(NamedTuple):
    fill: str  # background of a task box
    stroke: str  # border of a task box, badge background, glyph colour
    glyph: str  # the state in one character: the sidebar, the terminal
    ansi: str  # the terminal's SGR colour code


STATUS_STYLES: dict[str, StatusStyle] = {
    TaskState.PENDING: StatusStyle("#e5e7eb", "#9ca3af", "○", "90"),
    TaskState.RUNNING: StatusStyle("#bfdbfe", "#3b82f6", "◐", "34"),
    TaskState.SUCCEEDED: StatusStyle("#bbf7d0", "#22a06b", "✓", "32"),
    TaskState.FAILED: StatusStyle("#fecaca", "#e5484d", "✗", "31"),
    TaskState.SKIPPED: StatusStyle("#f3f4f6", "#9ca3af", "↷", "90"),
    TaskState.CACHED: StatusStyle("#ddd6fe", "#7c5cd6", "◆", "36"),
    TaskState.CANCELLED: StatusStyle("#fde68a", "#f5a524", "⊘", "33"),
    RunState.INTERRUPTED: StatusStyle("#fecaca", "#e5484d", "!", "31"),
}

# One colour per compared run (up to 10).
RUN_COLOURS = (
    "#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed",
    "#0891b2", "#db2777", "#4b5563", "#65a30d", "#9333ea",
)  # fmt: skip
