"""Opening a store: reading changes nothing, a missing or read-only root is handled, and the
index's schema is versioned with a migration from the first (unversioned) schema."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kfp_notebook._errors import StoreError
from kfp_notebook._model.states import RunState
from kfp_notebook._store.layout import API_INDEX_NAME, INDEX_NAME
from kfp_notebook._store.reader import StoreReader
from kfp_notebook._store.roots import known_roots
from kfp_notebook._store.schema import SCHEMA, SCHEMA_VERSION
from kfp_notebook._store.store import RunStore


def _v0_index(root: Path, status: str = "SUCCEEDED", owner_pid: int | None = None) -> None:
    """An index as kfp-notebook wrote it before schema versions existed, with one run."""
    root.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(root / INDEX_NAME)
    db.executescript(SCHEMA)
    db.execute(
        "INSERT INTO runs (run_id, pipeline_name, status, created, finished, owner_pid,"
        " owner_start) VALUES ('old-run', 'old', ?, 1.0, 2.0, ?, 1)",
        (status, owner_pid),
    )
    db.commit()
    db.close()


def test_reading_a_missing_root_says_so_and_creates_nothing(tmp_path: Path) -> None:
    typo = tmp_path / "loacl_outputs"
    before = known_roots()
    out = subprocess.run(
        [sys.executable, "-m", "kfp_notebook._cli", "runs", "--pipeline-root", str(typo)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert out.stderr.startswith("error: there is no pipeline root at")
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not typo.exists()
    assert known_roots() == before
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    with pytest.raises(StoreError, match="not a pipeline root folder"):
        StoreReader(a_file)


def test_reading_never_reaps_or_registers(tmp_path: Path) -> None:
    root = tmp_path / "root"
    _v0_index(root, status="RUNNING", owner_pid=2**22 + 12345)  # an engine long gone
    reader = StoreReader(root)
    (run,) = reader.list_runs()  # it tells the engine is gone, and writes nothing
    assert (run.status, run.engine_gone, run.experiment) == (RunState.INTERRUPTED, True, "")
    assert root not in known_roots()
    reader.close()
    db = sqlite3.connect(root / INDEX_NAME)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    assert db.execute("SELECT status FROM runs").fetchone()[0] == "RUNNING"
    db.close()
    store = RunStore(root)  # opening to write migrates, registers and reaps
    (run,) = store.list_runs()
    assert (run.status, run.engine_gone) == (RunState.INTERRUPTED, False)
    assert root.resolve() in known_roots()
    store.close()


def test_an_unversioned_index_is_migrated_and_keeps_its_runs(tmp_path: Path) -> None:
    root = tmp_path / "root"
    _v0_index(root)
    store = RunStore(root)
    db = sqlite3.connect(root / INDEX_NAME)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    assert {"experiment", "runner", "settings"} <= columns
    (run,) = store.list_runs()
    assert (run.run_id, run.status, run.experiment, run.runner, run.settings) == (
        "old-run",
        RunState.SUCCEEDED,
        "",
        "",
        {},
    )
    store.close()
    RunStore(root).close()  # a second open finds it current
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.commit()
    with pytest.raises(StoreError, match="newer than this kfp-notebook knows"):
        RunStore(root)


def test_the_kfp_api_database_is_versioned_like_the_index(tmp_path: Path) -> None:
    """`.kfp-api.sqlite` written before it had a version opens and keeps its rows; one written
    by a newer kfp-notebook is refused with what to do."""
    from kfp_notebook._kfp_api.registry import MIGRATIONS, Registry

    root = tmp_path / "root"
    root.mkdir()
    old = sqlite3.connect(root / API_INDEX_NAME)
    old.execute(
        "CREATE TABLE experiments (experiment_id TEXT PRIMARY KEY, display_name TEXT NOT NULL,"
        " description TEXT NOT NULL, namespace TEXT NOT NULL, created REAL NOT NULL,"
        " storage_state TEXT NOT NULL)"
    )
    old.execute("INSERT INTO experiments VALUES ('e1', 'old', '', '', 1.0, 'AVAILABLE')")
    old.commit()
    registry = Registry(root)
    assert registry.get("experiments", "e1")["display_name"] == "old"
    assert registry.all("runs") == []  # the tables it lacked are there now
    registry.close()
    assert old.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    old.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    old.commit()
    with pytest.raises(StoreError, match="KFP API database has schema version"):
        Registry(root)


def test_an_uncreatable_root_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot record runs under"):
        RunStore(blocker / "root")


def _read_only_bind(source: Path, target: Path) -> bool:
    target.mkdir()
    steps = [
        ["mount", "--bind", str(source), str(target)],
        ["mount", "-o", "remount,bind,ro", str(target)],
    ]
    for step in steps:
        if subprocess.run(step, capture_output=True).returncode != 0:
            subprocess.run(["umount", str(target)], capture_output=True)
            return False
    return True


def test_a_read_only_root_can_be_listed(tmp_path: Path, session, pipeline_root: Path) -> None:
    from kfp import dsl

    @dsl.component(base_image="python:3.11")
    def hello() -> str:
        return "hi"

    run = session.run(hello)
    session.close()
    view = tmp_path / "ro"
    if os.geteuid() != 0 or not _read_only_bind(pipeline_root, view):
        pytest.skip("a read-only bind mount needs root and mount privileges")
    try:
        out = subprocess.run(
            [sys.executable, "-m", "kfp_notebook._cli", "runs", "--json", "--pipeline-root",
             str(view)],
            capture_output=True, text=True,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert [r["run_id"] for r in json.loads(out.stdout)] == [run.run_id]
        shown = subprocess.run(
            [sys.executable, "-m", "kfp_notebook._cli", "show", run.run_id, "--pipeline-root",
             str(view)],
            capture_output=True, text=True,
        )  # fmt: skip
        assert shown.returncode == 0 and "hello" in shown.stdout
    finally:
        subprocess.run(["umount", str(view)], check=True)


def test_a_closed_sessions_runs_still_read_and_record_nothing(session) -> None:
    """init() closes the session it replaces: the runs it started still read (status,
    outputs, tasks) from the index, read-only; recording through the closed store is one
    clear error (it was a bare AssertionError, reading included)."""
    from kfp import dsl

    @dsl.component(base_image="python:3.11")
    def add(a: int, b: int) -> int:
        return a + b

    run = session.run(add, {"a": 2, "b": 3})
    session.close()
    assert run.status is RunState.SUCCEEDED and run.output == 5
    assert set(run.tasks) == {"add"}
    assert session.store.get_run(run.run_id) is not None
    with pytest.raises(StoreError, match="is closed: nothing more is recorded"):
        session.store.reap_dead_runs()
