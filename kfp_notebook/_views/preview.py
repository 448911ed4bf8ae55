"""Artifact previews for the run widget and the JupyterLab sidebar: a small JSON-safe summary of
an artifact, chosen by its KFP type and its content, never reading more than a byte cap.

Kinds: table, image, markdown, html, metrics, classification, files, text, missing, too_large.
Front ends render markdown with raw HTML disabled and show html only in a sandboxed iframe."""

from __future__ import annotations

import base64
import functools
import os
import typing
from pathlib import Path
from typing import Any, cast

from kfp_notebook._model.jsonsafe import json_safe
from kfp_notebook._store import objects
from kfp_notebook._store.layout import PARTIAL_DIR
from kfp_notebook._store.objroot import is_object_uri
from kfp_notebook._views.preview_tables import parquet_fields, table_fields
from kfp_notebook._views.shape import PreviewJSON

__all__ = ["preview_artifact", "preview_metadata"]

Preview = dict[str, Any]
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_MAX_ENTRIES = 200


@functools.cache
def _keys(kind: str) -> tuple[frozenset[str], frozenset[str]]:
    """The keys a preview of `kind` must have and may have, read from its TypedDict."""
    for td in typing.get_args(PreviewJSON):
        if kind in typing.get_args(typing.get_type_hints(td)["kind"]):
            return td.__required_keys__, td.__required_keys__ | td.__optional_keys__
    raise TypeError(f"no preview kind {kind!r} in the shape")


def _checked(preview: Preview) -> PreviewJSON:
    """The preview as the shape's type, once its keys are those of its kind's TypedDict."""
    required, allowed = _keys(preview["kind"])
    if not required <= preview.keys() <= allowed:
        raise TypeError(f"a {preview['kind']} preview with keys {sorted(preview)}")
    return cast(PreviewJSON, preview)


def preview_artifact(
    path: str | os.PathLike[str],
    type_schema: str,
    metadata: dict[str, Any] | None = None,
    *,
    max_bytes: int = 262_144,
    max_rows: int = 20,
) -> PreviewJSON:
    """A summary of the artifact at `path` of KFP type `type_schema` (e.g. system.Dataset).
    `path` may be an object-store URI (s3://, minio://, gs://): the object is read through the
    ETag-checked cache (`objects.download`), as a downstream task reads it."""
    if is_object_uri(path):
        return _checked(_from_store(str(path), type_schema, metadata, max_bytes, max_rows))
    return _checked(_preview(Path(path), type_schema, metadata, max_bytes, max_rows))


def _from_store(
    uri: str, type_schema: str, metadata: dict[str, Any] | None, max_bytes: int, max_rows: int
) -> Preview:
    name = uri.rstrip("/").rsplit("/", 1)[-1]
    from_metadata = preview_metadata(name, type_schema, dict(metadata or {}))
    if from_metadata is not None:  # KFP's launcher uploads no object for Metrics
        return dict(from_metadata)
    missing = {"kind": "missing", "name": name, "size": 0, "truncated": False}
    try:
        local = objects.download(uri).path
    except objects.ObjectMissingError:
        return {**missing, "hint": "the object is not in the store (deleted, or never written)"}
    except objects.ObjectStoreError as exc:
        return {**missing, "hint": str(exc)}
    return {**_preview(local, type_schema, metadata, max_bytes, max_rows), "name": name}


def _preview(
    target: Path,
    type_schema: str,
    metadata: dict[str, Any] | None,
    max_bytes: int,
    max_rows: int,
) -> Preview:
    meta = dict(metadata or {})
    kind = type_schema.rsplit(".", 1)[-1].split("@")[0]
    if kind == "Metrics":
        items = [{"name": k, "value": json_safe(v)} for k, v in sorted(meta.items())]
        return _base(target, "metrics", items=items)
    if kind == "ClassificationMetrics":
        return _classification(target, meta)
    if PARTIAL_DIR in target.parts:
        return _base(target, "missing", hint="incomplete: its task did not finish writing it")
    if not target.exists():
        return _base(target, "missing", hint="the file is not there (deleted, or never written)")
    if target.is_dir():
        return _files(target)
    size = target.stat().st_size
    with target.open("rb") as f:
        head = f.read(max_bytes + 1)
    truncated = len(head) > max_bytes
    head = head[:max_bytes]
    suffix = target.suffix.lower()
    for magic, mime in _IMAGE_MAGIC:
        if head.startswith(magic):
            return _image(target, head, mime, truncated)
    text = _text(head)
    if text is not None and _is_svg(text, suffix):
        return _image(target, head, "image/svg+xml", truncated)
    if kind == "HTML" or suffix in (".html", ".htm"):
        if truncated:
            return _too_large(target, size, max_bytes, "HTML is shown whole or not at all")
        return _base(target, "html", html=text or "")
    if kind == "Markdown" or suffix in (".md", ".markdown"):
        return _base(target, "markdown", text=text or "", truncated=truncated)
    if head.startswith(b"PAR1") or suffix in (".parquet", ".pq"):
        parquet = parquet_fields(target, max_rows)
        if parquet is None:
            hint = "install pyarrow in the kernel's environment to preview Parquet"
            return _base(target, "files", **_file_fields(target), hint=hint)
        return _base(target, "table", **parquet)
    if text is not None and kind != "Model":
        table = table_fields(text, truncated, suffix, max_rows)
        if table is not None:
            return _base(target, "table", **table)
        return _base(target, "text", text=text, truncated=truncated)
    return _files(target)


def preview_metadata(name: str, type_schema: str, metadata: dict[str, Any]) -> PreviewJSON | None:
    """The preview of a Metrics or ClassificationMetrics artifact, which lives in its metadata,
    made without touching any file (None for other types)."""
    kind = type_schema.rsplit(".", 1)[-1].split("@")[0]
    base = {"name": name, "size": 0, "truncated": False}
    if kind == "Metrics":
        items = [{"name": k, "value": json_safe(v)} for k, v in sorted(metadata.items())]
        return _checked({"kind": "metrics", **base, "items": items})
    if kind == "ClassificationMetrics":
        return _checked({"kind": "classification", **base, **_classification_fields(metadata)})
    return None


def _base(target: Path, kind: str, **fields: Any) -> Preview:
    size = target.stat().st_size if target.is_file() else 0
    return {"kind": kind, "name": target.name, "size": size, "truncated": False, **fields}


def _too_large(target: Path, size: int, cap: int, why: str) -> Preview:
    return _base(target, "too_large", summary=f"{size:,} bytes, over the {cap:,}-byte cap; {why}")


def _text(head: bytes) -> str | None:
    if b"\x00" in head[:8192]:
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut by the cap
            return head[: exc.start].decode("utf-8")
        return None


def _is_svg(text: str, suffix: str) -> bool:
    start = text.lstrip()[:512].lower()
    return (
        suffix == ".svg"
        or start.startswith("<svg")
        or (start.startswith("<?xml") and "<svg" in start)
    )


def _image(target: Path, head: bytes, mime: str, truncated: bool) -> Preview:
    if truncated:
        return _too_large(target, target.stat().st_size, len(head), "images are sent whole")
    return _base(target, "image", mime=mime, data=base64.b64encode(head).decode("ascii"))


def _file_fields(target: Path) -> dict[str, Any]:
    size = target.stat().st_size
    return {"entries": [{"path": target.name, "size": size}], "total_size": size}


def _files(target: Path) -> Preview:
    if target.is_file():
        return _base(target, "files", **_file_fields(target))
    entries: list[dict[str, Any]] = []
    total = count = 0
    for item in sorted(target.rglob("*")):
        if item.is_file() and not item.is_symlink():
            size = item.stat().st_size
            total += size
            count += 1
            if len(entries) < _MAX_ENTRIES:
                entries.append({"path": str(item.relative_to(target)), "size": size})
    return {
        "kind": "files",
        "name": target.name,
        "size": total,
        "entries": entries,
        "total_size": total,
        "truncated": count > len(entries),
    }


def _classification(target: Path, meta: dict[str, Any]) -> Preview:
    return _base(target, "classification", **_classification_fields(meta))


def _classification_fields(meta: dict[str, Any]) -> dict[str, Any]:
    matrix = meta.get("confusionMatrix") or {}
    labels = [str(s.get("displayName", s.get("id", ""))) for s in matrix.get("annotationSpecs", [])]
    rows = [[json_safe(v) for v in r.get("row", [])] for r in matrix.get("rows", [])]
    roc = [
        {
            "fpr": json_safe(p.get("falsePositiveRate")),
            "tpr": json_safe(p.get("recall")),
            "threshold": json_safe(p.get("confidenceThreshold")),
        }
        for p in meta.get("confidenceMetrics", [])
        if isinstance(p, dict)
    ]
    roc.sort(key=lambda p: (p["fpr"] or 0.0, p["tpr"] or 0.0))
    confusion = {"labels": labels, "matrix": rows} if rows else None
    return {"confusion_matrix": confusion, "roc": roc}
