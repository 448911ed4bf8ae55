"""What a follower of a run on a KFP deployment reads from its ML Metadata: per task, the pod
that ran it and the artifacts it wrote with their metadata (Metrics values, confusion matrices,
ROC points live only there; the REST API's task_details carry no pod name).

    task_metadata("https://kfp.example.com", run_id, token)
    {"train": {"pod_name": "p-x7k2p-123", "state": "COMPLETE", "execution_id": 7,
               "artifacts": [{"name": "metrics", "uri": "minio://...", "type": "system.Metrics",
                              "metadata": {"accuracy": 0.9, "display_name": "metrics"}}]}}

A task inside a loop is keyed with its iteration indexes, outermost first: `train[0]`,
`train[1][2]`; the loop's DAG by its name, each iteration's DAG by the loop's name and its index
(`for-loop-1[0]`). The run's root DAG is left out.
"""

from __future__ import annotations

from typing import Any

from kfp_notebook._mlmd.client import MetadataClient
from kfp_notebook._mlmd.fill import INPUT, OUTPUT, PIPELINE_RUN
from kfp_notebook._mlmd.messages import Artifact, Execution, Value

__all__ = ["STATES", "metadata_url", "task_metadata"]

STATES = {0: "UNKNOWN", 1: "NEW", 2: "RUNNING", 3: "COMPLETE", 4: "FAILED", 5: "CACHED",
          6: "CANCELED"}  # fmt: skip
_HIDDEN = {"store_session_info"}  # KFP's own bookkeeping on every artifact


def metadata_url(base_url: str) -> str:
    """Where MetadataStoreService's methods sit for kfp.Client's host: the host itself (the KFP
    UI proxies `/ml_metadata.MetadataStoreService/...`; a trailing `/ml_metadata` is dropped)."""
    base = base_url.rstrip("/")
    return base[: -len("/ml_metadata")] if base.endswith("/ml_metadata") else base


def plain(v: Value) -> Any:
    return v.value if v.kind != "proto" else None


def task_metadata(
    base_url: str, run_id: str, token: str | None = None, timeout: float = 30.0
) -> dict[str, dict[str, Any]]:
    """{task key: {pod_name, state, execution_id, display_name, outputs (parameters),
    artifacts: [{name, uri, type, metadata}], inputs (parameters, as its driver resolved
    them), input_artifacts: {name: [{name, uri, type, metadata}, ...]} (its INPUT events)}};
    empty while the run has no MLMD context yet (its root driver has not run)."""
    client = MetadataClient(metadata_url(base_url), token, timeout)
    context = client.context_by_type_and_name(PIPELINE_RUN, run_id)
    if context is None or context.id is None:
        return {}
    executions = client.executions_by_context(context.id)
    by_id: dict[int | None, Execution] = {e.id: e for e in executions if e.id is not None}
    events = client.events_by_execution_ids([i for i in by_id if i is not None])
    wanted = sorted({e.artifact_id for e in events if e.type in (INPUT, OUTPUT) and e.artifact_id})
    artifacts = {a.id: a for a in client.artifacts_by_id(wanted)}
    out: dict[str, dict[str, Any]] = {}
    for e in executions:
        name = _text(e, "task_name")
        if not name or e.id is None:
            continue  # the root DAG
        pod = e.custom_properties.get("pod_name")
        mine = [ev for ev in events if ev.execution_id == e.id and ev.artifact_id in artifacts]
        outs = [_artifact(_key_of(ev.path), artifacts[ev.artifact_id])
                for ev in mine if ev.type == OUTPUT]  # fmt: skip
        given: dict[str, list[dict[str, Any]]] = {}
        for ev in mine:
            if ev.type == INPUT:
                given.setdefault(_key_of(ev.path), []).append(
                    _artifact(_key_of(ev.path), artifacts[ev.artifact_id])
                )
        out[_key(e, by_id)] = {
            "pod_name": str(pod.value) if pod is not None else None,
            "state": STATES.get(e.last_known_state or 0, "UNKNOWN"),
            "execution_id": e.id,
            "display_name": _text(e, "display_name"),
            "artifacts": outs,
            "outputs": _struct(e, "outputs"),
            "inputs": _struct(e, "inputs"),
            "input_artifacts": given,
        }
    return out


def _struct(e: Execution, key: str) -> dict[str, Any]:
    """The task's parameters as the driver (`inputs`) and the launcher (`outputs`) record
    them: a struct."""
    v = e.custom_properties.get(key)
    return dict(v.value) if v is not None and isinstance(v.value, dict) else {}


def _key_of(path: list[int | str]) -> str:
    """An event's input or output name: the key step of its path (a list adds an index)."""
    return next((step for step in path if isinstance(step, str)), "")


def _text(e: Execution, key: str) -> str:
    v = e.custom_properties.get(key)
    return str(v.value) if v is not None and v.kind == "string" else ""


def _key(e: Execution, by_id: dict[int | None, Execution]) -> str:
    indexes: list[int] = []
    seen: set[int | None] = set()
    current: Execution | None = e
    while current is not None and current.id not in seen:
        seen.add(current.id)
        index = current.custom_properties.get("iteration_index")
        if index is not None and index.kind == "int":  # an iteration's own index counts too
            indexes.append(int(index.value))
        parent = current.custom_properties.get("parent_dag_id")
        current = by_id.get(int(parent.value)) if parent is not None else None
    return _text(e, "task_name") + "".join(f"[{i}]" for i in reversed(indexes))


def _artifact(name: str, a: Artifact) -> dict[str, Any]:
    meta = {k: plain(v) for k, v in a.custom_properties.items() if k not in _HIDDEN}
    return {"name": name, "uri": a.uri or "", "type": a.type or "", "metadata": meta,
            "artifact_id": a.id}  # fmt: skip
