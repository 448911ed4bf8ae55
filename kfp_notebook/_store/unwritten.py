"""How runs ended when their pipeline root could not take the record (a full or failing disk):
kept outside the root, in the per-user state folder, until the index can be written again.

The engine's store retries while its process lives; whichever process next opens the root to
write applies what is left, so the run reads FAILED with its cause instead of INTERRUPTED.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kfp_notebook._model.states import LEAF_KINDS, RunState, TaskState
from kfp_notebook._store.records import RunRecord
from kfp_notebook._store.roots import state_home

__all__ = ["PendingEnds", "apply_outcome", "disk_state", "forget", "keep", "kept", "kept_one"]

Outcome = dict[str, Any]
_RETRY_SECONDS = 1.0

UNRECORDED_TASK = "its end was not recorded: the run store could not be written"


def disk_state(path: Path) -> str:
    """' (the disk is full)' or ' (the disk is read-only)' when that explains a failed write
    (SQLite says only "disk I/O error" when it cannot make its shared-memory file)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        stat = os.statvfs(path)
    except OSError:
        return ""
    if stat.f_blocks == 0:  # a pseudo file system (/proc, /sys): no disk to be full
        return ""
    if stat.f_flag & os.ST_RDONLY:
        return " (the disk holding it is read-only)"
    if stat.f_bavail == 0 or (stat.f_files and stat.f_favail == 0):
        return " (the disk holding it is full: no space left on device)"
    return ""


def _folder(root: Path) -> Path:
    return state_home() / "unwritten" / hashlib.sha256(str(root).encode()).hexdigest()[:16]


def keep(root: Path, run_id: str, outcome: dict[str, Any]) -> None:
    """Best effort: the state folder may sit on the full disk too."""
    with contextlib.suppress(OSError):
        folder = _folder(root)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{run_id}.json").write_text(json.dumps(outcome, default=str))


def kept(root: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    folder = _folder(root)
    if folder.is_dir():
        for path in folder.glob("*.json"):
            with contextlib.suppress(OSError, ValueError):
                found[path.stem] = json.loads(path.read_text())
    return found


def kept_one(root: Path, run_id: str) -> dict[str, Any] | None:
    """The end kept for one run, if any (what a reader shows of a run whose engine is gone)."""
    try:
        found = json.loads((_folder(root) / f"{run_id}.json").read_text())
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and "state" in found else None


def forget(root: Path, run_id: str) -> None:
    with contextlib.suppress(OSError):
        (_folder(root) / f"{run_id}.json").unlink()


def apply_outcome(
    db: sqlite3.Connection, run_id: str, outcome: dict[str, Any], settle_tasks: bool = False
) -> None:
    """Record the run's end (in an open transaction). `settle_tasks`: the tasks' own ends may be
    lost too, so none of them is left RUNNING or PENDING."""
    if settle_tasks:
        db.execute(
            "UPDATE tasks SET status=?, finished=?, pid=NULL, message=? WHERE run_id=? AND"
            " status IN (?,?)",
            (TaskState.CANCELLED.value, outcome["time"], UNRECORDED_TASK, run_id,
             TaskState.RUNNING.value, TaskState.PENDING.value),
        )  # fmt: skip
    leaves = sorted(LEAF_KINDS)
    marks = ",".join("?" * len(leaves))
    counts = db.execute(
        f"SELECT status, COUNT(*) FROM tasks WHERE run_id=? AND kind IN ({marks}) GROUP BY status",
        (run_id, *leaves),
    ).fetchall()
    db.execute(
        "UPDATE runs SET status=?, finished=?, outputs=?, message=?, task_counts=? WHERE run_id=?",
        (
            RunState(outcome["state"]).value,
            outcome["time"],
            json.dumps(outcome.get("outputs", {}), default=str),
            outcome["message"],
            json.dumps({r[0]: r[1] for r in counts}),
            run_id,
        ),
    )


class PendingEnds:
    """Run ends the index did not take: kept outside the root, retried every second while this
    process lives, tried once more at close; `apply_kept` writes those another process left."""

    def __init__(self, root: Path, record: Callable[[str, Outcome, bool], None]) -> None:
        self.root, self._record = root, record
        self._pending: dict[str, Outcome] = {}
        self._lock = threading.Lock()
        self._closed = False

    def add(self, run_id: str, outcome: Outcome) -> None:
        keep(self.root, run_id, outcome)
        with self._lock:
            self._pending[run_id] = outcome
            if len(self._pending) == 1:
                threading.Thread(target=self._retry, name="kfpnb-store-retry", daemon=True).start()

    def _try(self, run_id: str, outcome: Outcome) -> bool:
        try:
            self._record(run_id, outcome, True)
        except (OSError, sqlite3.Error, AssertionError):
            return False
        forget(self.root, run_id)
        with self._lock:
            self._pending.pop(run_id, None)
        return True

    def _retry(self) -> None:
        while True:
            time.sleep(_RETRY_SECONDS)
            with self._lock:
                if self._closed or not self._pending:
                    return
                pending = dict(self._pending)
            for run_id, outcome in pending.items():
                self._try(run_id, outcome)

    def apply_kept(self, get_run: Callable[[str], RunRecord | None]) -> None:
        for run_id, outcome in kept(self.root).items():
            record = get_run(run_id)
            if record is None or (
                record.status.terminal and record.status is not RunState.INTERRUPTED
            ):
                forget(self.root, run_id)  # gone, or its engine recorded it after all
            else:
                self._try(run_id, outcome)

    def close(self) -> None:
        with self._lock:
            pending = dict(self._pending)
        for run_id, outcome in pending.items():
            self._try(run_id, outcome)
        with self._lock:
            self._closed = True
