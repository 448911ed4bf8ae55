"""The log files a recording store keeps open: one per task (its lines as they come) and one
per run (`run.log`: every task's lines prefixed with the task id, between start and end
markers). Line-buffered, so a reader in another process sees each line once it is written."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import IO

from kfp_notebook._store import layout

__all__ = ["LogFiles"]


class LogFiles:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._tasks: dict[tuple[str, str], IO[str]] = {}
        self._runs: dict[str, IO[str]] = {}

    def _open(self, path: Path) -> IO[str]:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "a", buffering=1, encoding="utf-8")

    def _run(self, run_id: str) -> IO[str]:
        log = self._runs.get(run_id)
        if log is None:
            log = self._runs[run_id] = self._open(layout.log_path(self.root, run_id))
        return log

    def run_line(self, run_id: str, text: str) -> None:
        """A line of the run's own (a start or end marker)."""
        with self._lock:
            self._run(run_id).write(text + "\n")

    def task_line(self, run_id: str, task_id: str, text: str) -> None:
        """A task's line: to its log, and prefixed to the run's."""
        with self._lock:
            log = self._tasks.get((run_id, task_id))
            if log is None:
                path = layout.log_path(self.root, run_id, task_id)
                log = self._tasks[(run_id, task_id)] = self._open(path)
            log.write(text + "\n")
            self._run(run_id).write(f"{task_id} | {text}\n")

    def end_task(self, run_id: str, task_id: str) -> None:
        with self._lock:
            log = self._tasks.pop((run_id, task_id), None)
        if log is not None:
            log.close()

    def end_run(self, run_id: str, last_line: str) -> None:
        """Writes the run's last line and closes its logs and its tasks'."""
        with self._lock:
            run = self._runs.pop(run_id, None)
            tasks = [self._tasks.pop(k) for k in [k for k in self._tasks if k[0] == run_id]]
        with contextlib.suppress(OSError):
            if run is not None:
                with run:
                    run.write(last_line + "\n")
        for log in tasks:
            with contextlib.suppress(OSError):
                log.close()

    def close(self) -> None:
        with self._lock:
            logs = [*self._tasks.values(), *self._runs.values()]
            self._tasks.clear()
            self._runs.clear()
        for log in logs:
            with contextlib.suppress(OSError):
                log.close()
