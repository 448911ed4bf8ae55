"""JSON shapes of runs, tasks and artifacts as the REST API returns them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kfp_notebook._jsonsafe import json_safe
from kfp_notebook._store_schema import ArtifactRecord, RunRecord, TaskRecord

__all__ = ["run_view", "task_view"]


def run_view(run: RunRecord) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "pipeline_name": run.pipeline_name,
        "status": run.status.value,
        "created": run.created,
        "finished": run.finished,
        "duration": run.duration,
        "arguments": json_safe(run.arguments),
        "outputs": json_safe(run.outputs),
        "message": run.message,
        "task_counts": run.task_counts,
    }


def _artifact_view(
    artifact: ArtifactRecord, root: Path | None, server_root: Path | None
) -> dict[str, Any]:
    """The artifact, and where it lies: `path` relative to its pipeline root and `server_path`
    relative to the Jupyter server's root (None when outside), for the sidebar's actions."""
    location = Path(artifact.uri)
    path = server_path = None
    if location.is_absolute():
        if root is not None and location.is_relative_to(root):
            path = str(location.relative_to(root))
        if server_root is not None and location.is_relative_to(server_root):
            server_path = str(location.relative_to(server_root))
    return {
        "task": artifact.task_id,
        "name": artifact.name,
        "type": artifact.schema_title,
        "uri": artifact.uri,
        "metadata": json_safe(artifact.metadata),
        "path": path,
        "server_path": server_path,
        "is_dir": location.is_dir(),
    }


def task_view(
    task: TaskRecord, root: Path | None = None, server_root: Path | None = None
) -> dict[str, Any]:
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
        "inputs": json_safe(task.inputs),
        "outputs": json_safe(task.outputs),
        "message": task.message,
        "cache_key": task.cache_key,
        "artifacts": [_artifact_view(a, root, server_root) for a in task.artifacts],
    }
