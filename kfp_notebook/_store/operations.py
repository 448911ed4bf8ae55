"""The store's operations, kept once: delete a run, ask a run's engine to cancel, and mark runs
whose engine died INTERRUPTED (stopping what they left running). The engine's store, the CLI,
the Python API and the Jupyter server all call these."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import kfp_notebook._store.index as _index
from kfp_notebook._errors import RunStillRunningError
from kfp_notebook._model.states import RunState, TaskState
from kfp_notebook._procs import process_start_ticks, same_process_alive, stop_process_group
from kfp_notebook._runners import REMOTE_RUNNER
from kfp_notebook._store import layout
from kfp_notebook._store.liveness import ENGINE_GONE, TASK_INTERRUPTED, engine_gone

__all__ = ["delete_run", "open_index", "reap_dead_runs", "request_cancel"]


def open_index(root: Path) -> sqlite3.Connection:
    """A read-write connection (autocommit; callers open their own transactions)."""
    db = sqlite3.connect(
        root / layout.INDEX_NAME, check_same_thread=False, isolation_level=None, timeout=30
    )
    db.row_factory = sqlite3.Row
    return db


def request_cancel(root: Path, run_id: str) -> bool:
    """Ask the engine running `run_id`, in whatever process, to cancel it (a file in the run
    folder that the engine polls); False when the run is not going on."""
    db = _index.connect_readonly(root)
    if db is None:
        return False
    try:
        record = _index.get_run(db, run_id)
    finally:
        db.close()
    if record is None or record.status.terminal:
        return False
    if engine_gone(record):  # nobody would read the request: end the run now
        db = open_index(root)
        try:
            reap_dead_runs(db)
        finally:
            db.close()
        return True
    layout.cancel_request_path(root, run_id).touch()
    return True


def delete_run(root: Path, run_id: str) -> bool:
    """Remove a finished run's index rows (and cache entries pointing at it) and its folder.
    False when there is no such run; RunStillRunningError while it runs."""
    folder = layout.run_dir(root, run_id)
    db = open_index(root)
    try:
        record = _index.get_run(db, run_id)
        if record is None:
            return False
        if not record.status.terminal:
            raise RunStillRunningError(
                f"run {run_id} is still running; cancel it before deleting it"
            )
        _index.delete_run_rows(db, run_id)
    finally:
        db.close()
    if folder.is_symlink():
        folder.unlink()  # never follow a link out of the root
    elif folder.is_dir():
        shutil.rmtree(folder)
    return True


def _still_ours(pgid: int, leader_start: int | None) -> bool:
    """Whether the process group a task led may still hold its processes: the leader itself,
    or (leader gone) members left behind; a pid cannot be reused while its group lives."""
    ticks = process_start_ticks(pgid)
    return ticks is None or leader_start is None or ticks == leader_start


def reap_dead_runs(db: sqlite3.Connection) -> list[str]:
    """Mark runs whose engine process is gone INTERRUPTED and stop their leftover tasks. A run
    on a cluster goes on there when its follower stops: it is left RUNNING (`liveness.py`)."""
    rows = db.execute(
        "SELECT run_id, owner_pid, owner_start FROM runs WHERE status=? AND runner IS NOT ?",
        (RunState.RUNNING.value, REMOTE_RUNNER),
    ).fetchall()
    dead = [r[0] for r in rows if not same_process_alive(r[1] or 0, r[2])]
    for run_id in dead:
        leftovers = db.execute(
            "SELECT pid, pid_start FROM tasks WHERE run_id=? AND pid IS NOT NULL", (run_id,)
        ).fetchall()
        for pid, pid_start in leftovers:
            if _still_ours(pid, pid_start):
                stop_process_group(pid, grace=1.0)
        now = time.time()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "UPDATE tasks SET status=?, finished=?, pid=NULL,"
                " message=? WHERE run_id=? AND status IN (?,?)",
                (TaskState.CANCELLED.value, now, TASK_INTERRUPTED, run_id,
                 TaskState.RUNNING.value, TaskState.PENDING.value),
            )  # fmt: skip
            db.execute(
                "UPDATE runs SET status=?, finished=?, message=? WHERE run_id=?",
                (RunState.INTERRUPTED.value, now, ENGINE_GONE, run_id),
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return dead
