"""Reading a pipeline root without changing anything: no folder made, no root registered, no
process reaped. The CLI's listing, the Run handle of a recorded run, `%kfp show` and the
views read through this, and so do both HTTP doors (the sidebar's API and KFP's API), one
reader per request or per server; a read-only root can be listed.

    with StoreReader(root) as reader:
        page = reader.page_runs(limit=50)
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import kfp_notebook._store.index as _index
from kfp_notebook._errors import StoreError
from kfp_notebook._store import layout
from kfp_notebook._store.index import RunPage
from kfp_notebook._store.liveness import as_seen, summaries_as_seen, tasks_as_seen
from kfp_notebook._store.objroot import resolve_root
from kfp_notebook._store.records import RunRecord, TaskRecord, TaskSummary
from kfp_notebook._store.remote import RemoteRecord, get_remote
from kfp_notebook._store.seen import list_seen, page_seen

__all__ = ["StoreReader"]


class StoreReader:
    """The runs recorded under one pipeline root. Safe to share between threads."""

    def __init__(self, pipeline_root: str | os.PathLike[str]) -> None:
        self.root = resolve_root(pipeline_root).resolve()
        if not self.root.exists():
            raise StoreError(
                f"there is no pipeline root at {self.root}: check the path (runs are recorded"
                " under the --pipeline-root / init(pipeline_root=...) they ran with)"
            )
        if not self.root.is_dir():
            raise StoreError(f"{self.root} is a file, not a pipeline root folder")
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = _index.connect_readonly(self.root)

    def __enter__(self) -> StoreReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- the run folder
    def run_dir(self, run_id: str) -> Path:
        return layout.run_dir(self.root, run_id)

    def task_dir(self, run_id: str, task_id: str) -> Path:
        return layout.task_dir(self.root, run_id, task_id)

    def log_path(self, run_id: str, task_id: str | None = None) -> Path:
        return layout.log_path(self.root, run_id, task_id)

    def spec_path(self, run_id: str) -> Path:
        return layout.spec_path(self.root, run_id)

    def read_spec(self, run_id: str) -> str:
        """The spec the run executed (OSError when its folder has none)."""
        return layout.read_spec(self.root, run_id)

    def cancel_requested(self, run_id: str) -> bool:
        return layout.cancel_request_path(self.root, run_id).exists()

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
        experiment: str | None = None,
    ) -> list[RunRecord]:
        with self._lock:
            db = self._index()
            if db is None:
                return []
            return list_seen(db, self.root, limit, offset, status, pipeline_name, experiment)

    def get_run(self, run_id: str) -> RunRecord | None:
        with self._lock:
            db = self._index()
            found = None if db is None else _index.get_run(db, run_id)
        return None if found is None else as_seen(self.root, found)

    def get_tasks(self, run_id: str) -> list[TaskRecord]:
        with self._lock:
            db = self._index()
            tasks = [] if db is None else _index.get_tasks(db, run_id)
        return tasks_as_seen(self.get_run(run_id), tasks) if tasks else tasks

    def leaf_summaries(self, run_id: str) -> list[TaskSummary]:
        with self._lock:
            db = self._index()
            summaries = [] if db is None else _index.leaf_summaries(db, run_id)
        return summaries_as_seen(self.get_run(run_id), summaries) if summaries else summaries

    def remote(self, run_id: str) -> RemoteRecord | None:
        """Where `run_id` ran when a Kubeflow Pipelines cluster ran it (else None)."""
        with self._lock:
            db = self._index()
            return None if db is None else get_remote(db, run_id)

    def page_runs(
        self,
        limit: int = 50,
        cursor: str | None = None,
        statuses: list[str] | None = None,
        pipeline_name: str | None = None,
        text: str | None = None,
        experiment: str | None = None,
    ) -> RunPage:
        """A keyset page of runs, newest first, filtered on the states they read in (`seen.py`;
        ValueError on a cursor it did not make)."""
        with self._lock:
            db = self._index()
            if db is None:
                return RunPage([], 0, None)
            filters = (pipeline_name, text, experiment)
            return page_seen(db, self.root, limit, cursor, statuses, filters)

    def count_runs(self) -> int:
        with self._lock:
            db = self._index()
            return 0 if db is None else _index.count_runs(db)

    def change_token(self) -> str:
        """A short string that changes whenever a run, task or artifact of the root changes."""
        with self._lock:
            return _index.change_token(self.root, self._index())

    def pipeline_names(self) -> dict[str, int]:
        with self._lock:
            db = self._index()
            return {} if db is None else _index.pipeline_names(db)

    def experiment_names(self) -> dict[str, int]:
        with self._lock:
            db = self._index()
            return {} if db is None else _index.experiment_names(db)

    def latest_run(self, pipeline_name: str) -> RunRecord | None:
        runs = self.list_runs(limit=1, pipeline_name=pipeline_name)
        return runs[0] if runs else None

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
