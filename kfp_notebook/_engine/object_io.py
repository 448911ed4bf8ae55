"""A run's artifacts on an object store, as KFP's launcher moves them
(kubeflow/pipelines `backend/src/v2/component/launcher_v2.go`): before a task runs, its input
artifacts on the store are downloaded (through the ETag cache) and the task sees local paths;
once it has succeeded, its output artifacts that exist are uploaded at KFP's key layout and
recorded with their `s3://`/`minio://`/`gs://` URI. An output without a file (a Metrics
artifact, whose values are metadata) keeps its URI but sends nothing, as the launcher does.
Once a task has run, succeeded or failed, its log goes up too, as the launcher's
`executor-logs` output (`executor-logs-<retry index>` in the task's folder), so the log
outlives the machine that ran it."""

from __future__ import annotations

import copy
from pathlib import Path

from kfp_notebook._engine.nodes import Artifacts, Node
from kfp_notebook._engine.resolve import Inputs
from kfp_notebook._store import objects
from kfp_notebook._store.objroot import (
    ObjectRoot,
    executor_logs_key,
    is_object_uri,
    local_to_key,
)

__all__ = ["ObjectIO", "check_object_root", "localize_inputs"]


def check_object_root(root: ObjectRoot | None) -> None:
    """Before a run starts: the bucket is reachable (ObjectStoreError). Every runner takes its
    inputs as local files (the object cache's copies: the Docker runner mounts them read-only,
    as it does any input outside the pipeline root)."""
    if root is not None:
        objects.check_bucket(root)


def localize_inputs(inputs: Inputs) -> Inputs:
    """`inputs` with every artifact on an object store replaced by its local copy (the
    store's URI is kept as the artifact's `remote_uri` for the record)."""
    if not any(is_object_uri(a.get("uri", "")) for arts in inputs.artifacts.values() for a in arts):
        return inputs
    artifacts: Artifacts = {}
    for name, arts in inputs.artifacts.items():
        artifacts[name] = []
        for art in arts:
            uri = art.get("uri", "")
            if is_object_uri(uri):
                art = {**copy.deepcopy(art), "uri": str(objects.download(uri).path)}
            artifacts[name].append(art)
    return Inputs(inputs.params, artifacts)


class ObjectIO:
    """Moves the artifacts of one run whose outputs go to `root`."""

    def __init__(self, root: ObjectRoot, local_root: Path, pipeline_name: str, run_id: str):
        self.root, self.local_root = root, local_root
        self.pipeline_name, self.run_id = pipeline_name, run_id

    @classmethod
    def of(
        cls, root: ObjectRoot | None, local_root: Path, pipeline_name: str, run_id: str
    ) -> ObjectIO | None:
        return None if root is None else cls(root, local_root, pipeline_name, run_id)

    def publish(self, node: Node, artifacts: Artifacts) -> None:
        """Upload the task's outputs that exist and point them at the store (in place)."""
        for arts in artifacts.values():
            for art in arts:
                uri = art.get("uri", "")
                if not uri or "://" in uri:
                    continue  # an output the component pointed elsewhere itself
                local = Path(uri)
                key = local_to_key(
                    self.root, local, self.local_root, self.pipeline_name, self.run_id, node.id
                )
                remote = self.root.uri_of(key)
                if local.exists():
                    objects.upload(local, remote)
                art["uri"] = remote

    def publish_log(self, node: Node, log: Path, attempt: int) -> str | None:
        """Upload the task's log as its `executor-logs` output of `attempt`; its URI (None
        when the task wrote no log: it never started)."""
        if not log.exists():
            return None
        key = executor_logs_key(self.root, self.pipeline_name, self.run_id, node.id, attempt)
        remote = self.root.uri_of(key)
        objects.upload(log, remote)
        return remote
