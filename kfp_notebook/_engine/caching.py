"""Task caching: the content key of a task execution (component, container, environment,
parameters and the bytes of its input artifacts), and whether a cached task's outputs are
still there to be reused (a file, or an object in its bucket)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from kfp_notebook._engine.nodes import Node
from kfp_notebook._engine.resolve import Inputs
from kfp_notebook._spec.types import ContainerSpec
from kfp_notebook._store import objects
from kfp_notebook._store.objroot import is_object_uri
from kfp_notebook._store.records import ArtifactRecord, TaskRecord, is_metadata_kind

__all__ = ["artifacts_exist", "cache_key"]


def _digest_path(path: Path, h: Any) -> None:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file():
                h.update(str(child.relative_to(path)).encode())
                _digest_path(child, h)
    elif path.is_file():
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)


def cache_key(node: Node, container: ContainerSpec, inputs: Inputs, env_identity: str) -> str:
    """Content-keyed: an input artifact counts by its type, metadata and bytes, never by where
    it lies (nor by how its record spells the type), so a run fed by cached outputs keys like
    the run that made them. A remote artifact, whose bytes are not here, counts by its URI."""
    h = hashlib.sha256()
    h.update(
        json.dumps(
            [node.component, container, env_identity, inputs.params], sort_keys=True, default=str
        ).encode()
    )
    for name in sorted(inputs.artifacts):
        for art in inputs.artifacts[name]:
            title = art.get("type", {}).get("schemaTitle", "system.Artifact")
            metadata = json.dumps(art.get("metadata", {}), sort_keys=True, default=str)
            h.update(f"{name}:{title}:{metadata}".encode())
            uri = art["uri"]
            if "://" in uri:
                h.update(uri.encode())
            else:
                _digest_path(Path(uri), h)
    return h.hexdigest()


def artifacts_exist(record: TaskRecord) -> bool:
    return all(_exists(a) for a in record.artifacts)


def _exists(art: ArtifactRecord) -> bool:
    if is_object_uri(art.uri):
        if is_metadata_kind(art.schema_title):  # no object: its values are its metadata
            return True
        try:
            return objects.exists(art.uri)
        except objects.ObjectStoreError:  # cannot tell: run the task again
            return False
    return "://" in art.uri or os.path.exists(art.uri)  # another scheme: not ours to check
