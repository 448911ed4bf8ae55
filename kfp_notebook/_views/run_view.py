"""What a run widget shows, folded from the event stream (live) or read back from the store
(`%kfp show`): run status, the task graph with states and timings, bounded log tails, outputs.

Plain Python with no widget library, so views and tests share one model."""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kfp_notebook._model.events import (
    ArtifactProduced,
    Event,
    LogLine,
    LogProgress,
    RunFinished,
    RunStarted,
    RunUnfollowed,
    TaskCreated,
    TaskFinished,
    TaskStarted,
)
from kfp_notebook._model.jsonsafe import json_safe
from kfp_notebook._model.states import RunState, TaskKind, TaskState
from kfp_notebook._store.layout import log_path
from kfp_notebook._store.logread import line_count, tail_offset
from kfp_notebook._store.reader import StoreReader
from kfp_notebook._store.records import ArtifactRecord
from kfp_notebook._views.envelopes import LogTail
from kfp_notebook._views.preview import preview_artifact
from kfp_notebook._views.shape import (
    ArtifactJSON,
    ArtifactPreviewJSON,
    PreviewJSON,
    RunJSON,
    TaskJSON,
    TaskOutputsJSON,
    artifact_json,
    run_json,
    task_dependency_ids,
    task_json,
)

__all__ = ["LOG_LINES_PER_TASK", "LogTail", "RunView", "slim_task"]

LOG_LINES_PER_TASK = 1000  # the widget keeps the newest lines; the full log stays on disk
_TAIL_BYTES_PER_LINE = 200  # a re-displayed run reads at most this many bytes a line kept
_TASK_EVENTS = (TaskCreated, TaskStarted, ArtifactProduced, TaskFinished)  # change a task


class RunView:
    """Thread-safe state of one run; `changed` is set by every update, cleared by `snapshot` and
    `changes_since`. Every change of a task or of a log count is stamped (one counter), so a
    reader asks for what changed after the stamp it last saw, at a cost of what changed."""

    def __init__(self, run_id: str, max_log_lines: int = LOG_LINES_PER_TASK) -> None:
        self.run_id = run_id
        self.max_log_lines = max_log_lines
        self.run: RunJSON = {
            "run_id": run_id, "pipeline_name": "", "status": RunState.RUNNING, "created": 0.0,
            "finished": None, "duration": None, "arguments": {}, "outputs": {}, "message": "",
            "task_counts": {}, "root": "", "experiment": "", "runner": "",
        }  # fmt: skip
        self.tasks: dict[str, TaskJSON] = {}
        self.logs: dict[str, collections.deque[str]] = {}
        self.log_counts: dict[str, int] = {}
        self.progress: dict[str, str] = {}  # a line a progress bar rewrites, per task, for now
        self.changed = threading.Event()
        self._lock = threading.Lock()
        self._stamp = 0
        self._task_stamps: dict[str, int] = {}  # task id -> stamp of its last change, oldest first
        self._count_stamps: dict[str, int] = {}  # the same for log counts
        self._created: dict[str, int] = {}  # task id -> its place in the order of creation

    # ------------------------------------------------------------------ live
    def __call__(self, event: Event) -> None:
        if event.run_id != self.run_id:
            return
        with self._lock:
            self._apply(event)
            if isinstance(event, _TASK_EVENTS) and event.task_id in self.tasks:
                self._touch(self._task_stamps, event.task_id)
        self.changed.set()

    def _touch(self, stamps: dict[str, int], key: str) -> None:
        self._stamp += 1
        stamps.pop(key, None)  # to the end: the newest change last
        stamps[key] = self._stamp

    def _apply(self, event: Event) -> None:
        run = self.run
        if isinstance(event, RunStarted):
            run.update({"pipeline_name": event.pipeline_name, "status": RunState.RUNNING})
            run.update(
                {
                    "created": event.time,
                    "root": event.pipeline_root,
                    "finished": None,
                    "message": "",
                }
            )
            run.update({"arguments": json_safe(event.arguments), "duration": None})
        elif isinstance(event, TaskCreated):
            self.tasks[event.task_id] = _pending_task(event)
            self._created.setdefault(event.task_id, len(self._created))
        elif isinstance(event, TaskStarted):
            task = self.tasks.get(event.task_id)
            if task is not None:
                task.update({"status": TaskState.RUNNING, "started": task["started"] or event.time})
                task.update({"attempts": event.attempt, "inputs": json_safe(event.inputs)})
        elif isinstance(event, LogLine):
            self.progress.pop(event.task_id, None)  # the line's final state, or one after it
            self._log(event.task_id, event.text)
        elif isinstance(event, LogProgress):
            self.progress[event.task_id] = event.text
        elif isinstance(event, ArtifactProduced):
            task = self.tasks.get(event.task_id)
            if task is not None:
                record = ArtifactRecord(
                    event.task_id, event.name, event.uri, event.schema_title, dict(event.metadata)
                )
                root = Path(run["root"]) if run["root"] else None
                task["artifacts"] = [*task["artifacts"], artifact_json(record, root)]
        elif isinstance(event, TaskFinished):
            task = self.tasks.get(event.task_id)
            if task is not None:
                task.update(
                    {"status": event.state, "finished": event.time, "message": event.message}
                )
                task.update({"outputs": json_safe(event.outputs), "attempts": event.attempts})
                if task["started"] is not None:
                    task["duration"] = event.time - task["started"]
            self.progress.pop(event.task_id, None)
        elif isinstance(event, RunUnfollowed):
            run["message"] = event.message
            self.progress.clear()
        elif isinstance(event, RunFinished):
            run.update({"status": event.state, "finished": event.time, "message": event.message})
            run.update(
                {"outputs": json_safe(event.outputs), "duration": event.time - run["created"]}
            )
            run["task_counts"] = _leaf_counts(self.tasks.values())
            self.progress.clear()

    def _log(self, task_id: str, text: str) -> None:
        tail = self.logs.get(task_id)
        if tail is None:
            tail = self.logs[task_id] = collections.deque(maxlen=self.max_log_lines)
        tail.append(text)
        self.log_counts[task_id] = self.log_counts.get(task_id, 0) + 1
        self._touch(self._count_stamps, task_id)

    # ------------------------------------------------------------------ replay
    @classmethod
    def from_store(cls, store: StoreReader, run_id: str) -> RunView:
        """The view of a recorded run (finished, or still going in another process)."""
        record = store.get_run(run_id)
        if record is None:
            raise KeyError(f"no run {run_id!r} in {store.root}")
        view = cls(run_id)
        view.run = run_json(record, store.root)
        for t in store.get_tasks(run_id):
            view.tasks[t.task_id] = task_json(t, store.root)
            view._created[t.task_id] = len(view._created)  # a run still going changes them
            if t.kind.is_leaf:
                view._read_log_tail(log_path(store.root, run_id, t.task_id), t.task_id)
        return view

    def _read_log_tail(self, path: Path, task_id: str) -> None:
        """The log's last lines (at most `_TAIL_BYTES_PER_LINE` bytes a line on average) and
        how many it holds in all, in bounded memory."""
        try:
            count = line_count(path)
            start = tail_offset(path, self.max_log_lines)
            with path.open("rb") as f:
                end = f.seek(0, 2)
                cut = max(start, end - _TAIL_BYTES_PER_LINE * self.max_log_lines)
                f.seek(cut)
                lines = f.read().decode("utf-8", errors="replace").splitlines()
        except OSError:
            return
        if cut > start and len(lines) > 1:
            lines = lines[1:]  # cut in the middle of a line: the whole ones after it
        if not count:
            return
        self.logs[task_id] = collections.deque(lines, maxlen=self.max_log_lines)
        self.log_counts[task_id] = count
        self._touch(self._count_stamps, task_id)

    # ------------------------------------------------------------------ output
    def snapshot(self) -> dict[str, Any]:
        """Copies of the current state for the widget's traits, and the stamp it is at."""
        self.changed.clear()
        with self._lock:
            return {
                "run": dict(self.run),
                "tasks": [dict(t) for t in self.tasks.values()],
                "log_counts": dict(self.log_counts),
                "stamp": self._stamp,
            }

    def changes_since(self, stamp: int) -> dict[str, Any]:
        """What changed after `stamp`: the run, copies of the tasks changed (in the order they
        were created), their log counts, and the stamp to ask with next."""
        self.changed.clear()
        with self._lock:
            changed = sorted(_newer(self._task_stamps, stamp), key=self._created.__getitem__)
            return {
                "run": dict(self.run),
                "tasks": [dict(self.tasks[t]) for t in changed],
                "log_counts": {t: self.log_counts[t] for t in _newer(self._count_stamps, stamp)},
                "stamp": self._stamp,
            }

    def log_tails(self, task_ids: Iterable[str] | None = None) -> dict[str, LogTail]:
        """The kept tails of these tasks' logs (of every task that logged by default)."""
        with self._lock:
            wanted = list(self.logs) if task_ids is None else task_ids
            return {
                t: {"lines": list(self.logs[t]), "count": self.log_counts.get(t, 0)}
                for t in wanted
                if t in self.logs
            }

    def progress_lines(self) -> dict[str, str]:
        """Per task, the state of a line it is rewriting (a progress bar), not logged yet."""
        with self._lock:
            return dict(self.progress)

    def log_tails_since(self, sent: dict[str, int]) -> dict[str, LogTail]:
        """The lines logged after the first `sent[task]` ones (as many as are kept)."""
        with self._lock:
            fresh: dict[str, LogTail] = {}
            for t, count in self.log_counts.items():
                new = count - sent.get(t, 0)
                if new > 0:
                    tail = self.logs[t]
                    lines = list(tail) if new >= len(tail) else list(tail)[-new:]
                    fresh[t] = {"lines": lines, "count": count}
            return fresh

    def outputs_of(self, task_id: str, max_bytes: int = 262_144) -> TaskOutputsJSON | None:
        """Parameters and artifact previews of one task (computed on demand, size-capped)."""
        with self._lock:
            task = self.tasks.get(task_id)
            if task is None:
                return None
            task = task.copy()
        artifacts: list[ArtifactPreviewJSON] = [
            {**art, "preview": _preview(art, max_bytes)} for art in task["artifacts"]
        ]
        return TaskOutputsJSON(
            task_id=task_id,
            status=task["status"],
            message=task["message"],
            outputs=task["outputs"],
            artifacts=artifacts,
        )


def _newer(stamps: dict[str, int], stamp: int) -> list[str]:
    """The keys stamped after `stamp` (the dict holds them oldest first), newest first."""
    found = []
    for key, at in reversed(stamps.items()):
        if at <= stamp:
            break
        found.append(key)
    return found


def _preview(art: ArtifactJSON, max_bytes: int) -> PreviewJSON:
    return preview_artifact(art["uri"], art["type"], art["metadata"], max_bytes=max_bytes)


def _leaf_counts(tasks: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for t in tasks:
        if TaskKind(t["kind"]).is_leaf:
            counts[t["status"].value] = counts.get(t["status"].value, 0) + 1
    return counts


def _pending_task(event: TaskCreated) -> TaskJSON:
    return {
        "task_id": event.task_id, "name": event.name, "parent_id": event.parent_id,
        "kind": event.kind, "component": event.component,
        "dependencies": task_dependency_ids(event.parent_id, event.dependencies),
        "status": TaskState.PENDING, "started": None, "finished": None, "duration": None,
        "attempts": 0, "inputs": {}, "outputs": {}, "message": "", "cache_key": None,
        "artifacts": [],
    }  # fmt: skip


def slim_task(task: TaskJSON) -> TaskJSON:
    """A task as a saved widget keeps it: graph, state and timing; no inputs, outputs or
    artifacts (the front end asks for those when it shows the task)."""
    return {**task, "inputs": {}, "outputs": {}, "artifacts": []}
