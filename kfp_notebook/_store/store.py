"""The run store: run folders under the pipeline root plus a SQLite (WAL) index of runs and tasks.

The store is the truth about runs: it is an event listener while a run goes on, and everything
(listing, logs, re-display, resume, the sidebar) reads it afterwards, in any process.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from kfp_notebook import _store_index as _index
from kfp_notebook._events import (
    ArtifactProduced,
    Event,
    LogLine,
    RunFinished,
    RunStarted,
    RunState,
    TaskCreated,
    TaskFinished,
    TaskStarted,
    TaskState,
)
from kfp_notebook._procs import process_start_ticks, same_process_alive, stop_process_group
from kfp_notebook._roots import register_root
from kfp_notebook._store_index import (
    CANCEL_REQUEST,
    INDEX_NAME,
    RUN_LOG,
    TASK_LOG,
    task_dir_name,
)
from kfp_notebook._store_schema import SCHEMA, ArtifactRecord, RunRecord, TaskRecord

__all__ = ["ArtifactRecord", "RunRecord", "RunStore", "TaskRecord", "task_dir_name"]

def _still_ours(pgid: int, leader_start: int | None) -> bool:
    """Whether the process group a task led may still hold its processes: the leader itself,
    or (leader gone) members left behind; a pid cannot be reused while its group lives."""
    ticks = process_start_ticks(pgid)
    return ticks is None or leader_start is None or ticks == leader_start


class RunStore:
    """One pipeline root: its run folders and its index. Safe to share between threads."""

    def __init__(self, pipeline_root: str | os.PathLike[str]) -> None:
        self.root = Path(pipeline_root).expanduser().resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            self.root / INDEX_NAME, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._logs: dict[tuple[str, str], IO[str]] = {}
        self._run_logs: dict[str, IO[str]] = {}
        self._started: dict[tuple[str, str], float] = {}
        register_root(self.root)
        self.reap_dead_runs()

    # ----------------------------------------------------------------- paths and ids
    def run_dir(self, run_id: str) -> Path:
        return self.root / run_id

    def request_cancel(self, run_id: str) -> bool:
        """Ask the engine running `run_id`, in whatever process, to cancel it; False when the run
        is not going on."""
        record = self.get_run(run_id)
        if record is None or record.status.terminal:
            return False
        (self.run_dir(run_id) / CANCEL_REQUEST).touch()
        return True

    def cancel_requested(self, run_id: str) -> bool:
        return (self.run_dir(run_id) / CANCEL_REQUEST).exists()

    def clear_cancel_request(self, run_id: str) -> None:
        (self.run_dir(run_id) / CANCEL_REQUEST).unlink(missing_ok=True)

    def task_dir(self, run_id: str, task_id: str) -> Path:
        return self.run_dir(run_id) / task_dir_name(task_id)

    def log_path(self, run_id: str, task_id: str | None = None) -> Path:
        if task_id is None:
            return self.run_dir(run_id) / RUN_LOG
        return self.task_dir(run_id, task_id) / TASK_LOG

    def new_run_id(self, pipeline_name: str) -> str:
        stem = re.sub(r"[^a-z0-9-]+", "-", pipeline_name.lower()).strip("-")[:40] or "run"
        return f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"

    # ----------------------------------------------------------------- writing (listener)
    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def __call__(self, event: Event) -> None:
        """Record one event (the store is an EventBus listener)."""
        if isinstance(event, LogLine):
            self._write_log(event)
        elif isinstance(event, TaskCreated):
            self._on_task_created(event)
        elif isinstance(event, TaskStarted):
            self._on_task_started(event)
        elif isinstance(event, TaskFinished):
            self._on_task_finished(event)
        elif isinstance(event, ArtifactProduced):
            with self._tx() as db:
                db.execute(
                    "INSERT OR REPLACE INTO artifacts VALUES (?,?,?,?,?,?)",
                    (
                        event.run_id,
                        event.task_id,
                        event.name,
                        event.uri,
                        event.schema_title,
                        json.dumps(event.metadata, default=str),
                    ),
                )
        elif isinstance(event, RunStarted):
            self._on_run_started(event)
        elif isinstance(event, RunFinished):
            self._on_run_finished(event)

    def _on_run_started(self, event: RunStarted) -> None:
        self.run_dir(event.run_id).mkdir(parents=True, exist_ok=True)
        pid = os.getpid()
        with self._tx() as db:
            if event.resumed:
                db.execute(
                    "UPDATE runs SET status=?, finished=NULL, message='', owner_pid=?,"
                    " owner_start=?"
                    " WHERE run_id=?",
                    (RunState.RUNNING.value, pid, process_start_ticks(pid), event.run_id),
                )
            else:
                db.execute(
                    "INSERT INTO runs (run_id, pipeline_name, status, created, arguments,"
                    " owner_pid, owner_start) VALUES (?,?,?,?,?,?,?)",
                    (
                        event.run_id,
                        event.pipeline_name,
                        RunState.RUNNING.value,
                        event.time,
                        json.dumps(event.arguments, default=str),
                        pid,
                        process_start_ticks(pid),
                    ),
                )
        self._run_log(event.run_id).write(
            f"=== run {event.run_id} {'resumed' if event.resumed else 'started'} ===\n"
        )

    def _on_run_finished(self, event: RunFinished) -> None:
        with self._tx() as db:
            counts = db.execute(
                "SELECT status, COUNT(*) FROM tasks WHERE run_id=? AND kind IN"
                " ('container','importer') GROUP BY status",
                (event.run_id,),
            ).fetchall()
            db.execute(
                "UPDATE runs SET status=?, finished=?, outputs=?, message=?, task_counts=?"
                " WHERE run_id=?",
                (
                    event.state.value,
                    event.time,
                    json.dumps(event.outputs, default=str),
                    event.message,
                    json.dumps({r[0]: r[1] for r in counts}),
                    event.run_id,
                ),
            )
        log = self._run_logs.pop(event.run_id, None)
        if log is not None:
            log.write(f"=== run {event.run_id} {event.state.value} ===\n")
            log.close()
        for key in [k for k in self._logs if k[0] == event.run_id]:
            self._logs.pop(key).close()

    def _on_task_created(self, event: TaskCreated) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO tasks (run_id, task_id, name, parent_id, kind, component, status,"
                " dependencies) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(run_id, task_id) DO UPDATE"
                " SET status=excluded.status, started=NULL, finished=NULL, message=''",
                (
                    event.run_id,
                    event.task_id,
                    event.name,
                    event.parent_id,
                    event.kind,
                    event.component,
                    TaskState.PENDING.value,
                    json.dumps(event.dependencies),
                ),
            )

    def _on_task_started(self, event: TaskStarted) -> None:
        pgid_start = process_start_ticks(event.pid) if event.pid else None
        with self._tx() as db:
            db.execute(
                "UPDATE tasks SET status=?, started=COALESCE(started, ?), attempts=?, inputs=?,"
                " pid=?, pid_start=? WHERE run_id=? AND task_id=?",
                (
                    TaskState.RUNNING.value,
                    event.time,
                    event.attempt,
                    json.dumps(event.inputs, default=str),
                    event.pid,
                    pgid_start,
                    event.run_id,
                    event.task_id,
                ),
            )

    def _on_task_finished(self, event: TaskFinished) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE tasks SET status=?, finished=?, outputs=?, message=?, attempts=?,"
                " cache_key=?, pid=NULL WHERE run_id=? AND task_id=?",
                (
                    event.state.value,
                    event.time,
                    json.dumps(event.outputs, default=str),
                    event.message,
                    event.attempts,
                    event.cache_key,
                    event.run_id,
                    event.task_id,
                ),
            )
            if event.state is TaskState.SUCCEEDED and event.cache_key:
                db.execute(
                    "INSERT OR REPLACE INTO cache VALUES (?,?,?,?)",
                    (event.cache_key, event.run_id, event.task_id, event.time),
                )
        log = self._logs.pop((event.run_id, event.task_id), None)
        if log is not None:
            log.close()

    def _run_log(self, run_id: str) -> IO[str]:
        log = self._run_logs.get(run_id)
        if log is None:
            self.run_dir(run_id).mkdir(parents=True, exist_ok=True)
            log = open(self.log_path(run_id), "a", buffering=1, encoding="utf-8")  # noqa: SIM115
            self._run_logs[run_id] = log
        return log

    def _write_log(self, event: LogLine) -> None:
        key = (event.run_id, event.task_id)
        with self._lock:
            log = self._logs.get(key)
            if log is None:
                path = self.log_path(event.run_id, event.task_id)
                path.parent.mkdir(parents=True, exist_ok=True)
                log = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115
                self._logs[key] = log
            log.write(event.text + "\n")
            self._run_log(event.run_id).write(f"{event.task_id} | {event.text}\n")

    # ----------------------------------------------------------------- reading
    def list_runs(
        self,
        limit: int = 50,
        offset: int = 0,
        status: str | None = None,
        pipeline_name: str | None = None,
    ) -> list[RunRecord]:
        with self._lock:
            return _index.list_runs(self._db, limit, offset, status, pipeline_name)

    def get_run(self, run_id: str) -> RunRecord | None:
        with self._lock:
            return _index.get_run(self._db, run_id)

    def get_tasks(self, run_id: str) -> list[TaskRecord]:
        with self._lock:
            return _index.get_tasks(self._db, run_id)

    def cache_lookup(self, cache_key: str) -> TaskRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT t.* FROM cache c JOIN tasks t ON t.run_id=c.run_id AND t.task_id=c.task_id"
                " WHERE c.cache_key=? AND t.status=?",
                (cache_key, TaskState.SUCCEEDED.value),
            ).fetchone()
            if row is None:
                return None
            arts = self._db.execute(
                "SELECT * FROM artifacts WHERE run_id=? AND task_id=?",
                (row["run_id"], row["task_id"]),
            ).fetchall()
        return TaskRecord.from_row(row, [ArtifactRecord.from_row(a) for a in arts])

    def latest_run(self, pipeline_name: str) -> RunRecord | None:
        runs = self.list_runs(limit=1, pipeline_name=pipeline_name)
        return runs[0] if runs else None

    def delete_run(self, run_id: str) -> bool:
        """Remove a finished run's index rows (and cache entries pointing at it) and folder."""
        record = self.get_run(run_id)
        if record is None:
            return False
        if record.status is RunState.RUNNING:
            raise RuntimeError(f"run {run_id} is still running; cancel it before deleting it")
        with self._lock:
            _index.delete_run_rows(self._db, run_id)
        shutil.rmtree(self.run_dir(run_id), ignore_errors=True)
        return True

    # ----------------------------------------------------------------- crash recovery
    def reap_dead_runs(self) -> list[str]:
        """Mark runs whose engine process is gone as INTERRUPTED and stop their leftover tasks."""
        with self._lock:
            rows = self._db.execute(
                "SELECT run_id, owner_pid, owner_start FROM runs WHERE status=?",
                (RunState.RUNNING.value,),
            ).fetchall()
        dead = [
            r["run_id"]
            for r in rows
            if not same_process_alive(r["owner_pid"] or 0, r["owner_start"])
        ]
        for run_id in dead:
            with self._lock:
                leftovers = self._db.execute(
                    "SELECT pid, pid_start FROM tasks WHERE run_id=? AND pid IS NOT NULL",
                    (run_id,),
                ).fetchall()
            for t in leftovers:
                if _still_ours(t["pid"], t["pid_start"]):
                    stop_process_group(t["pid"], grace=1.0)
            now = time.time()
            with self._tx() as db:
                db.execute(
                    "UPDATE tasks SET status=?, finished=?, pid=NULL,"
                    " message='interrupted: the engine process died' WHERE run_id=? AND status IN"
                    " (?,?)",
                    (
                        TaskState.CANCELLED.value,
                        now,
                        run_id,
                        TaskState.RUNNING.value,
                        TaskState.PENDING.value,
                    ),
                )
                db.execute(
                    "UPDATE runs SET status=?, finished=?, message=? WHERE run_id=?",
                    (
                        RunState.INTERRUPTED.value,
                        now,
                        "the process running this run ended before the run finished",
                        run_id,
                    ),
                )
        return dead

    def close(self) -> None:
        with self._lock:
            for log in [*self._logs.values(), *self._run_logs.values()]:
                log.close()
            self._logs.clear()
            self._run_logs.clear()
            self._db.close()
