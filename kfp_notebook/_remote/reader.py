"""Reading a KFP cluster's runs, whoever started them (the KFP UI, a colleague, a CI job): the
one reader behind `kfp-notebook runs/show/logs --endpoint` and `get_run`/`list_runs(endpoint=)`.

A cluster run reads as the records a local run yields (`RunRecord`, `TaskRecord`), its tasks
mapped as the follower maps them (`_remote/mapping.py`), so every printer and JSON shape of the
local commands serves it unchanged; where it is, in a `RemoteRecord`. One run (`get`) also
reads the deployment's ML Metadata for what the task details lack on a real backend: the pod
of each task (its log) and the artifacts with their metadata (`_remote/metadata.py`). Nothing is
written here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._model.states import RunState, parse_run_state
from kfp_notebook._remote.connection import Connection, KubeflowRunner
from kfp_notebook._remote.mapping import (
    RemoteTask,
    artifact_entries,
    map_tasks,
    run_state,
    timestamp,
)
from kfp_notebook._remote.metadata import MetadataSource
from kfp_notebook._remote.podlog import archived_log
from kfp_notebook._remote.spec_walk import as_declared
from kfp_notebook._runners import REMOTE_RUNNER
from kfp_notebook._store.records import ArtifactRecord, RunRecord, TaskRecord
from kfp_notebook._store.remote import RemoteRecord

__all__ = ["ClusterReader", "ClusterRun"]


@dataclass(frozen=True)
class ClusterRun:
    """One run as the cluster reports it, in the local records' terms."""

    record: RunRecord
    tasks: list[TaskRecord]
    remote: RemoteRecord
    state: str  # the cluster's own RuntimeState (PENDING, CANCELING, ... included)
    display_name: str = ""
    pods: dict[str, str] = field(default_factory=dict)  # task id -> the pod holding its log
    spec: dict[str, Any] = field(default_factory=dict)  # the PipelineSpec it runs
    # task id -> the URI of its archived log (the launcher's `executor-logs`, in ML Metadata)
    archives: dict[str, str] = field(default_factory=dict)

    def remote_json(self) -> dict[str, Any]:
        r = self.remote
        return {
            "endpoint": r.endpoint, "remote_run_id": r.remote_run_id, "ui_url": r.ui_url,
            "namespace": r.namespace, "state": self.state, "display_name": self.display_name,
        }  # fmt: skip


class ClusterReader:
    """Runs of one KFP API server, read through the real kfp.Client (`Connection`)."""

    def __init__(self, runner: KubeflowRunner) -> None:
        self.runner = runner
        self.conn = Connection(runner)
        self._experiments: dict[str, str] = {}

    def list_runs(
        self, limit: int = 20, status: str | None = None, experiment: str | None = None
    ) -> list[ClusterRun]:
        """The latest runs, newest first; `status` a local run state (SUCCEEDED, CANCELLED...),
        `experiment` a name."""
        experiment_id = self.conn.experiment_id_of(experiment) if experiment else None
        if experiment and experiment_id is None:
            return []
        wanted = parse_run_state(status) if status else None
        page = self.conn.list_runs(min(max(limit, 1) * (5 if wanted else 1), 1000), experiment_id)
        runs = [self.cluster_run(data) for data in page]
        return [r for r in runs if wanted is None or r.record.status is wanted][:limit]

    def get(self, run_id: str, metadata: bool = True) -> ClusterRun:
        """One run, with what ML Metadata adds where the deployment offers it (`metadata`
        False: the REST API's run alone, for its state)."""
        if not metadata:
            return self.cluster_run(self.conn.get_run(run_id))
        source = MetadataSource(self.conn.endpoint, self.conn.bearer_token(), run_id)
        source.refresh()
        return self.cluster_run(self.conn.get_run(run_id), source)

    def log(self, run: ClusterRun, task: str | None) -> Iterator[str]:
        """A task's log lines (by id or by a name only one task has), streamed; without a task,
        every task's, each line `task | text` as in a local run's log."""
        if task is not None:
            yield from self.task_log(run, self.find(run, task).task_id)
            return
        for t in self.logged(run):
            yield from (f"{t.task_id} | {line}" for line in self.task_log(run, t.task_id))

    @staticmethod
    def find(run: ClusterRun, task: str) -> TaskRecord:
        """The task with this id, or the only one with this name (as `Run.task` finds it)."""
        by_id = {t.task_id: t for t in run.tasks}
        if task in by_id:
            return by_id[task]
        named = [t for t in run.tasks if t.name == task]
        if len(named) != 1:
            raise KfpNotebookError(
                f"run {run.record.run_id} has {len(named)} tasks named {task!r}; use a task id:"
                f" {', '.join(by_id) or '(none yet)'}"
            )
        return named[0]

    def logged(self, run: ClusterRun) -> list[TaskRecord]:
        """The tasks whose log can be read: a pod named, or a log archived."""
        return [t for t in run.tasks if t.task_id in run.pods or t.task_id in run.archives]

    def task_log(self, run: ClusterRun, task_id: str, seen: int = 0) -> Iterator[str]:
        """The pod's log after its first `seen` lines (read in blocks, the rest counted past);
        where the pod is gone or unnamed, the log the launcher archived. A last line without
        its newline only once the task has ended."""
        pod, archive = run.pods.get(task_id), run.archives.get(task_id)
        if pod is None and archive is None:
            raise KfpNotebookError(
                f"task {task_id} of run {run.record.run_id}: the cluster names no pod for it (not"
                f" started, or a KFP backend whose task details leave pod names out); see"
                f" {run.remote.ui_url}"
            )
        stream = self.conn.logs.open(run.remote.remote_run_id, pod) if pod is not None else None
        if stream is None and archive is not None:
            stream = archived_log(archive)
        if stream is not None:
            ended = next((t.status.terminal for t in run.tasks if t.task_id == task_id), True)
            yield from stream.lines(seen, final=ended or run.record.status.terminal)

    # ------------------------------------------------------------------ the mapping
    def cluster_run(
        self, data: dict[str, Any], metadata: MetadataSource | None = None
    ) -> ClusterRun:
        run_id = str(data.get("run_id") or "")
        ui = self.conn.ui_link(run_id)
        spec = data.get("pipeline_spec") or {}
        spec = spec.get("pipeline_spec", spec)
        details = (data.get("run_details") or {}).get("task_details") or []
        mapped = map_tasks(details, spec) if spec else []
        tasks = [_task_record(run_id, t, ui, metadata, spec) for t in mapped]
        counts: dict[str, int] = {}
        for t in tasks:
            if t.kind.is_leaf:
                counts[t.status.value] = counts.get(t.status.value, 0) + 1
        state = str(data.get("state") or "")
        experiment = self._experiment(str(data.get("experiment_id") or ""))
        name = str(data.get("display_name") or "")
        created = timestamp(data.get("created_at")) or 0.0
        status = run_state(state)
        outputs: dict[str, Any] = {}
        if metadata is not None and status is RunState.SUCCEEDED:  # from ML Metadata
            outputs = metadata.pipeline_outputs(spec)
        record = RunRecord(
            run_id=run_id,
            pipeline_name=str((spec.get("pipelineInfo") or {}).get("name") or name),
            status=status,
            created=created,
            finished=timestamp(data.get("finished_at")) if status.terminal else None,
            arguments=dict((data.get("runtime_config") or {}).get("parameters") or {}),
            outputs=outputs,
            message=str((data.get("error") or {}).get("message") or ""),
            task_counts=counts,
            experiment=experiment,
            runner=REMOTE_RUNNER,
        )
        remote = RemoteRecord(
            run_id, self.conn.endpoint, run_id, ui, self.runner.namespace or "", experiment
        )
        pods = {t.task_id: t.pod for t in mapped if t.pod}
        archives: dict[str, str] = {}
        if metadata is not None:
            pods = {t.task_id: pod for t in mapped if (pod := t.pod or metadata.pod(t.task_id))}
            archives = {t.task_id: uri for t in mapped if (uri := metadata.log_uri(t.task_id))}
        return ClusterRun(record, tasks, remote, state, name, pods, spec, archives)

    def _experiment(self, experiment_id: str) -> str:
        if not experiment_id:
            return ""
        if experiment_id not in self._experiments:
            name = self.conn.experiment_name(experiment_id)
            self._experiments[experiment_id] = name or experiment_id
        return self._experiments[experiment_id]


def _task_record(
    run_id: str, t: RemoteTask, ui: str, source: MetadataSource | None, spec: dict[str, Any]
) -> TaskRecord:
    recorded = source.entries(t.task_id, ui) if source is not None and t.kind.is_leaf else []
    params, given = source.inputs(t.task_id) if source is not None else ({}, {})
    outputs = source.outputs(t.task_id) if source is not None else {}
    artifacts = [ArtifactRecord(t.task_id, *entry) for entry in recorded] or [
        ArtifactRecord(t.task_id, name, uri, title, metadata)
        for name, produced in (t.artifacts or {}).items()
        for uri, title, metadata in artifact_entries(produced, ui)
    ]
    return TaskRecord(
        run_id=run_id, task_id=t.task_id, name=t.name, parent_id=t.parent_id, kind=t.kind,
        component=t.component, dependencies=list(t.dependencies), status=t.state, started=t.started,
        finished=t.finished if t.state.terminal else None, attempts=t.attempts,
        inputs=as_declared(spec, t.component, "inputDefinitions", params),
        outputs=as_declared(spec, t.component, "outputDefinitions", outputs),
        message=t.message, cache_key=None, artifacts=artifacts, input_artifacts=given,
    )  # fmt: skip
