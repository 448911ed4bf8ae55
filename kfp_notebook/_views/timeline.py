"""Where a run's time went: one row per task that runs something (containers, importers), in
start order, with its start and end in seconds from the run's start, so the critical path, the
worker bound and the slow tasks show. `run.timeline()` returns these rows (a pandas DataFrame
where pandas is installed); a view can draw them as bars."""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict

from kfp_notebook._model.states import TaskState
from kfp_notebook._store.records import RunRecord, TaskSummary

__all__ = ["TimelineRow", "timeline_rows", "to_frame"]


class TimelineRow(TypedDict):
    task_id: str  # iterations named as everywhere: for-loop-2[3]/train
    name: str
    component: str
    status: TaskState
    start: float | None  # seconds after the run started; null for a task that never started
    end: float | None
    duration: float | None
    cached: bool


def timeline_rows(run: RunRecord, tasks: list[TaskSummary]) -> list[TimelineRow]:
    """The leaf tasks of `run`, earliest start first (those that never started last)."""

    def since(t: float | None) -> float | None:
        return None if t is None else round(t - run.created, 6)

    rows: list[TimelineRow] = []
    for t in tasks:
        # a task reused from the cache (or a resumed run) never started: it took no time,
        # at the moment it was settled
        started = t.started if t.started is not None else t.finished
        rows.append({
            "task_id": t.task_id,
            "name": t.name,
            "component": t.component,
            "status": t.status,
            "start": since(started),
            "end": since(t.finished),
            "duration": None if started is None or t.finished is None else t.finished - started,
            "cached": t.status is TaskState.CACHED,
        })  # fmt: skip
    rows.sort(key=lambda r: (r["start"] is None, r["start"] or 0.0, r["task_id"]))
    return rows


def to_frame(rows: list[TimelineRow]) -> Any:
    """The rows as a DataFrame indexed by task id (statuses as their names), or the rows
    themselves when pandas is not installed."""
    try:
        import pandas as pd
    except ImportError:
        return rows
    records = [{**r, "status": r["status"].value} for r in rows]
    columns = list(TimelineRow.__annotations__)
    return pd.DataFrame.from_records(records, columns=columns).set_index("task_id")
