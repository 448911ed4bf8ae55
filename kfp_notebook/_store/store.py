"""The run store: run folders under the pipeline root plus a SQLite (WAL) index of runs and tasks.

The store is the truth about runs: it is an event listener while a run goes on, and everything
(listing, logs, re-display, resume, the sidebar) reads it afterwards, in any process.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kfp_notebook._errors import StoreError
from kfp_notebook._model.events import (
    ArtifactProduced,
    Event,
    LogLine,
    RunFinished,
    RunStarted,
    RunUnfollowed,
    TaskCreated,
    TaskFinished,
    TaskInputs,
    TaskStarted,
)
from kfp_notebook._model.states import LEAF_KINDS, RunState, TaskState
from kfp_notebook._procs import process_start_ticks
from kfp_notebook._store import layout, operations, unwritten
from kfp_notebook._store.logwrite import LogFiles
from kfp_notebook._store.objroot import resolve_root
from kfp_notebook._store.reader import StoreReader
from kfp_notebook._store.records import ArtifactRecord, RunRecord, TaskRecord
from kfp_notebook._store.remote import RemoteRecord, put_remote
from kfp_notebook._store.roots import register_root
from kfp_notebook._store.schema import migrate

__all__ = ["ArtifactRecord", "RunRecord", "RunStore", "TaskRecord"]

_LEAVES = ",".join("?" * len(LEAF_KINDS))


class RunStore(StoreReader):
    """One pipeline root opened to record runs: makes the folder, registers the root for the
    sidebar, brings the index's schema up to date and marks runs whose engine died. Reading
    alone goes through `StoreReader`, which changes nothing."""

    def __init__(self, pipeline_root: str | os.PathLike[str]) -> None:
        self._closed = False
        root = resolve_root(pipeline_root).resolve()
        try:
            root.mkdir(parents=True, exist_ok=True)
            db = operations.open_index(root)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            migrate(db)
        except (OSError, sqlite3.Error) as exc:
            why = f"{exc}{unwritten.disk_state(root)}"
            raise StoreError(
                f"cannot record runs under {root}: {why}; choose a writable --pipeline-root"
            ) from exc
        super().__init__(root)
        if self._db is not None:
            self._db.close()
        self._db = db
        self._logfiles = LogFiles(self.root)
        self._pending = unwritten.PendingEnds(self.root, self._record_end)
        register_root(self.root)
        self.reap_dead_runs()
        self._pending.apply_kept(self.get_run)

    def _index(self) -> sqlite3.Connection:
        """The index: writable while the store is open, read-only once it is closed (a `Run`
        of a session that init() replaced still reads its run)."""
        db = StoreReader._index(self) if self._closed else self._db
        if db is None:
            raise StoreError(f"the run index under {self.root} is gone")
        return db

    def _writable(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(
                f"this session's run store ({self.root}) is closed: nothing more is recorded"
                " through it; start a new Session (or init()) to run"
            )
        return self._index()

    # ----------------------------------------------------------------- cancel requests
    def request_cancel(self, run_id: str) -> bool:
        """Ask the engine running `run_id`, in whatever process, to cancel it; False when the run
        is not going on."""
        return operations.request_cancel(self.root, run_id)

    def clear_cancel_request(self, run_id: str) -> None:
        layout.cancel_request_path(self.root, run_id).unlink(missing_ok=True)

    def record_spec(self, run_id: str, text: str) -> None:
        """Keep the spec the run executes in its folder (made here), whole or not at all."""
        layout.write_spec(self.root, run_id, text)

    def new_run_id(self, pipeline_name: str) -> str:
        return layout.new_run_id(pipeline_name)

    # ----------------------------------------------------------------- writing (listener)
    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = self._writable()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def __call__(self, event: Event) -> None:
        """Record one event (the store is an EventBus listener)."""
        if isinstance(event, LogLine):
            self._logfiles.task_line(event.run_id, event.task_id, event.text)
        elif isinstance(event, TaskCreated):
            self._on_task_created(event)
        elif isinstance(event, TaskStarted):
            self._on_task_started(event)
        elif isinstance(event, TaskInputs):
            given = [json.dumps(v, default=str) for v in (event.inputs, event.input_artifacts)]
            with self._tx() as db:
                db.execute("UPDATE tasks SET inputs=?, input_artifacts=? WHERE run_id=?"
                           " AND task_id=?", (*given, event.run_id, event.task_id))  # fmt: skip
        elif isinstance(event, TaskFinished):
            self._on_task_finished(event)
        elif isinstance(event, ArtifactProduced):
            with self._tx() as db:
                db.execute(
                    "INSERT OR REPLACE INTO artifacts VALUES (?,?,?,?,?,?)",
                    (event.run_id, event.task_id, event.name, event.uri, event.schema_title,
                     json.dumps(event.metadata, default=str)),
                )  # fmt: skip
        elif isinstance(event, RunStarted):
            self._on_run_started(event)
        elif isinstance(event, RunFinished):
            self._on_run_finished(event)
        elif isinstance(event, RunUnfollowed):
            with self._tx() as db:  # no owner: readers see it not followed; a follower claims it
                db.execute(
                    "UPDATE runs SET owner_pid=0, owner_start=0, message=? WHERE run_id=?"
                    " AND status=?", (event.message, event.run_id, RunState.RUNNING.value),
                )  # fmt: skip
            self._logfiles.run_line(event.run_id, f"=== run {event.run_id} not followed ===")

    def _on_run_started(self, event: RunStarted) -> None:
        self.run_dir(event.run_id).mkdir(parents=True, exist_ok=True)
        pid = os.getpid()
        with self._tx() as db:
            if event.resumed:
                db.execute(  # the time the earlier attempts ran adds to `active`
                    "UPDATE runs SET status=?, message='', owner_pid=?, owner_start=?, runner=?,"
                    " settings=?, active=active + COALESCE(MAX(finished - COALESCE(resumed,"
                    " created), 0), 0), resumed=?, finished=NULL WHERE run_id=?",
                    (RunState.RUNNING.value, pid, process_start_ticks(pid), event.runner,
                     json.dumps(event.settings), event.time, event.run_id),
                )  # fmt: skip
            else:
                db.execute(
                    "INSERT INTO runs (run_id, pipeline_name, status, created, arguments,"
                    " owner_pid, owner_start, experiment, runner, settings)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        event.run_id,
                        event.pipeline_name,
                        RunState.RUNNING.value,
                        event.time,
                        json.dumps(event.arguments, default=str),
                        pid,
                        process_start_ticks(pid),
                        event.experiment,
                        event.runner,
                        json.dumps(event.settings),
                    ),
                )
        self._logfiles.run_line(
            event.run_id, f"=== run {event.run_id} {'resumed' if event.resumed else 'started'} ==="
        )

    def _on_run_finished(self, event: RunFinished) -> None:
        outcome = dict(state=event.state.value, time=event.time, outputs=event.outputs)
        outcome["message"] = event.message
        try:
            self._record_end(event.run_id, outcome, settle_tasks=False)
        except (OSError, sqlite3.Error):
            self._pending.add(event.run_id, outcome)  # retried; applied by the next open else
            raise
        finally:
            self._logfiles.end_run(event.run_id, f"=== run {event.run_id} {event.state.value} ===")

    def _record_end(self, run_id: str, outcome: dict[str, Any], settle_tasks: bool) -> None:
        with self._tx() as db:
            unwritten.apply_outcome(db, run_id, outcome, settle_tasks)

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
                " input_artifacts=?, pid=?, pid_start=? WHERE run_id=? AND task_id=?",
                (
                    TaskState.RUNNING.value,
                    event.time,
                    event.attempt,
                    json.dumps(event.inputs, default=str),
                    json.dumps(event.input_artifacts, default=str),
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
        self._logfiles.end_task(event.run_id, event.task_id)

    def record_remote(self, record: RemoteRecord) -> None:
        """Note where a run executes when a Kubeflow Pipelines cluster runs it."""
        with self._tx() as db:
            put_remote(db, record)

    # ----------------------------------------------------------------- reading
    def cache_lookup(self, cache_key: str) -> TaskRecord | None:
        with self._lock:
            db = self._index()
            row = db.execute(
                "SELECT t.* FROM cache c JOIN tasks t ON t.run_id=c.run_id AND t.task_id=c.task_id"
                " WHERE c.cache_key=? AND t.status=?",
                (cache_key, TaskState.SUCCEEDED.value),
            ).fetchone()
            if row is None:
                return None
            arts = db.execute(
                "SELECT * FROM artifacts WHERE run_id=? AND task_id=?",
                (row["run_id"], row["task_id"]),
            ).fetchall()
        return TaskRecord.from_row(row, [ArtifactRecord.from_row(a) for a in arts])

    # ----------------------------------------------------------------- operations
    def delete_run(self, run_id: str) -> bool:
        """Remove a finished run's index rows (and cache entries pointing at it) and folder."""
        with self._lock:
            return operations.delete_run(self.root, run_id)

    def reap_dead_runs(self) -> list[str]:
        """Mark runs whose engine process is gone as INTERRUPTED and stop their leftover tasks."""
        with self._lock:
            return operations.reap_dead_runs(self._writable())

    def close(self) -> None:
        self._pending.close()  # a last try
        self._logfiles.close()
        with self._lock:
            self._closed = True
        super().close()
