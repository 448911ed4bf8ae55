"""Recorded outputs turned back into Python values and kfp Artifact objects."""

from __future__ import annotations

import functools
from typing import Any

from kfp_notebook._store.objroot import is_object_uri

__all__ = ["artifact_list_outputs", "make_artifact", "materialize"]


def make_artifact(art: dict[str, Any]) -> Any:
    """A kfp `dsl.Artifact` (of the recorded type, e.g. Dataset) for a recorded artifact dict."""
    from kfp import dsl
    from kfp.dsl.types import artifact_types

    title = art.get("type", {}).get("schemaTitle", "system.Artifact")
    mapping: dict[str, type] = getattr(artifact_types, "_SCHEMA_TITLE_TO_TYPE", {})
    cls = mapping.get(title, dsl.Artifact)
    if is_object_uri(art["uri"]):
        cls = _on_object_store(cls)
    artifact = cls(name=art.get("name", ""), uri=art["uri"], metadata=dict(art.get("metadata", {})))
    return artifact


@functools.cache
def _on_object_store(cls: type) -> type:
    """`cls` whose `.path` is the local copy of its object, downloaded when first read (and
    checked against the store's ETag at each read)."""

    def _get_path(self: Any) -> str:
        from kfp_notebook._store import objects

        return str(objects.download(self.uri).path)

    return type(cls.__name__, (cls,), {"_get_path": _get_path, "__module__": cls.__module__})


def materialize(
    outputs: dict[str, Any], artifact_lists: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Parameters as values, artifacts as objects; outputs declared `List[Artifact]` (named in
    `artifact_lists`) stay lists even with one element."""
    values: dict[str, Any] = dict(outputs.get("parameters", {}))
    for name, arts in outputs.get("artifacts", {}).items():
        objects = [make_artifact(a) for a in arts]
        single = len(objects) == 1 and name not in artifact_lists
        values[name] = objects[0] if single else objects
    return values


def artifact_list_outputs(pipeline_spec: dict[str, Any]) -> frozenset[str]:
    """Names of the pipeline's outputs declared as lists of artifacts."""
    declared = pipeline_spec.get("root", {}).get("outputDefinitions", {}).get("artifacts", {})
    return frozenset(name for name, d in declared.items() if d.get("isArtifactList"))


def single_output(outputs: dict[str, Any], run_id: str) -> Any:
    """The run's single output (`Output`, or the one there is), like a kfp task's `.output`."""
    if "Output" in outputs:
        return outputs["Output"]
    if len(outputs) == 1:
        return next(iter(outputs.values()))
    raise AttributeError(f"run {run_id} has {len(outputs)} outputs; use .outputs[name]")
