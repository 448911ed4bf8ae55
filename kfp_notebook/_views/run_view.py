"""What a run widget shows, folded from the event stream (live) or read back from the store
(`%kfp show`): run status, the task graph with states and timings, bounded log tails, outputs.

Plain Python with no widget library, so views and tests share one model."""

from __future__ import annotations

import collections
import threading
from pathlib import Path
from typing import Any

from kfp_notebook._events import (
    ArtifactProduced,
    Event,
    LogLine,
    RunFinished,
    RunStarted,
    TaskCreated,
    TaskFinished,
    TaskStarted,
)
from kfp_notebook._jsonsafe import json_safe
from kfp_notebook._preview import preview_artifact
from kfp_notebook._store import RunStore

__all__ = ["LOG_LINES_PER_TASK", "RunView"]

LOG_LINES_PER_TASK = 1000  # the widget keeps the newest lines; the full log stays on disk
_LEAF_KINDS = ("container", "importer")


class RunView:
    """Thread-safe state of one run; `changed` is set by every update, cleared by `snapshot`."""

    def __init__(self, run_id: str, max_log_lines: int = LOG_LINES_PER_TASK) -> None:
        self.run_id = run_id
        self.max_log_lines = max_log_lines
        self.run: dict[str, Any] = {"id": run_id, "pipeline": "", "status": "RUNNING"}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.logs: dict[str, collections.deque[str]] = {}
        self.log_counts: dict[str, int] = {}
        self.artifacts: dict[str, list[dict[str, Any]]] = {}
        self.log_paths: dict[str, str] = {}
        self.changed = threading.Event()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ live
    def __call__(self, event: Event) -> None:
        if event.run_id != self.run_id:
            return
        with self._lock:
            self._apply(event)
        self.changed.set()

    def _apply(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.run.update(pipeline=event.pipeline_name, status="RUNNING", created=event.time)
            self.run.update(root=event.pipeline_root, finished=None, message="")
        elif isinstance(event, TaskCreated):
            self.tasks[event.task_id] = _task(
                event.task_id, event.name, event.parent_id, event.kind, event.component,
                event.dependencies,
            )  # fmt: skip
        elif isinstance(event, TaskStarted):
            task = self.tasks.get(event.task_id)
            if task is not None:
                task.update(status="RUNNING", started=task["started"] or event.time)
                task.update(attempts=event.attempt)
        elif isinstance(event, LogLine):
            self._log(event.task_id, event.text)
        elif isinstance(event, ArtifactProduced):
            self.artifacts.setdefault(event.task_id, []).append(
                {
                    "name": event.name,
                    "uri": event.uri,
                    "type": event.schema_title,
                    "metadata": dict(event.metadata),
                }
            )
        elif isinstance(event, TaskFinished):
            task = self.tasks.get(event.task_id)
            if task is not None:
                task.update(status=event.state.value, finished=event.time, message=event.message)
                task.update(params=json_safe(event.outputs), attempts=event.attempts)
        elif isinstance(event, RunFinished):
            self.run.update(status=event.state.value, finished=event.time, message=event.message)

    def _log(self, task_id: str, text: str) -> None:
        tail = self.logs.get(task_id)
        if tail is None:
            tail = self.logs[task_id] = collections.deque(maxlen=self.max_log_lines)
        tail.append(text)
        self.log_counts[task_id] = self.log_counts.get(task_id, 0) + 1

    # ------------------------------------------------------------------ replay
    @classmethod
    def from_store(cls, store: RunStore, run_id: str) -> RunView:
        """The view of a recorded run (finished, or still going in another process)."""
        record = store.get_run(run_id)
        if record is None:
            raise KeyError(f"no run {run_id!r} in {store.root}")
        view = cls(run_id)
        view.run.update(pipeline=record.pipeline_name, status=record.status.value)
        view.run.update(created=record.created, finished=record.finished, message=record.message)
        view.run["root"] = str(store.root)
        for t in store.get_tasks(run_id):
            task = _task(t.task_id, t.name, t.parent_id, t.kind, t.component, t.dependencies)
            task.update(status=t.status.value, started=t.started, finished=t.finished)
            task.update(attempts=t.attempts, message=t.message, params=json_safe(t.outputs))
            view.tasks[t.task_id] = task
            view.artifacts[t.task_id] = [
                {"name": a.name, "uri": a.uri, "type": a.schema_title, "metadata": a.metadata}
                for a in t.artifacts
            ]
            if t.kind in _LEAF_KINDS:
                view._read_log_tail(store.log_path(run_id, t.task_id), t.task_id)
        return view

    def _read_log_tail(self, path: Path, task_id: str) -> None:
        try:
            with path.open("rb") as f:
                f.seek(0, 2)
                f.seek(max(0, f.tell() - 200 * self.max_log_lines))
                lines = f.read().decode("utf-8", errors="replace").splitlines()
        except OSError:
            return
        for line in lines[-self.max_log_lines :]:
            self._log(task_id, line)

    # ------------------------------------------------------------------ output
    def snapshot(self) -> dict[str, Any]:
        """Copies of the current state for the widget's traits."""
        self.changed.clear()
        with self._lock:
            tasks = [dict(t) for t in self.tasks.values()]
            done = sum(
                1
                for t in tasks
                if t["kind"] in _LEAF_KINDS and t["status"] not in ("PENDING", "RUNNING")
            )
            return {
                "run": {
                    **self.run,
                    "done": done,
                    "total": sum(1 for t in tasks if t["kind"] in _LEAF_KINDS),
                },
                "tasks": tasks,
                "logs": {k: list(v) for k, v in self.logs.items()},
                "log_counts": dict(self.log_counts),
            }

    def outputs_of(self, task_id: str, max_bytes: int = 262_144) -> dict[str, Any]:
        """Parameters and artifact previews of one task (computed on demand, size-capped)."""
        with self._lock:
            task = dict(self.tasks.get(task_id, {}))
            artifacts = list(self.artifacts.get(task_id, []))
        previews = []
        for art in artifacts:
            preview = preview_artifact(
                art["uri"], art["type"], art["metadata"], max_bytes=max_bytes
            )
            previews.append(
                {"name": art["name"], "uri": art["uri"], "type": art["type"], "preview": preview}
            )
        return {
            "task": task_id,
            "status": task.get("status"),
            "message": task.get("message", ""),
            "params": task.get("params", {}),
            "artifacts": previews,
        }


def _task(
    task_id: str, name: str, parent: str | None, kind: str, component: str, deps: Any
) -> dict[str, Any]:
    """A PENDING task as the widget sees it; dependencies become task ids."""
    prefix = f"{parent}/" if parent else ""
    return {
        "id": task_id, "name": name, "parent": parent, "kind": kind, "component": component,
        "deps": [prefix + d for d in deps], "status": "PENDING", "started": None,
        "finished": None, "attempts": 0, "message": "", "params": {},
    }  # fmt: skip
