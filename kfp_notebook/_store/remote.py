"""Where a run executed when a Kubeflow Pipelines cluster ran it: endpoint, the cluster's run id,
the link to the run in the KFP UI (table `remote_runs`, schema migration 2); and which process
follows it: the run's owner (`runs.owner_pid`), as a local run's engine is."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass

from kfp_notebook._model.states import RunState
from kfp_notebook._procs import process_start_ticks, same_process_alive
from kfp_notebook._store.liveness import ENGINE_GONE

__all__ = ["RemoteRecord", "claim_follower", "get_remote", "put_remote"]


@dataclass(frozen=True)
class RemoteRecord:
    run_id: str
    endpoint: str
    remote_run_id: str
    ui_url: str
    namespace: str = ""
    experiment: str = ""


def put_remote(db: sqlite3.Connection, record: RemoteRecord) -> None:
    """Insert or replace, and make this process the run's follower when no live process
    follows it (a follower that stopped: `_store/liveness.py`); the caller holds the
    transaction."""
    db.execute(
        "INSERT OR REPLACE INTO remote_runs (run_id, endpoint, remote_run_id, ui_url, namespace,"
        " experiment) VALUES (?,?,?,?,?,?)",
        (
            record.run_id,
            record.endpoint,
            record.remote_run_id,
            record.ui_url,
            record.namespace,
            record.experiment,
        ),
    )
    claim_follower(db, record.run_id)


def claim_follower(db: sqlite3.Connection, run_id: str) -> None:
    """Make this process the follower of `run_id` when no live process follows it: RUNNING
    with its follower gone, or INTERRUPTED by a kfp-notebook that reaped a stopped follower
    like a dead engine (before cluster runs were left "not followed"): RUNNING again."""
    owner = db.execute(
        "SELECT owner_pid, owner_start, status, message FROM runs WHERE run_id=?", (run_id,)
    ).fetchone()
    if owner is None or same_process_alive(owner[0] or 0, owner[1]):
        return
    reaped = owner[2] == RunState.INTERRUPTED.value and owner[3] == ENGINE_GONE
    if owner[2] != RunState.RUNNING.value and not reaped:
        return
    pid = os.getpid()
    db.execute(
        "UPDATE runs SET owner_pid=?, owner_start=?, status=?, finished=NULL, message=''"
        " WHERE run_id=?",
        (pid, process_start_ticks(pid), RunState.RUNNING.value, run_id),
    )


def get_remote(db: sqlite3.Connection, run_id: str) -> RemoteRecord | None:
    """The remote side of `run_id`, or None (a local run, or an index older than migration 2)."""
    try:
        row = db.execute(
            "SELECT run_id, endpoint, remote_run_id, ui_url, namespace, experiment"
            " FROM remote_runs WHERE run_id=?",
            (run_id,),
        ).fetchone()
    except sqlite3.OperationalError:  # no such table: written before remote runs existed
        return None
    return RemoteRecord(*row) if row else None
