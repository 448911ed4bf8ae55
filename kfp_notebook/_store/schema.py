"""SQLite schema of the run index, with its version (`PRAGMA user_version`) and migrations.

`SCHEMA` is the first schema (version 0, as written before versions existed); every later
change is a migration, so a fresh index and an old one reach the same shape by one path."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from kfp_notebook._errors import StoreError

__all__ = ["SCHEMA", "SCHEMA_VERSION", "migrate"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    pipeline_name TEXT NOT NULL,
    status TEXT NOT NULL,
    created REAL NOT NULL,
    finished REAL,
    arguments TEXT NOT NULL DEFAULT '{}',
    outputs TEXT NOT NULL DEFAULT '{}',
    message TEXT NOT NULL DEFAULT '',
    task_counts TEXT NOT NULL DEFAULT '{}',
    owner_pid INTEGER,
    owner_start INTEGER
);
CREATE INDEX IF NOT EXISTS runs_created ON runs (created DESC);
CREATE INDEX IF NOT EXISTS runs_status ON runs (status, created DESC);
CREATE INDEX IF NOT EXISTS runs_pipeline ON runs (pipeline_name, created DESC);
CREATE TABLE IF NOT EXISTS tasks (
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_id TEXT,
    kind TEXT NOT NULL,
    component TEXT NOT NULL DEFAULT '',
    dependencies TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL,
    started REAL,
    finished REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    inputs TEXT NOT NULL DEFAULT '{}',
    outputs TEXT NOT NULL DEFAULT '{}',
    message TEXT NOT NULL DEFAULT '',
    cache_key TEXT,
    pid INTEGER,
    pid_start INTEGER,
    PRIMARY KEY (run_id, task_id)
);
CREATE TABLE IF NOT EXISTS artifacts (
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    name TEXT NOT NULL,
    uri TEXT NOT NULL,
    schema_title TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, task_id, name)
);
CREATE TABLE IF NOT EXISTS cache (
    cache_key TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    created REAL NOT NULL
);
-- A write counter the triggers below bump: the sidebar's cheap "did anything change" token.
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    counter INTEGER NOT NULL
);
INSERT OR IGNORE INTO changes VALUES (0, 0);
CREATE TRIGGER IF NOT EXISTS runs_insert_bump AFTER INSERT ON runs
    BEGIN UPDATE changes SET counter = counter + 1 WHERE id = 0; END;
CREATE TRIGGER IF NOT EXISTS runs_update_bump AFTER UPDATE ON runs
    BEGIN UPDATE changes SET counter = counter + 1 WHERE id = 0; END;
CREATE TRIGGER IF NOT EXISTS runs_delete_bump AFTER DELETE ON runs
    BEGIN UPDATE changes SET counter = counter + 1 WHERE id = 0; END;
CREATE TRIGGER IF NOT EXISTS tasks_insert_bump AFTER INSERT ON tasks
    BEGIN UPDATE changes SET counter = counter + 1 WHERE id = 0; END;
CREATE TRIGGER IF NOT EXISTS tasks_update_bump AFTER UPDATE ON tasks
    BEGIN UPDATE changes SET counter = counter + 1 WHERE id = 0; END;
CREATE TRIGGER IF NOT EXISTS tasks_delete_bump AFTER DELETE ON tasks
    BEGIN UPDATE changes SET counter = counter + 1 WHERE id = 0; END;
CREATE TRIGGER IF NOT EXISTS artifacts_insert_bump AFTER INSERT ON artifacts
    BEGIN UPDATE changes SET counter = counter + 1 WHERE id = 0; END;
CREATE TRIGGER IF NOT EXISTS artifacts_update_bump AFTER UPDATE ON artifacts
    BEGIN UPDATE changes SET counter = counter + 1 WHERE id = 0; END;
CREATE TRIGGER IF NOT EXISTS artifacts_delete_bump AFTER DELETE ON artifacts
    BEGIN UPDATE changes SET counter = counter + 1 WHERE id = 0; END;
"""


def _v1_experiment_and_runner(db: sqlite3.Connection) -> None:
    columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    if "experiment" not in columns:
        db.execute("ALTER TABLE runs ADD COLUMN experiment TEXT NOT NULL DEFAULT ''")
    if "runner" not in columns:
        db.execute("ALTER TABLE runs ADD COLUMN runner TEXT NOT NULL DEFAULT ''")


def _v2_remote_runs(db: sqlite3.Connection) -> None:
    """Where a run executed when it ran on a Kubeflow Pipelines cluster (runner "kubeflow")."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS remote_runs (run_id TEXT PRIMARY KEY, endpoint TEXT NOT NULL,"
        " remote_run_id TEXT NOT NULL, ui_url TEXT NOT NULL DEFAULT '',"
        " namespace TEXT NOT NULL DEFAULT '', experiment TEXT NOT NULL DEFAULT '')"
    )


def _v3_run_settings(db: sqlite3.Connection) -> None:
    """How a run was started (workers, use_venv), so a re-run from the sidebar starts alike."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    if "settings" not in columns:
        db.execute("ALTER TABLE runs ADD COLUMN settings TEXT NOT NULL DEFAULT '{}'")


def _v4_task_input_artifacts(db: sqlite3.Connection) -> None:
    """The input artifacts a task was given, so that one task can be spun again alone."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(tasks)")}
    if "input_artifacts" not in columns:
        db.execute("ALTER TABLE tasks ADD COLUMN input_artifacts TEXT NOT NULL DEFAULT '{}'")


def _v5_run_active_time(db: sqlite3.Connection) -> None:
    """A resumed run's duration counts the time it ran, not the idle gap before the resume:
    `resumed` is when its latest attempt started, `active` the seconds of the ones before."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    if "resumed" not in columns:
        db.execute("ALTER TABLE runs ADD COLUMN resumed REAL")
    if "active" not in columns:
        db.execute("ALTER TABLE runs ADD COLUMN active REAL NOT NULL DEFAULT 0")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1_experiment_and_runner,
    _v2_remote_runs,
    _v3_run_settings,
    _v4_task_input_artifacts,
    _v5_run_active_time,
]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(
    db: sqlite3.Connection,
    schema: str = SCHEMA,
    migrations: list[Callable[[sqlite3.Connection], None]] = MIGRATIONS,
    what: str = "index",
) -> None:
    """Bring the database on `db` (autocommit mode) from its `user_version` to the number of
    `migrations`: `schema` is version 0 (the run index's by default; KFP's API keeps its own
    beside it). Safe when several processes open it at once; refuses one written by a newer
    kfp-notebook."""
    latest = len(migrations)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version == latest and latest > 0:  # (with no migrations yet, `schema` is made each time)
        return
    if version > latest:
        raise StoreError(
            f"this pipeline root's {what} has schema version {version}, newer than this"
            f" kfp-notebook knows ({latest}): upgrade kfp-notebook-runner"
        )
    db.executescript(schema)
    db.execute("BEGIN IMMEDIATE")
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        for step in migrations[version:]:
            step(db)
        db.execute(f"PRAGMA user_version={latest}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
