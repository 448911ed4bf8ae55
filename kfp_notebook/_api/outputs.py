"""Recorded outputs turned back into Python values and kfp Artifact objects."""

from __future__ import annotations

from typing import Any

__all__ = ["artifact_list_outputs", "make_artifact", "materialize"]


def make_artifact(art: dict[str, Any]) -> Any:
    """A kfp `dsl.Artifact` (of the recorded type, e.g. Dataset) for a recorded artifact dict."""
    from kfp import dsl
    from kfp.dsl.types import artifact_types

    title = art.get("type", {}).get("schemaTitle", "system.Artifact")
    mapping: dict[str, type] = getattr(artifact_types, "_SCHEMA_TITLE_TO_TYPE", {})
    cls = mapping.get(title, dsl.Artifact)
    artifact = cls(name=art.get("name", ""), uri=art["uri"], metadata=dict(art.get("metadata", {})))
    return artifact


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
