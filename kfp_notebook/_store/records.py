"""The read-only records the run index yields: a run, a task, an artifact."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from kfp_notebook._model.states import RunState, TaskKind, TaskState

__all__ = ["ArtifactRecord", "RunRecord", "TaskRecord", "TaskSummary", "is_metadata_kind"]

_METADATA_KINDS = ("system.Metrics", "system.ClassificationMetrics")


def is_metadata_kind(schema_title: str) -> bool:
    """Metrics and classification metrics: what they hold is in the artifact's metadata (KFP's
    launcher uploads no file for them)."""
    return schema_title.split("@")[0] in _METADATA_KINDS


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
    kind: TaskKind
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
    # the input artifacts it was given: name -> [{"uri", "type", "metadata"}, ...]
    input_artifacts: dict[str, Any] = field(default_factory=dict)

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
            kind=TaskKind(row["kind"]),
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
            input_artifacts=json.loads(_optional(row, "input_artifacts") or "{}"),
        )


@dataclass(frozen=True)
class TaskSummary:
    """What a comparison needs of a leaf task: no inputs, outputs or dependencies to decode."""

    task_id: str
    name: str
    kind: TaskKind
    component: str
    status: TaskState
    started: float | None
    finished: float | None
    artifacts: list[ArtifactRecord] = field(default_factory=list)

    @property
    def duration(self) -> float | None:
        if self.started is None or self.finished is None:
            return None
        return self.finished - self.started


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
    experiment: str = ""
    runner: str = ""
    settings: dict[str, Any] = field(default_factory=dict)  # workers, use_venv
    owner_pid: int | None = None  # the engine process recording the run, while it runs
    owner_start: int | None = None
    # recorded RUNNING, but its engine is gone: readers show how it ended (`_store/liveness.py`)
    engine_gone: bool = False
    resumed: float | None = None  # when its latest attempt (a resume) started
    active: float = 0.0  # seconds its attempts before that one ran

    @property
    def duration(self) -> float | None:
        """The time it ran: a resume's idle gap since the attempt before is not counted."""
        if self.finished is None:
            return None
        return self.active + self.finished - (self.resumed or self.created)

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
            experiment=_optional(row, "experiment"),
            runner=_optional(row, "runner"),
            settings=json.loads(_optional(row, "settings") or "{}"),
            owner_pid=row["owner_pid"],
            owner_start=row["owner_start"],
            resumed=row["resumed"] if "resumed" in row.keys() else None,  # noqa: SIM118
            active=float(row["active"]) if "active" in row.keys() else 0.0,  # noqa: SIM118
        )


def _optional(row: sqlite3.Row, column: str) -> str:
    """A column added by a migration (absent when an older index is read without migrating)."""
    return str(row[column]) if column in row.keys() else ""  # noqa: SIM118 (Row: in = values)
