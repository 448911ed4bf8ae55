"""Recorded outputs turned back into Python values and kfp Artifact objects."""

from __future__ import annotations

from typing import Any

__all__ = ["make_artifact", "materialize"]


def make_artifact(art: dict[str, Any]) -> Any:
    """A kfp `dsl.Artifact` (of the recorded type, e.g. Dataset) for a recorded artifact dict."""
    from kfp import dsl
    from kfp.dsl.types import artifact_types

    title = art.get("type", {}).get("schemaTitle", "system.Artifact")
    mapping: dict[str, type] = getattr(artifact_types, "_SCHEMA_TITLE_TO_TYPE", {})
    cls = mapping.get(title, dsl.Artifact)
    artifact = cls(name=art.get("name", ""), uri=art["uri"], metadata=dict(art.get("metadata", {})))
    return artifact


def materialize(outputs: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = dict(outputs.get("parameters", {}))
    for name, arts in outputs.get("artifacts", {}).items():
        objects = [make_artifact(a) for a in arts]
        values[name] = objects[0] if len(objects) == 1 else objects
    return values
