"""What the follower reads from a deployment's ML Metadata (`_mlmd/reader.py`): per task, the pod
that ran it (the REST API's task details carry no pod name, so without it no log) and the
artifacts it wrote with their metadata (Metrics values and confusion matrices live only there),
and where its log was archived (the launcher's `executor-logs` output, read from the object store
when the pod's log is gone).

MLMD sits at kfp.Client's host when that is the KFP UI (which proxies
`/ml_metadata.MetadataStoreService/...` to its envoy); an API server reached directly
(`svc/ml-pipeline:8888`) has none. A failed read is tried again after `retry_after` seconds,
and meanwhile the follower goes on with the task details alone, as before.

Keys: MLMD names a task by its KFP task name and the iteration indexes of the loops holding it
(`train[0]`); the follower by its path (`for-loop-2[0]/train`). `metadata_key` turns one into the
other."""

from __future__ import annotations

import re
import time
from typing import Any

from kfp_notebook._mlmd.grpcweb import GrpcError
from kfp_notebook._mlmd.reader import task_metadata
from kfp_notebook._remote.spec_walk import as_declared
from kfp_notebook._store.objroot import EXECUTOR_LOGS

__all__ = ["MetadataSource", "metadata_key", "plain_metadata"]

_INDEX = re.compile(r"\[(\d+)\]")


def metadata_key(task_id: str) -> str:
    """`for-loop-2[0]/train` -> `train[0]`; `condition-1/eval` -> `eval`; `for-loop-2[1]`."""
    last = task_id.rsplit("/", 1)[-1]
    name = _INDEX.sub("", last)
    return name + "".join(f"[{i}]" for i in _INDEX.findall(task_id))


def _retry_index(uri: str) -> int:
    tail = uri.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else -1


def plain_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Artifact metadata as the SDK wrote it: KFP's launcher keeps lists and objects in MLMD as
    structs wrapped in `{"list": [...]}` / `{"struct": {...}}`."""
    return {k: _unwrap(v) for k, v in metadata.items() if k != "display_name"}


def _unwrap(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("list", "struct"):
        return _unwrap(next(iter(value.values())))
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


class MetadataSource:
    """The MLMD view of one run, read on demand, at most once per `min_interval` seconds."""

    def __init__(
        self,
        endpoint: str,
        token: str | None,
        remote_id: str,
        retry_after: float = 30.0,
        min_interval: float = 0.5,
    ) -> None:
        self.endpoint, self.token, self.remote_id = endpoint, token, remote_id
        self.retry_after, self.min_interval = retry_after, min_interval
        self.tasks: dict[str, dict[str, Any]] = {}
        self.error = ""  # the last failure, for the docs' "which source" question
        self._next = 0.0

    def refresh(self, wait: bool = False) -> dict[str, dict[str, Any]]:
        """The latest view (the previous one while a retry waits; `wait`: read now unless
        the last read failed)."""
        now = time.monotonic()
        if now < self._next and not (wait and not self.error):
            return self.tasks
        try:
            self.tasks = task_metadata(self.endpoint, self.remote_id, self.token, timeout=10.0)
            self.error, self._next = "", now + self.min_interval
        except (GrpcError, OSError, ValueError) as exc:
            self.error, self._next = str(exc), now + self.retry_after
        return self.tasks

    def pod(self, task_id: str) -> str | None:
        entry = self.tasks.get(metadata_key(task_id)) or {}
        return entry.get("pod_name") or None

    def artifacts(self, task_id: str) -> list[dict[str, Any]]:
        """The task's outputs (the launcher's own `executor-logs` is its log, not one)."""
        return [a for a in self._all_artifacts(task_id) if a["name"] != EXECUTOR_LOGS]

    def log_uri(self, task_id: str) -> str | None:
        """Where the launcher archived the task's log (`executor-logs-<retry index>`, the
        last attempt's), None when logs are not published."""
        logs = [a["uri"] for a in self._all_artifacts(task_id)
                if a["name"] == EXECUTOR_LOGS and a["uri"]]  # fmt: skip
        return max(logs, key=_retry_index) if logs else None

    def _all_artifacts(self, task_id: str) -> list[dict[str, Any]]:
        entry = self.tasks.get(metadata_key(task_id)) or {}
        return list(entry.get("artifacts") or [])

    def entries(self, task_id: str, ui_url: str) -> list[tuple[str, str, str, dict[str, Any]]]:
        """(name, uri, schema title, metadata) of each artifact the task wrote, as a local run
        records them: a URI-less one links to the run in the KFP UI."""
        return [
            (a["name"], a["uri"] or ui_url, a["type"] or "system.Artifact",
             plain_metadata(a["metadata"]))
            for a in self.artifacts(task_id)
        ]  # fmt: skip

    def inputs(self, task_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(parameters, input artifacts) the task was given, as a local run records them: the
        execution's `inputs` and its INPUT events (name -> [{"uri", "type", "metadata"}])."""
        entry = self.tasks.get(metadata_key(task_id)) or {}
        given = {
            name: [{"uri": a["uri"], "type": {"schemaTitle": a["type"] or "system.Artifact"},
                    "metadata": plain_metadata(a["metadata"])} for a in arts]
            for name, arts in (entry.get("input_artifacts") or {}).items()
        }  # fmt: skip
        return dict(entry.get("inputs") or {}), given

    def outputs(self, task_id: str) -> dict[str, Any]:
        """The task's output parameters."""
        entry = self.tasks.get(metadata_key(task_id)) or {}
        return dict(entry.get("outputs") or {})

    def pipeline_outputs(self, spec: dict[str, Any]) -> dict[str, Any]:
        """The run's outputs, {"parameters", "artifacts"} as a local run's, from the root DAG's
        output selectors in `spec` and the producing top-level tasks' records."""
        outputs = (spec.get("root") or {}).get("dag", {}).get("outputs") or {}
        params: dict[str, Any] = {}
        for name, sel in (outputs.get("parameters") or {}).items():
            chosen = sel.get("valueFromParameter") or {}
            found = self.outputs(chosen.get("producerSubtask", ""))
            if chosen.get("outputParameterKey") in found:
                params[name] = found[chosen["outputParameterKey"]]
        artifacts: dict[str, Any] = {}
        for name, sel in (outputs.get("artifacts") or {}).items():
            for chosen in sel.get("artifactSelectors") or []:
                arts = self.entries(chosen.get("producerSubtask", ""), "")
                artifacts[name] = [
                    {"name": key, "uri": uri, "type": {"schemaTitle": title}, "metadata": meta}
                    for key, uri, title, meta in arts if key == chosen.get("outputArtifactKey")
                ]  # fmt: skip
        return {"parameters": as_declared(spec, "", "outputDefinitions", params),
                "artifacts": artifacts}  # fmt: skip
