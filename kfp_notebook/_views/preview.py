"""Artifact previews for the run widget and the JupyterLab sidebar: a small JSON-safe summary of
an artifact, chosen by its KFP type and its content, never reading more than a byte cap.

Kinds: table, image, markdown, html, metrics, classification, files, text, missing, too_large.
Front ends render markdown with raw HTML disabled and show html only in a sandboxed iframe."""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import os
from pathlib import Path
from typing import Any

from kfp_notebook._model.jsonsafe import json_safe
from kfp_notebook._store.layout import PARTIAL_DIR

__all__ = ["preview_artifact", "preview_metadata"]

Preview = dict[str, Any]
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_TABLE_EXT = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_MAX_ENTRIES = 200


def preview_artifact(
    path: str | os.PathLike[str],
    type_schema: str,
    metadata: dict[str, Any] | None = None,
    *,
    max_bytes: int = 262_144,
    max_rows: int = 20,
) -> Preview:
    """A summary of the artifact at `path` of KFP type `type_schema` (e.g. system.Dataset)."""
    target = Path(path)
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
        return _parquet(target, max_rows)
    if text is not None and kind != "Model":
        table = _table(target, text, truncated, suffix, max_rows)
        if table is not None:
            return table
        return _base(target, "text", text=text, truncated=truncated)
    return _files(target)


def preview_metadata(name: str, type_schema: str, metadata: dict[str, Any]) -> Preview | None:
    """The preview of a Metrics or ClassificationMetrics artifact, which lives in its metadata,
    made without touching any file (None for other types)."""
    kind = type_schema.rsplit(".", 1)[-1].split("@")[0]
    base = {"name": name, "size": 0, "truncated": False}
    if kind == "Metrics":
        items = [{"name": k, "value": json_safe(v)} for k, v in sorted(metadata.items())]
        return {"kind": "metrics", **base, "items": items}
    if kind == "ClassificationMetrics":
        return {"kind": "classification", **base, **_classification_fields(metadata)}
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


def _files(target: Path) -> Preview:
    if target.is_file():
        entries = [{"path": target.name, "size": target.stat().st_size}]
        return _base(target, "files", entries=entries, total_size=entries[0]["size"])
    entries, total, count = [], 0, 0
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


def _table(target: Path, text: str, truncated: bool, suffix: str, max_rows: int) -> Preview | None:
    fmt = _TABLE_EXT.get(suffix)
    stripped = text.lstrip()
    if fmt in (None, "json") and stripped[:1] in ("[", "{") and not truncated:
        parsed = _json_table(stripped, max_rows)
        if parsed is not None:
            return _base(target, "table", format="json", **parsed)
    if fmt in (None, "jsonl") and stripped.startswith("{"):
        rows = []
        for line in text.splitlines()[: max_rows + 1]:
            try:
                rows.append(json.loads(line))
            except ValueError:
                break
        if rows and all(isinstance(r, dict) for r in rows):
            complete = None if truncated else sum(1 for line in text.splitlines() if line.strip())
            return _base(target, "table", format="jsonl", **_records(rows, max_rows, complete))
    if fmt in ("csv", "tsv") or (fmt is None and _looks_delimited(text)):
        delimiter = "\t" if fmt == "tsv" or (fmt is None and "\t" in text[:4096]) else ","
        lines = text.splitlines()
        if truncated and len(lines) > 1:
            lines = lines[:-1]  # the last line may be cut by the cap
        reader = list(
            csv.reader(io.StringIO("\n".join(lines[: max_rows + 1])), delimiter=delimiter)
        )
        if not reader:
            return None
        columns, rows = reader[0], [_typed(r) for r in reader[1 : max_rows + 1]]
        total = None if truncated else max(len([x for x in lines if x.strip()]) - 1, 0)
        return _base(
            target,
            "table",
            format="tsv" if delimiter == "\t" else "csv",
            columns=columns,
            rows=rows,
            shape=[total, len(columns)],
            truncated=truncated or (total or 0) > len(rows),
        )
    return None


def _looks_delimited(text: str) -> bool:
    lines = [x for x in text.splitlines()[:10] if x.strip()]
    if len(lines) < 2:
        return False
    for delimiter in (",", "\t"):
        counts = {line.count(delimiter) for line in lines[:-1]}
        if len(counts) == 1 and counts.pop() > 0:
            return True
    return False


def _typed(row: list[str]) -> list[Any]:
    out: list[Any] = []
    for cell in row:
        try:
            out.append(int(cell))
        except ValueError:
            try:
                number = float(cell)
                out.append(number if math.isfinite(number) else cell)
            except ValueError:
                out.append(cell)
    return out


def _json_table(text: str, max_rows: int) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        return _records(data, max_rows, len(data))
    if isinstance(data, dict) and data and all(isinstance(v, list) for v in data.values()):
        length = max(len(v) for v in data.values())
        rows = [{k: (v[i] if i < len(v) else None) for k, v in data.items()} for i in range(length)]
        return _records(rows, max_rows, length)
    return None


def _records(rows: list[dict[str, Any]], max_rows: int, total: int | None) -> dict[str, Any]:
    columns = list(dict.fromkeys(k for r in rows[:max_rows] for k in r))
    shown = [[json_safe(r.get(c)) for c in columns] for r in rows[:max_rows]]
    return {
        "columns": columns,
        "rows": shown,
        "shape": [total, len(columns)],
        "truncated": total is None or total > len(shown),
    }


def _parquet(target: Path, max_rows: int) -> Preview:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return _base(
            target,
            "files",
            entries=[{"path": target.name, "size": target.stat().st_size}],
            total_size=target.stat().st_size,
            hint="install pyarrow in the kernel's environment to preview Parquet",
        )
    handle = pq.ParquetFile(str(target))
    batch = next(handle.iter_batches(batch_size=max_rows), None)
    rows = batch.to_pylist() if batch is not None else []
    total = handle.metadata.num_rows
    columns = list(handle.schema_arrow.names)
    shown = [[json_safe(r.get(c)) for c in columns] for r in rows]
    return _base(
        target,
        "table",
        format="parquet",
        columns=columns,
        rows=shown,
        shape=[total, len(columns)],
        truncated=total > len(shown),
    )


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
