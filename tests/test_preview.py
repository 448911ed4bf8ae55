"""Artifact previews on real files of every kind, and the byte cap."""

import base64
import json
import zlib
from pathlib import Path

import pytest

from kfp_notebook._views.preview import preview_artifact

pytestmark = pytest.mark.unit


def _png(path: Path) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    raw = b"\x00\xff\x00\x00"  # one red pixel
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", b"\x00\x00\x00\x01" * 2 + b"\x08\x02\x00\x00\x00")
    data += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    path.write_bytes(data)
    return data


def test_tables_from_csv_tsv_json_jsonl_and_parquet(tmp_path: Path) -> None:
    csv_file = tmp_path / "data.csv"
    csv_file.write_text("a,b\n" + "".join(f"{i},x{i}\n" for i in range(50)))
    p = preview_artifact(csv_file, "system.Dataset", max_rows=5)
    assert p["kind"] == "table" and p["format"] == "csv"
    assert p["columns"] == ["a", "b"] and p["rows"][0] == [0, "x0"] and len(p["rows"]) == 5
    assert p["shape"] == [50, 2] and p["truncated"]

    tsv = tmp_path / "noext"
    tsv.write_text("x\ty\n1\t2.5\n3\t4\n")
    p = preview_artifact(tsv, "system.Dataset")
    assert p["format"] == "tsv" and p["rows"] == [[1, 2.5], [3, 4]] and p["shape"] == [2, 2]

    records = tmp_path / "r.json"
    records.write_text(json.dumps([{"k": 1, "v": float("nan")}, {"k": 2, "w": "z"}]))
    p = preview_artifact(records, "system.Dataset")
    assert p["columns"] == ["k", "v", "w"] and p["rows"][0] == [1, None, None]
    json.dumps(p, allow_nan=False)  # NaN never reaches a front end

    lines = tmp_path / "r.jsonl"
    lines.write_text('{"a": 1}\n{"a": 2}\n')
    assert preview_artifact(lines, "system.Dataset")["shape"] == [2, 1]

    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"n": list(range(100)), "s": ["q"] * 100}), tmp_path / "t.parquet")
    p = preview_artifact(tmp_path / "t.parquet", "system.Dataset", max_rows=3)
    assert p["format"] == "parquet" and p["shape"] == [100, 2] and p["rows"][2] == [2, "q"]


def test_large_csv_is_summarized_within_the_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_text("a,b\n" + "1,2\n" * 200_000)
    p = preview_artifact(big, "system.Dataset", max_bytes=4096)
    assert p["kind"] == "table" and p["shape"] == [None, 2] and p["truncated"]
    assert p["size"] == big.stat().st_size and len(json.dumps(p)) < 4096


def test_images_markdown_html_and_caps(tmp_path: Path) -> None:
    data = _png(tmp_path / "plot")
    p = preview_artifact(tmp_path / "plot", "system.Artifact")
    assert p["kind"] == "image" and p["mime"] == "image/png"
    assert base64.b64decode(p["data"]) == data
    (tmp_path / "c.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    assert preview_artifact(tmp_path / "c.svg", "system.Artifact")["mime"] == "image/svg+xml"
    assert preview_artifact(tmp_path / "plot", "system.Artifact", max_bytes=10)["kind"] == (
        "too_large"
    )

    (tmp_path / "notes").write_text("# Title\n<script>alert(1)</script>")
    p = preview_artifact(tmp_path / "notes", "system.Markdown")
    assert p["kind"] == "markdown" and p["text"].startswith("# Title")

    (tmp_path / "page").write_text("<html><script>parent.x=1</script></html>")
    assert preview_artifact(tmp_path / "page", "system.HTML")["kind"] == "html"
    assert preview_artifact(tmp_path / "page", "system.HTML", max_bytes=5)["kind"] == "too_large"


def test_metrics_and_classification_come_from_metadata(tmp_path: Path) -> None:
    p = preview_artifact(tmp_path / "m", "system.Metrics", {"accuracy": 0.9, "loss": 0.1})
    assert p["kind"] == "metrics"
    assert p["items"] == [{"name": "accuracy", "value": 0.9}, {"name": "loss", "value": 0.1}]
    meta = {
        "confusionMatrix": {
            "annotationSpecs": [{"displayName": "cat"}, {"displayName": "dog"}],
            "rows": [{"row": [5, 1]}, {"row": [2, 7]}],
        },
        "confidenceMetrics": [
            {"confidenceThreshold": 0.9, "recall": 0.5, "falsePositiveRate": 0.1},
            {"confidenceThreshold": 0.1, "recall": 1.0, "falsePositiveRate": 0.8},
        ],
    }
    p = preview_artifact(tmp_path / "c", "system.ClassificationMetrics", meta)
    assert p["confusion_matrix"] == {"labels": ["cat", "dog"], "matrix": [[5, 1], [2, 7]]}
    assert p["roc"][0] == {"fpr": 0.1, "tpr": 0.5, "threshold": 0.9}


def test_models_folders_binaries_and_missing_files(tmp_path: Path) -> None:
    model = tmp_path / "model"
    (model / "sub").mkdir(parents=True)
    (model / "weights.bin").write_bytes(b"\x00" * 1000)
    (model / "sub" / "config.json").write_text("{}")
    p = preview_artifact(model, "system.Model")
    assert p["kind"] == "files" and p["total_size"] == 1002
    assert {e["path"] for e in p["entries"]} == {"weights.bin", "sub/config.json"}
    (tmp_path / "blob").write_bytes(b"\x00\x01\x02")
    assert preview_artifact(tmp_path / "blob", "system.Artifact")["kind"] == "files"
    assert preview_artifact(tmp_path / "nope", "system.Dataset")["kind"] == "missing"
    (tmp_path / "log.txt").write_text("just words\n")
    assert preview_artifact(tmp_path / "log.txt", "system.Artifact")["kind"] == "text"
