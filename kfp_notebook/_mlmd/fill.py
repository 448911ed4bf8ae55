"""One run's records written into an MLMD store as KFP's driver and launcher fill it on a cluster
(kubeflow/pipelines backend/src/v2/metadata/client.go: GetPipeline, CreateExecution,
PrePublishExecution, RecordArtifact, PublishExecution; driver/root_dag.go, dag.go, container.go):

- a `system.Pipeline` context named by the pipeline, a `system.PipelineRun` context named by the
  run id (custom properties namespace, resource_name, pipeline_root, store_session_info), the
  run's context a child of the pipeline's;
- the root `system.DAGExecution` named `run/<run id>` with the run's parameters as `inputs`; per
  group task (DAG, condition, exit handler, loop, iteration) a DAGExecution; per container task a
  `system.ContainerExecution` with `display_name`, `task_name`, `parent_dag_id`, `pod_name` (the
  executor pod, as the launcher sets it), `pod_uid`, `namespace`, `image`, `inputs`, `outputs`;
  per importer a `system.ImporterExecution`; every execution in both contexts;
- per output artifact an artifact of the type its schema title names (`system.Metrics`...) with
  its uri, state LIVE, its metadata as custom properties (numbers double, booleans int, lists
  and objects as structs {"list": [...]} / {"struct": {...}}) and `display_name` (the output's
  name unless the metadata names one), attributed to both contexts; an OUTPUT event whose path
  key is the output's name, and an INPUT event (key: the input's name) for each consumer;
- on a run whose root is an object store, per container task that ran its `executor-logs`
  artifact (`system.Artifact`, the log the engine uploaded at `executor-logs-<retry index>` in
  the task's folder), as the launcher records it when logs are published (the default).

Differences: a task not yet started has no execution (the driver had not run); executions and
artifacts carry an `external_id` (`kfp-notebook/<run>/<task>[/<output>]`) so a re-fill updates
in place; skipped and cancelled tasks are CANCELED; `namespace` and `pod_uid` are empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kfp_notebook._mlmd.messages import Artifact, Context, Event, Execution, Value
from kfp_notebook._mlmd.schema import ARTIFACT_TYPE, EXECUTION_TYPE
from kfp_notebook._mlmd.sqlstore import SqliteMetadata
from kfp_notebook._model.states import RunState, TaskKind, TaskState
from kfp_notebook._store.objroot import (
    EXECUTOR_LOGS,
    LOG_NOT_UPLOADED,
    executor_logs_key,
    parse_object_root,
)
from kfp_notebook._store.records import RunRecord, TaskRecord

__all__ = ["PIPELINE", "PIPELINE_RUN", "fill_run", "mlmd_value"]

PIPELINE, PIPELINE_RUN = "system.Pipeline", "system.PipelineRun"
DAG, CONTAINER, IMPORTER = (
    "system.DAGExecution",
    "system.ContainerExecution",
    "system.ImporterExecution",
)
LIVE, INPUT, OUTPUT = 2, 3, 4
# Execution.State: NEW 1, RUNNING 2, COMPLETE 3, FAILED 4, CACHED 5, CANCELED 6
_TASK_STATE = {
    TaskState.RUNNING: 2, TaskState.SUCCEEDED: 3, TaskState.FAILED: 4, TaskState.CACHED: 5,
    TaskState.SKIPPED: 6, TaskState.CANCELLED: 6,
}  # fmt: skip
_RUN_STATE = {RunState.RUNNING: 2, RunState.SUCCEEDED: 3, RunState.FAILED: 4,
              RunState.CANCELLED: 6, RunState.INTERRUPTED: 4}  # fmt: skip


def s(text: str) -> Value:
    return Value("string", text)


def mlmd_value(v: Any) -> Value:
    """A metadata value as the launcher converts it (StructValueToMLMDValue)."""
    if isinstance(v, bool):
        return Value("int", int(v))
    if isinstance(v, (int, float)):
        return Value("double", float(v))
    if isinstance(v, list):
        return Value("struct", {"list": v})
    if isinstance(v, dict):
        return Value("struct", {"struct": v})
    return s("" if v is None else str(v))


def fill_run(
    md: SqliteMetadata,
    run: RunRecord,
    tasks: list[TaskRecord],
    pod_of: Callable[[TaskRecord], str],
    pipeline_root: str = "",
) -> int:
    """Write (or bring up to date) `run` in `md`, in one transaction; `pod_of(task)` names a
    container task's executor pod. Returns the run context's id."""
    with md.batch():
        return _fill(md, run, tasks, pod_of, pipeline_root)


def _fill(
    md: SqliteMetadata,
    run: RunRecord,
    tasks: list[TaskRecord],
    pod_of: Callable[[TaskRecord], str],
    pipeline_root: str,
) -> int:
    pipe = md.put_context(PIPELINE, Context(name=run.pipeline_name))
    props = {"namespace": s(""), "resource_name": s("run-resource"),
             "pipeline_root": s(f"{pipeline_root.rstrip('/')}/{run.run_id}"),
             "store_session_info": s("")}  # fmt: skip
    ctx = md.put_context(PIPELINE_RUN, Context(name=run.run_id, custom_properties=props))
    md.link("ParentContext", ctx, pipe)

    def put_exec(e: Execution, type_name: str, key: str) -> int:
        e.type_id, e.external_id = md.type_id(type_name, EXECUTION_TYPE), f"kfp-notebook/{key}"
        ident = md.put(e, "external_id")
        md.link("Association", pipe, ident)
        md.link("Association", ctx, ident)
        return ident

    root_props = {"display_name": s(""), "task_name": s(""),
                  "inputs": Value("struct", run.arguments)}  # fmt: skip
    # the run's outputs are {"parameters": ..., "artifacts": ...}; the root DAG's `outputs`
    # holds the parameters, as a DAG execution's does
    params = run.outputs.get("parameters", run.outputs) if isinstance(run.outputs, dict) else {}
    if params:
        root_props["outputs"] = Value("struct", params)
    root = Execution(name=f"run/{run.run_id}", last_known_state=_RUN_STATE[run.status],
                     custom_properties=root_props)  # fmt: skip
    ids: dict[str | None, int] = {None: put_exec(root, DAG, f"{run.run_id}/(root)")}
    known = {t.task_id for t in tasks}
    children: dict[str | None, list[TaskRecord]] = {}
    for t in tasks:
        if t.task_id.startswith("(") or t.status is TaskState.PENDING:
            continue
        children.setdefault(t.parent_id if t.parent_id in known else None, []).append(t)
    for members in children.values():  # ids in the order the tasks started, as drivers make them
        members.sort(key=lambda t: t.started if t.started is not None else float("inf"))
    artifacts: dict[str, int] = {}  # uri -> id
    pending = list(children.get(None, []))
    written: list[tuple[TaskRecord, int]] = []
    while pending:  # parents before children: parent_dag_id names an execution already there
        t = pending.pop(0)
        e = _execution(t, ids[t.parent_id if t.parent_id in ids else None], pod_of, children)
        kind = CONTAINER if t.kind is not TaskKind.IMPORTER and t.kind.is_leaf else DAG
        kind = IMPORTER if t.kind is TaskKind.IMPORTER else kind
        ids[t.task_id] = put_exec(e, kind, f"{run.run_id}/{t.task_id}")
        written.append((t, ids[t.task_id]))
        pending.extend(children.get(t.task_id, []))
        for a in t.artifacts:
            custom = {k: mlmd_value(v) for k, v in a.metadata.items() if k != "_kfp_workspace"}
            custom.setdefault("display_name", s(a.name))
            art = Artifact(
                type_id=md.type_id(a.schema_title or "system.Artifact", ARTIFACT_TYPE),
                uri=a.uri, state=LIVE, custom_properties=custom,
                external_id=f"kfp-notebook/{run.run_id}/{t.task_id}/{a.name}",
            )  # fmt: skip
            art_id = artifacts[a.uri] = md.put(art, "external_id")
            md.link("Attribution", pipe, art_id)
            md.link("Attribution", ctx, art_id)
            md.put_event(Event(art_id, ids[t.task_id], [a.name], OUTPUT))
        logs = _executor_logs(run, t)
        if logs is not None:
            art = Artifact(
                type_id=md.type_id("system.Artifact", ARTIFACT_TYPE), uri=logs, state=LIVE,
                custom_properties={"display_name": s(EXECUTOR_LOGS)},
                external_id=f"kfp-notebook/{run.run_id}/{t.task_id}/{EXECUTOR_LOGS}",
            )  # fmt: skip
            art_id = md.put(art, "external_id")
            md.link("Attribution", pipe, art_id)
            md.link("Attribution", ctx, art_id)
            md.put_event(Event(art_id, ids[t.task_id], [EXECUTOR_LOGS], OUTPUT))
    for t, exec_id in written:  # inputs, once every producer's artifact is there
        for name, given in t.input_artifacts.items():
            for item in given if isinstance(given, list) else [given]:
                found = artifacts.get(item.get("uri", "")) if isinstance(item, dict) else None
                if found is not None:
                    md.put_event(Event(found, exec_id, [name], INPUT))
    return ctx


def _execution(
    t: TaskRecord,
    parent: int,
    pod_of: Callable[[TaskRecord], str],
    children: dict[str | None, list[TaskRecord]],
) -> Execution:
    custom = {"display_name": s(t.name), "task_name": s(t.name),
              "parent_dag_id": Value("int", parent)}  # fmt: skip
    params = {k: v for k, v in t.inputs.items() if _plain(v)}
    if params:
        custom["inputs"] = Value("struct", params)
    if t.outputs:
        custom["outputs"] = Value("struct", {k: v for k, v in t.outputs.items() if _plain(v)})
    if t.kind is TaskKind.CONTAINER or t.kind is TaskKind.UNSUPPORTED:
        custom.update(pod_name=s(pod_of(t)), pod_uid=s(""), namespace=s(""), image=s(""))
        if t.cache_key:
            custom["cache_fingerprint"] = s(t.cache_key)
    elif t.kind is TaskKind.ITERATION:
        index = t.task_id.rsplit("[", 1)[-1].rstrip("]")
        if index.isdigit():
            custom["iteration_index"] = Value("int", int(index))
    elif t.kind is TaskKind.LOOP:
        custom["iteration_count"] = Value("int", len(children.get(t.task_id, [])))
    return Execution(last_known_state=_TASK_STATE.get(t.status, 1), custom_properties=custom)


def _executor_logs(run: RunRecord, t: TaskRecord) -> str | None:
    """The URI of the log a container task that ran uploaded, on a run with an object-store
    root (the engine uploads it as the launcher does, `_engine/object_io.py`)."""
    root = parse_object_root(str(run.settings.get("object_root") or ""))
    ran = t.started is not None and t.status in (TaskState.SUCCEEDED, TaskState.FAILED)
    if root is None or not ran or t.kind is not TaskKind.CONTAINER:
        return None
    if LOG_NOT_UPLOADED in t.message:  # as the launcher records no log it could not upload
        return None
    key = executor_logs_key(root, run.pipeline_name, run.run_id, t.task_id, t.attempts)
    return root.uri_of(key)


def _plain(v: Any) -> bool:
    """A parameter value a Struct can hold (an artifact's placeholder dict is not)."""
    return v is None or isinstance(v, (str, int, float, bool, list, dict))
