"""Filters on a run's state match what readers show: a run recorded RUNNING whose engine is
gone reads INTERRUPTED in every listing, before any writer has reaped it, and is counted and
found there (the CLI's `runs --status`, list_runs, the sidebar's pages and their totals)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kfp_notebook._model.states import RunState
from kfp_notebook._procs import process_start_ticks
from kfp_notebook._store.layout import INDEX_NAME
from kfp_notebook._store.reader import StoreReader
from kfp_notebook._store.store import RunStore

GONE = 2**22 + 12345  # no process has this pid (pid_max is 2**22 at most)


def _root(tmp_path: Path) -> Path:
    """Seven runs, newest first: live RUNNING, dead RUNNING x3, INTERRUPTED, SUCCEEDED x2."""
    root = tmp_path / "root"
    RunStore(root).close()
    me = os.getpid()
    rows = [
        ("live", "RUNNING", 7.0, me, process_start_ticks(me)),
        ("dead-1", "RUNNING", 6.0, GONE, 1),
        ("dead-2", "RUNNING", 5.0, GONE, 1),
        ("dead-3", "RUNNING", 4.0, GONE, 1),
        ("reaped", "INTERRUPTED", 3.0, None, None),
        ("ok-1", "SUCCEEDED", 2.0, None, None),
        ("ok-2", "SUCCEEDED", 1.0, None, None),
    ]
    db = sqlite3.connect(root / INDEX_NAME)
    db.executemany(
        "INSERT INTO runs (run_id, pipeline_name, status, created, owner_pid, owner_start,"
        " runner) VALUES (?, 'p', ?, ?, ?, ?, 'subprocess')",
        rows,
    )
    db.commit()
    db.close()
    return root


def _ids(runs) -> list[str]:
    return [r.run_id for r in runs]


@pytest.mark.unit
def test_listing_by_state_lists_a_dead_engines_run_where_it_reads(tmp_path: Path) -> None:
    with StoreReader(_root(tmp_path)) as reader:
        assert _ids(reader.list_runs(status="RUNNING")) == ["live"]
        interrupted = reader.list_runs(status="INTERRUPTED")
        assert _ids(interrupted) == ["dead-1", "dead-2", "dead-3", "reaped"]
        assert {r.status for r in interrupted} == {RunState.INTERRUPTED}
        assert _ids(reader.list_runs(status="INTERRUPTED", limit=2, offset=1)) == [
            "dead-2",
            "dead-3",
        ]
        assert _ids(reader.list_runs(status="SUCCEEDED")) == ["ok-1", "ok-2"]
        assert len(reader.list_runs()) == 7
        page = reader.page_runs(limit=2, statuses=["INTERRUPTED"])
        assert (_ids(page.runs), page.total) == (["dead-1", "dead-2"], 4)
        rest = reader.page_runs(limit=2, cursor=page.next_cursor, statuses=["INTERRUPTED"])
        assert (_ids(rest.runs), rest.total, rest.next_cursor) == (["dead-3", "reaped"], 4, None)
        running = reader.page_runs(statuses=["RUNNING"])
        assert (_ids(running.runs), running.total) == (["live"], 1)
        both = reader.page_runs(limit=3, statuses=["RUNNING", "SUCCEEDED"])
        assert (_ids(both.runs), both.total) == (["live", "ok-1", "ok-2"], 3)
        assert both.next_cursor is None
        assert reader.page_runs(limit=50).total == 7


def test_runs_status_in_the_cli_matches_what_show_says(tmp_path: Path) -> None:
    root = _root(tmp_path)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "kfp_notebook", *args, "--pipeline-root", str(root)]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    def runs(*args: str) -> subprocess.CompletedProcess[str]:
        return cli("runs", *args)

    assert "INTERRUPTED" in cli("show", "dead-2").stdout

    listed = runs("--status", "interrupted")  # any case
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == [
        "dead-1",
        "dead-2",
        "dead-3",
        "reaped",
    ]
    assert "no RUNNING runs" not in runs("--status", "RUNNING").stdout
    assert "dead" not in runs("--status", "RUNNING").stdout
    bad = runs("--status", "done")
    assert bad.returncode == 2 and "is not a run state: use one of RUNNING" in bad.stderr
    assert runs("--limit", "0").returncode == 2
    assert "no FAILED runs in" in runs("--status", "FAILED").stdout
    db = sqlite3.connect(root / INDEX_NAME)  # readers wrote nothing
    assert db.execute("SELECT COUNT(*) FROM runs WHERE status='RUNNING'").fetchone()[0] == 4
    db.close()
