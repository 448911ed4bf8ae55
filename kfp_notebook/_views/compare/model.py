"""The comparison model: 2 to 10 recorded runs side by side, and one metric's trend over an
experiment. Pure: it reads `StoreReader` records and run files (each run's `pipeline.yaml`,
Markdown and HTML artifacts), never the engine. The widget, the sidebar, the CLI and the
notebook object all render what `compare_runs` returns (`ComparisonJSON` in `shape.py`); the
trend of one metric over an experiment is in `trend.py`."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._model.jsonsafe import json_safe
from kfp_notebook._model.states import TaskState
from kfp_notebook._store.objroot import is_object_uri
from kfp_notebook._store.reader import StoreReader
from kfp_notebook._store.records import ArtifactRecord, RunRecord, TaskSummary
from kfp_notebook._views.compare.digests import component_digests
from kfp_notebook._views.compare.rows import complete, higher_is_better
from kfp_notebook._views.compare.shape import (
    ComparedArtifact,
    ComparedMetric,
    ComparedParameter,
    ComparedTask,
    ComparisonJSON,
)
from kfp_notebook._views.preview import preview_artifact, preview_metadata
from kfp_notebook._views.shape import PreviewJSON, run_json

__all__ = [
    "MAX_RUNS",
    "ComparedRun",
    "ComparisonError",
    "Resolve",
    "compare_loaded",
    "compare_runs",
    "local_path",
    "run_metrics",
    "select_runs",
]

MAX_RUNS = 10
METRICS = "system.Metrics"
CLASSIFICATION = "system.ClassificationMetrics"
DOCUMENTS = ("system.Markdown", "system.HTML")
_DOCUMENT_CAP = 65_536

Resolve = Callable[[str], "Path | None"]
"""Maps an artifact URI or a run file's path to the local file that may be read, or None."""


class ComparisonError(KfpNotebookError):
    """A comparison asked for the wrong runs: too few, too many, unknown, or a missing metric."""


@dataclass(frozen=True)
class ComparedRun:
    """What a comparison reads of one run, wherever it is recorded: here (`compare_runs` loads
    it from a store) or on a KFP cluster (`_api/remote.py` loads it from there)."""

    record: RunRecord
    root: str  # where it is: a pipeline root, or a cluster's endpoint
    tasks: list[TaskSummary]  # its leaf tasks
    digests: dict[str, str]  # component name -> digest of what its executor runs


def local_path(uri: str) -> Path | None:
    """The local file an artifact URI names (None for remote URIs such as gs://)."""
    path = uri[len("file://") :] if uri.startswith("file://") else uri
    return Path(path) if os.path.isabs(path) and "://" not in path else None


def select_runs(
    reader: StoreReader,
    run_ids: Sequence[str] = (),
    experiment: str | None = None,
    last: int | None = None,
) -> list[str]:
    """The run ids a comparison asks for: given ids, or an experiment's latest `last` runs
    (default and at most MAX_RUNS) oldest first. Raises ComparisonError on a usage mistake."""
    if run_ids and experiment:
        raise ComparisonError("give run ids or an experiment, not both")
    if last is not None and not experiment:
        raise ComparisonError("--last N picks an experiment's latest runs: add --experiment E")
    if experiment:
        if last is not None and not 2 <= last <= MAX_RUNS:
            raise ComparisonError(f"--last takes 2 to {MAX_RUNS} runs, not {last}")
        records = reader.list_runs(limit=last or MAX_RUNS, experiment=experiment)
        if len(records) < 2:
            raise ComparisonError(
                f"experiment {experiment!r} has {len(records)} run(s) in {reader.root}; "
                "a comparison needs 2 (see `kfp-notebook runs --experiment E`)"
            )
        return [r.run_id for r in reversed(records)]
    ids = list(dict.fromkeys(run_ids))
    if not 2 <= len(ids) <= MAX_RUNS:
        raise ComparisonError(
            f"compare takes 2 to {MAX_RUNS} different runs (got {len(ids)}); "
            "or an experiment: --experiment E --last N"
        )
    return ids


def compare_runs(
    reader: StoreReader, run_ids: Sequence[str], *, resolve: Resolve = local_path
) -> ComparisonJSON:
    """Runs side by side: parameters, metrics, classification metrics, Markdown and HTML,
    tasks (status, duration, cached, code changed), aligned by task id across runs."""
    ids = select_runs(reader, run_ids)
    return compare_loaded([load_run(reader, run_id, resolve) for run_id in ids], resolve)


def load_run(reader: StoreReader, run_id: str, resolve: Resolve = local_path) -> ComparedRun:
    """A run of `reader`'s root, as a comparison reads it (ComparisonError if there is none)."""
    digests = component_digests(reader.spec_path(run_id), resolve)
    record = _record(reader, run_id)
    return ComparedRun(record, str(reader.root), reader.leaf_summaries(run_id), digests)


def compare_loaded(runs: Sequence[ComparedRun], resolve: Resolve = local_path) -> ComparisonJSON:
    """`compare_runs` of runs already loaded, from one root or several (a cluster's among them)."""
    if not 2 <= len(runs) <= MAX_RUNS:
        raise ComparisonError(f"compare takes 2 to {MAX_RUNS} different runs (got {len(runs)})")
    records = [r.record for r in runs]
    tasks = [_by_id(r.tasks) for r in runs]
    digests = [r.digests for r in runs]
    changed = sorted(
        name
        for name in {n for d in digests for n in d}
        if len({d[name] for d in digests if name in d}) > 1
    )
    comparison: ComparisonJSON = {
        "runs": [run_json(r.record, r.root) for r in runs],
        "same_pipeline": len({r.pipeline_name for r in records}) == 1,
        "parameters": _parameters(records),
        "metrics": _metrics(tasks),
        "classification": _artifacts(tasks, (CLASSIFICATION,), resolve),
        "documents": _artifacts(tasks, DOCUMENTS, resolve),
        "tasks": _tasks(tasks, digests),
        "changed_components": changed,
        "table": {"columns": [], "rows": []},
        "sections": [],
    }
    return complete(comparison)


# ----------------------------------------------------------------------------- parts


def _record(reader: StoreReader, run_id: str) -> RunRecord:
    try:
        record = reader.get_run(run_id)
    except ValueError:
        record = None
    if record is None:
        raise ComparisonError(f"no run {run_id!r} in {reader.root}; see `kfp-notebook runs`")
    return record


def _by_id(tasks: list[TaskSummary]) -> dict[str, TaskSummary]:
    return {t.task_id: t for t in tasks}


def _same(values: list[Any]) -> bool:
    return len({json.dumps(v, sort_keys=True, default=str) for v in values}) <= 1


def _parameters(records: list[RunRecord]) -> list[ComparedParameter]:
    names = list(dict.fromkeys(k for r in records for k in r.arguments))
    out: list[ComparedParameter] = []
    for name in names:
        values = [json_safe(r.arguments.get(name)) for r in records]
        present = [name in r.arguments for r in records]
        out.append({
            "name": name, "values": values, "text": [],
            "differs": not (all(present) and _same(values)),
        })  # fmt: skip
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _metric_artifacts(tasks: dict[str, TaskSummary]) -> list[tuple[str, ArtifactRecord]]:
    return [
        (t.task_id, a) for t in tasks.values() for a in t.artifacts if a.schema_title == METRICS
    ]


def run_metrics(tasks: dict[str, TaskSummary]) -> dict[str, float]:
    """One run's scalar metrics by key (see `_metric_key`)."""
    found = _metric_artifacts(tasks)
    several = _tasks_with_several(found)
    return {
        _metric_key(task_id, a.name, name, task_id in several): number
        for task_id, a in found
        for name, value in a.metadata.items()
        if (number := _number(value)) is not None
    }


def _tasks_with_several(found: list[tuple[str, ArtifactRecord]]) -> set[str]:
    names: dict[str, set[str]] = {}
    for task_id, artifact in found:
        names.setdefault(task_id, set()).add(artifact.name)
    return {t for t, n in names.items() if len(n) > 1}


def _metric_key(task_id: str, artifact: str, name: str, several: bool) -> str:
    return f"{task_id}/{artifact}/{name}" if several else f"{task_id}/{name}"


def _metrics(tasks: list[dict[str, TaskSummary]]) -> list[ComparedMetric]:
    per_run = [_metric_artifacts(t) for t in tasks]
    several = _tasks_with_several([x for found in per_run for x in found])
    rows: dict[str, ComparedMetric] = {}
    for index, found in enumerate(per_run):
        for task_id, artifact in found:
            for name, value in artifact.metadata.items():
                number = _number(value)
                if number is None:
                    continue
                key = _metric_key(task_id, artifact.name, name, task_id in several)
                row = rows.setdefault(key, {
                    "key": key, "task_id": task_id, "artifact": artifact.name, "name": name,
                    "values": [None] * len(tasks), "text": [],
                    "higher_is_better": higher_is_better(name), "best": [], "best_reversed": [],
                    "differs": False,
                })  # fmt: skip
                row["values"][index] = number
    for row in rows.values():
        present = [v for v in row["values"] if v is not None]
        row["differs"] = len(present) < len(tasks) or len(set(present)) > 1
    return list(rows.values())


def _artifacts(
    tasks: list[dict[str, TaskSummary]], types: tuple[str, ...], resolve: Resolve
) -> list[ComparedArtifact]:
    rows: dict[tuple[str, str], ComparedArtifact] = {}
    for index, by_id in enumerate(tasks):
        for task in by_id.values():
            for a in task.artifacts:
                if a.schema_title not in types:
                    continue
                row = rows.setdefault((task.task_id, a.name), {
                    "task_id": task.task_id, "name": a.name, "type": a.schema_title,
                    "previews": [None] * len(tasks),
                })  # fmt: skip
                row["previews"][index] = _preview(a, resolve)
    return list(rows.values())


def _preview(artifact: ArtifactRecord, resolve: Resolve) -> PreviewJSON:
    from_metadata = preview_metadata(artifact.name, artifact.schema_title, artifact.metadata)
    if from_metadata is not None:  # classification metrics: no file to read
        return from_metadata
    if is_object_uri(artifact.uri):  # read through the object cache, as a task reads it
        return preview_artifact(artifact.uri, artifact.schema_title, artifact.metadata,
                                max_bytes=_DOCUMENT_CAP)  # fmt: skip
    path = resolve(artifact.uri)
    if path is None:
        return {"kind": "missing", "name": artifact.name, "size": 0, "truncated": False,
                "hint": "the artifact is not a file of this pipeline root"}  # fmt: skip
    return preview_artifact(path, artifact.schema_title, artifact.metadata, max_bytes=_DOCUMENT_CAP)


def _tasks(
    tasks: list[dict[str, TaskSummary]], digests: list[dict[str, str]]
) -> list[ComparedTask]:
    ids = list(dict.fromkeys(task_id for by_id in tasks for task_id in by_id))
    out: list[ComparedTask] = []
    for task_id in ids:
        row = [by_id.get(task_id) for by_id in tasks]
        first = next(t for t in row if t is not None)
        hashes = [None if t is None else digests[i].get(t.component) for i, t in enumerate(row)]
        out.append({
            "task_id": task_id,
            "name": first.name,
            "component": first.component,
            "statuses": [None if t is None else t.status for t in row],
            "durations": [None if t is None else t.duration for t in row],
            "cached": [t is not None and t.status is TaskState.CACHED for t in row],
            "digests": hashes,
            "code_changed": len({h for h in hashes if h is not None}) > 1,
            "differs": False,
        })  # fmt: skip
    return out
