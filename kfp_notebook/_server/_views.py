"""JSON shapes of runs, tasks and artifacts as the REST API returns them."""

from __future__ import annotations

import math
from typing import Any

from kfp_notebook._store_schema import ArtifactRecord, RunRecord, TaskRecord

__all__ = ["jsonable", "run_view", "task_view"]


def jsonable(value: Any) -> Any:
    """`value` with non-finite floats as None and unknown objects as strings: browsers reject
    NaN in JSON, and outputs are user data."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return str(value)


def run_view(run: RunRecord) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "pipeline_name": run.pipeline_name,
        "status": run.status.value,
        "created": run.created,
        "finished": run.finished,
        "duration": run.duration,
        "arguments": jsonable(run.arguments),
        "outputs": jsonable(run.outputs),
        "message": run.message,
        "task_counts": run.task_counts,
    }


def _artifact_view(artifact: ArtifactRecord) -> dict[str, Any]:
    return {
        "name": artifact.name,
        "type": artifact.schema_title,
        "uri": artifact.uri,
        "metadata": jsonable(artifact.metadata),
    }


def task_view(task: TaskRecord) -> dict[str, Any]:
    return {
        "task_id": task.task_id,
        "name": task.name,
        "parent_id": task.parent_id,
        "kind": task.kind,
        "component": task.component,
        "dependencies": task.dependencies,
        "status": task.status.value,
        "started": task.started,
        "finished": task.finished,
        "duration": task.duration,
        "attempts": task.attempts,
        "inputs": jsonable(task.inputs),
        "outputs": jsonable(task.outputs),
        "message": task.message,
        "cache_key": task.cache_key,
        "artifacts": [_artifact_view(a) for a in task.artifacts],
    }
