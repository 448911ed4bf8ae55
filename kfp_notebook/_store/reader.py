"""Reading a pipeline root without changing anything: no folder made, no root registered, no
process reaped. The CLI's listing, the Run handle of a recorded run, `%kfp show` and the
views read through this; a read-only root can be listed."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import kfp_notebook._store.index as _index
from kfp_notebook._errors import StoreError
from kfp_notebook._store.records import RunRecord, TaskRecord

__all__ = ["StoreReader"]


class StoreReader:
    """The runs recorded under one pipeline root. Safe to share between threads."""

    def __init__(self, pipeline_root: str | os.PathLike[str]) -> None:
        self.root = Path(pipeline_root).expanduser().resolve()
        if not self.root.exists():
            raise StoreError(
                f"there is no pipeline root at {self.root}: check the path (runs are recorded"
                " under the --pipeline-root / init(pipeline_root=...) they ran with)"
            )
        if not self.root.is_dir():
            raise StoreError(f"{self.root} is a file, not a pipeline root folder")
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = _index.connect_readonly(self.root)

    # ----------------------------------------------------------------- paths
    def run_dir(self, run_id: str) -> Path:
        return _index.run_dir(self.root, run_id)

    def task_dir(self, run_id: str, task_id: str) -> Path:
        return self.run_dir(run_id) / _index.task_dir_name(task_id)

    def log_path(self, run_id: str, task_id: str | None = None) -> Path:
        return _index.log_path(self.root, run_id, task_id)

    def cancel_requested(self, run_id: str) -> bool:
        return (self.run_dir(run_id) / _index.CANCEL_REQUEST).exists()

    # ----------------------------------------------------------------- queries
    def _index(self) -> sqlite3.Connection | None:
        if self._db is None:  # an index may appear after this reader was opened
            self._db = _index.connect_readonly(self.root)
        return self._db

    def list_runs(
        self,
        limit: int = 50,
        offset: int = 0,
        status: str | None = None,
        pipeline_name: str | None = None,
    ) -> list[RunRecord]:
        with self._lock:
            db = self._index()
            return [] if db is None else _index.list_runs(db, limit, offset, status, pipeline_name)

    def get_run(self, run_id: str) -> RunRecord | None:
        with self._lock:
            db = self._index()
            return None if db is None else _index.get_run(db, run_id)

    def get_tasks(self, run_id: str) -> list[TaskRecord]:
        with self._lock:
            db = self._index()
            return [] if db is None else _index.get_tasks(db, run_id)

    def latest_run(self, pipeline_name: str) -> RunRecord | None:
        runs = self.list_runs(limit=1, pipeline_name=pipeline_name)
        return runs[0] if runs else None

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
