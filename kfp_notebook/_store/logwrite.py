"""The log files a recording store keeps open: one per task (all its lines as they come) and
one per run (`run.log`: the tasks' lines interleaved as they came, prefixed with the task id,
between start and end markers). Line-buffered, so a reader in another process sees each line
once it is written.

`run.log` is the run's overview, not a second full copy: it takes the first
`RUN_LOG_SHARE` characters of each task's lines, then says where the rest is (the task's own log
keeps everything). A task writing 1 GiB so costs about 1 GiB on disk, not 2."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import IO

from kfp_notebook._store import layout

__all__ = ["RUN_LOG_SHARE", "LogFiles"]

RUN_LOG_SHARE = 1 << 20  # characters of one task's lines that run.log copies


class LogFiles:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._tasks: dict[tuple[str, str], IO[str]] = {}
        self._runs: dict[str, IO[str]] = {}
        self._shared: dict[tuple[str, str], int] = {}  # characters of a task's lines in run.log

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
            shared = self._shared.get((run_id, task_id), 0)
            if shared <= RUN_LOG_SHARE:
                line = f"{task_id} | {text}\n"
                if shared + len(line) > RUN_LOG_SHARE:
                    where = layout.log_path(self.root, run_id, task_id).relative_to(self.root)
                    line = f"{task_id} | [kfp-notebook] further lines of this task: {where}\n"
                    shared = RUN_LOG_SHARE  # said once
                self._run(run_id).write(line)
                self._shared[(run_id, task_id)] = shared + len(line)

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
            for key in [k for k in self._shared if k[0] == run_id]:
                del self._shared[key]
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
            self._shared.clear()
        for log in logs:
            with contextlib.suppress(OSError):
                log.close()
