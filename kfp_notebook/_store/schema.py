"""SQLite schema of the run index and the read-only records it yields."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from kfp_notebook._events import RunState, TaskState

__all__ = ["SCHEMA", "ArtifactRecord", "RunRecord", "TaskRecord"]

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


@dataclass(frozen=True)
class ArtifactRecord:
    task_id: str
    name: str
    uri: str
    schema_title: str
    metadata: dict[str, Any]

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ArtifactRecord:
        return cls(
            row["task_id"],
            row["name"],
            row["uri"],
            row["schema_title"],
            json.loads(row["metadata"]),
        )


@dataclass(frozen=True)
class TaskRecord:
    run_id: str
    task_id: str
    name: str
    parent_id: str | None
    kind: str
    component: str
    dependencies: list[str]
    status: TaskState
    started: float | None
    finished: float | None
    attempts: int
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    message: str
    cache_key: str | None
    artifacts: list[ArtifactRecord] = field(default_factory=list)

    @property
    def duration(self) -> float | None:
        if self.started is None or self.finished is None:
            return None
        return self.finished - self.started

    @classmethod
    def from_row(cls, row: sqlite3.Row, artifacts: list[ArtifactRecord]) -> TaskRecord:
        return cls(
            run_id=row["run_id"],
            task_id=row["task_id"],
            name=row["name"],
            parent_id=row["parent_id"],
            kind=row["kind"],
            component=row["component"],
            dependencies=json.loads(row["dependencies"]),
            status=TaskState(row["status"]),
            started=row["started"],
            finished=row["finished"],
            attempts=row["attempts"],
            inputs=json.loads(row["inputs"]),
            outputs=json.loads(row["outputs"]),
            message=row["message"],
            cache_key=row["cache_key"],
            artifacts=artifacts,
        )


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    pipeline_name: str
    status: RunState
    created: float
    finished: float | None
    arguments: dict[str, Any]
    outputs: dict[str, Any]
    message: str
    task_counts: dict[str, int]

    @property
    def duration(self) -> float | None:
        return None if self.finished is None else self.finished - self.created

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> RunRecord:
        return cls(
            run_id=row["run_id"],
            pipeline_name=row["pipeline_name"],
            status=RunState(row["status"]),
            created=row["created"],
            finished=row["finished"],
            arguments=json.loads(row["arguments"]),
            outputs=json.loads(row["outputs"]),
            message=row["message"],
            task_counts=json.loads(row["task_counts"]),
        )
