"""Table previews: the first rows of CSV, TSV, JSON (records or columns), JSON lines and
Parquet, with the column names and the whole table's shape when it is known."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from kfp_notebook._model.jsonsafe import json_safe

__all__ = ["TABLE_EXT", "parquet_fields", "table_fields"]

Fields = dict[str, Any]
TABLE_EXT = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def table_fields(text: str, truncated: bool, suffix: str, max_rows: int) -> Fields | None:
    """The fields of a table preview of `text` (CSV, TSV, JSON records or columns, JSON
    lines), or None when it is no table."""
    fmt = TABLE_EXT.get(suffix)
    stripped = text.lstrip()
    if fmt in (None, "json") and stripped[:1] in ("[", "{") and not truncated:
        parsed = _json_table(stripped, max_rows)
        if parsed is not None:
            return {"format": "json", **parsed}
    if fmt in (None, "jsonl") and stripped.startswith("{"):
        rows = []
        for line in text.splitlines()[: max_rows + 1]:
            try:
                rows.append(json.loads(line))
            except ValueError:
                break
        if rows and all(isinstance(r, dict) for r in rows):
            complete = None if truncated else sum(1 for line in text.splitlines() if line.strip())
            return {"format": "jsonl", **_records(rows, max_rows, complete)}
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
        return {
            "format": "tsv" if delimiter == "\t" else "csv",
            "columns": columns,
            "rows": rows,
            "shape": [total, len(columns)],
            "truncated": truncated or (total or 0) > len(rows),
        }
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


def _json_table(text: str, max_rows: int) -> Fields | None:
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


def _records(rows: list[dict[str, Any]], max_rows: int, total: int | None) -> Fields:
    columns = list(dict.fromkeys(k for r in rows[:max_rows] for k in r))
    shown = [[json_safe(r.get(c)) for c in columns] for r in rows[:max_rows]]
    return {
        "columns": columns,
        "rows": shown,
        "shape": [total, len(columns)],
        "truncated": total is None or total > len(shown),
    }


def parquet_fields(target: Path, max_rows: int) -> Fields | None:
    """The fields of a table preview of a Parquet file; None without pyarrow."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return None
    handle = pq.ParquetFile(str(target))
    batch = next(handle.iter_batches(batch_size=max_rows), None)
    rows = batch.to_pylist() if batch is not None else []
    total = handle.metadata.num_rows
    columns = list(handle.schema_arrow.names)
    shown = [[json_safe(r.get(c)) for c in columns] for r in rows]
    return {
        "format": "parquet",
        "columns": columns,
        "rows": shown,
        "shape": [total, len(columns)],
        "truncated": total > len(shown),
    }
