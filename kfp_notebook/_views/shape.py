"""The one JSON shape of a run, a task, an artifact and a preview, as every view sends it: the
widget's traits, the server extension's REST API and `kfp-notebook ... --json`.

The TypedDicts below (and the comparison's, in `compare/shape.py`) are the definition;
`kfp_notebook._views.typescript` generates the TypeScript copy
(`packages/shared/src/model.generated.ts`) and a test checks it is current."""

from pathlib import Path
from typing import Any, Literal, Union

from typing_extensions import NotRequired, TypedDict

from kfp_notebook._model.jsonsafe import json_safe
from kfp_notebook._model.states import RunState, TaskKind, TaskState
from kfp_notebook._store.records import ArtifactRecord, RunRecord, TaskRecord

__all__ = [
    "ArtifactJSON",
    "ArtifactPreviewJSON",
    "PreviewJSON",
    "RunJSON",
    "TaskJSON",
    "TaskOutputsJSON",
    "artifact_json",
    "run_json",
    "task_json",
]


class RunJSON(TypedDict):
    run_id: str
    pipeline_name: str
    status: RunState
    created: float
    finished: float | None
    duration: float | None
    arguments: dict[str, Any]
    outputs: dict[str, Any]
    message: str
    task_counts: dict[str, int]  # leaf tasks per state, filled when the run ends
    root: str  # the pipeline root the run lives in
    experiment: str
    runner: str  # subprocess, docker, ... ("" when not recorded)


class ArtifactJSON(TypedDict):
    task_id: str
    name: str
    type: str  # KFP schema title, e.g. system.Dataset
    uri: str
    metadata: dict[str, Any]
    path: str | None  # relative to the pipeline root, when under it
    server_path: str | None  # relative to the Jupyter server's root, when under it
    is_dir: bool


class TaskJSON(TypedDict):
    task_id: str  # unique in the run: its parents' names and its own, joined by "/"
    name: str
    parent_id: str | None
    kind: TaskKind
    component: str
    dependencies: list[str]  # task ids
    status: TaskState
    started: float | None
    finished: float | None
    duration: float | None
    attempts: int
    inputs: dict[str, Any]
    outputs: dict[str, Any]  # output parameters
    message: str
    cache_key: str | None
    artifacts: list[ArtifactJSON]


class PreviewBase(TypedDict):
    name: str
    size: int
    truncated: bool
    hint: NotRequired[str]


class TablePreview(PreviewBase):
    kind: Literal["table"]
    format: str
    columns: list[str]
    rows: list[list[Any]]
    shape: list[int | None]  # [rows or null when unknown, columns]


class ImagePreview(PreviewBase):
    kind: Literal["image"]
    mime: str
    data: str  # base64


class TextPreview(PreviewBase):
    kind: Literal["markdown", "text"]
    text: str


class HtmlPreview(PreviewBase):
    kind: Literal["html"]
    html: str  # shown only in a sandboxed iframe


class MetricItem(TypedDict):
    name: str
    value: Any


class MetricsPreview(PreviewBase):
    kind: Literal["metrics"]
    items: list[MetricItem]


class ConfusionMatrix(TypedDict):
    labels: list[str]
    matrix: list[list[float | None]]


class RocPoint(TypedDict):
    fpr: float | None
    tpr: float | None
    threshold: float | None


class ClassificationPreview(PreviewBase):
    kind: Literal["classification"]
    confusion_matrix: ConfusionMatrix | None  # None when only an ROC curve was logged
    roc: list[RocPoint]


class FileEntry(TypedDict):
    path: str
    size: int


class FilesPreview(PreviewBase):
    kind: Literal["files"]
    entries: list[FileEntry]
    total_size: int


class NotePreview(PreviewBase):
    kind: Literal["missing", "too_large"]
    summary: NotRequired[str]


PreviewJSON = Union[  # noqa: UP007 (the TypeScript generator reads its arguments)
    TablePreview,
    ImagePreview,
    TextPreview,
    HtmlPreview,
    MetricsPreview,
    ClassificationPreview,
    FilesPreview,
    NotePreview,
]


class ArtifactPreviewJSON(ArtifactJSON):
    preview: PreviewJSON


class TaskOutputsJSON(TypedDict):
    """One task's outputs with previews: what the widget shows for the selected task."""

    task_id: str
    status: TaskState
    message: str
    outputs: dict[str, Any]
    artifacts: list[ArtifactPreviewJSON]


def run_json(run: RunRecord, root: Path | str) -> RunJSON:
    return {
        "run_id": run.run_id,
        "pipeline_name": run.pipeline_name,
        "status": run.status,
        "created": run.created,
        "finished": run.finished,
        "duration": run.duration,
        "arguments": json_safe(run.arguments),
        "outputs": json_safe(run.outputs),
        "message": run.message,
        "task_counts": dict(run.task_counts),
        "root": str(root),
        "experiment": run.experiment,
        "runner": run.runner,
    }


def artifact_json(
    artifact: ArtifactRecord, root: Path | None = None, server_root: Path | None = None
) -> ArtifactJSON:
    """`path` and `server_path` say where the artifact lies relative to its pipeline root and
    to the Jupyter server's root (None when outside), for the sidebar's actions."""
    location = Path(artifact.uri)
    path = server_path = None
    if location.is_absolute():
        if root is not None and location.is_relative_to(root):
            path = str(location.relative_to(root))
        if server_root is not None and location.is_relative_to(server_root):
            server_path = str(location.relative_to(server_root))
    return {
        "task_id": artifact.task_id,
        "name": artifact.name,
        "type": artifact.schema_title,
        "uri": artifact.uri,
        "metadata": json_safe(artifact.metadata),
        "path": path,
        "server_path": server_path,
        "is_dir": location.is_dir(),
    }


def task_dependency_ids(parent_id: str | None, names: list[str] | tuple[str, ...]) -> list[str]:
    """Sibling task names made task ids (siblings share the parent's prefix)."""
    prefix = f"{parent_id}/" if parent_id else ""
    return [prefix + name for name in names]


def task_json(
    task: TaskRecord, root: Path | None = None, server_root: Path | None = None
) -> TaskJSON:
    return {
        "task_id": task.task_id,
        "name": task.name,
        "parent_id": task.parent_id,
        "kind": task.kind,
        "component": task.component,
        "dependencies": task_dependency_ids(task.parent_id, task.dependencies),
        "status": task.status,
        "started": task.started,
        "finished": task.finished,
        "duration": task.duration,
        "attempts": task.attempts,
        "inputs": json_safe(task.inputs),
        "outputs": json_safe(task.outputs),
        "message": task.message,
        "cache_key": task.cache_key,
        "artifacts": [artifact_json(a, root, server_root) for a in task.artifacts],
    }
