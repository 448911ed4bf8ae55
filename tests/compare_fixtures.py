"""The comparisons the TypeScript view's tests draw, completed by the Python model (text, best
runs, table, sections), so the browser's tests never hand-copy what Python computes.

`python tests/compare_fixtures.py > packages/shared/src/compare.fixtures.generated.json`;
tests/test_shape.py checks the committed file is current."""

from __future__ import annotations

import copy
import json
import sys
from typing import Any

from kfp_notebook._views.compare.rows import complete, complete_trend

__all__ = ["fixtures"]


def _run(run_id: str, lr: int) -> dict[str, Any]:
    return {
        "run_id": run_id, "pipeline_name": "train", "status": "SUCCEEDED",
        "created": 1_790_000_000 + lr * 1000, "finished": None, "duration": 12.5,
        "arguments": {"lr": lr, "epochs": 3}, "outputs": {}, "message": "", "task_counts": {},
        "root": "/tmp/root", "experiment": "exp", "runner": "subprocess",
    }  # fmt: skip


def _roc(k: int) -> list[dict[str, float]]:
    return [
        {"fpr": 0, "tpr": 0, "threshold": 1},
        {"fpr": 0.2, "tpr": 0.5 + k / 10, "threshold": 0.5},
        {"fpr": 1, "tpr": 1, "threshold": 0},
    ]


def _classification() -> dict[str, Any]:
    base = {"name": "metrics", "size": 0, "truncated": False, "kind": "classification"}
    cm = {"labels": ["cat", "dog"], "matrix": [[5, 1], [2, 7]]}
    return {
        "task_id": "evaluate", "name": "metrics", "type": "system.ClassificationMetrics",
        "previews": [
            {**base, "confusion_matrix": cm, "roc": _roc(1)},
            {**base, "confusion_matrix": cm, "roc": _roc(2)},
            {**base, "confusion_matrix": None, "roc": _roc(3)},  # only an ROC curve
        ],
    }  # fmt: skip


def _metric(name: str, values: list[float | None], higher: bool) -> dict[str, Any]:
    return {
        "key": f"train/{name}", "task_id": "train", "artifact": "m", "name": name,
        "values": values, "text": [], "higher_is_better": higher, "best": [],
        "best_reversed": [], "differs": True,
    }  # fmt: skip


def _base() -> dict[str, Any]:
    return {
        "runs": [_run("train-a", 1), _run("train-b", 2), _run("train-c", 3)],
        "same_pipeline": True,
        "parameters": [
            {"name": "lr", "values": [1, 2, 3], "text": [], "differs": True},
            {"name": "epochs", "values": [3, 3, 3], "text": [], "differs": False},
        ],
        "metrics": [
            _metric("accuracy", [0.9, 0.95, None], True),
            _metric("loss", [0.3, 0.2, 0.25], False),
        ],
        "classification": [_classification()],
        "documents": [],
        "tasks": [],
        "changed_components": [],
        "table": {"columns": [], "rows": []},
        "sections": [],
    }


def _task(task_id: str, statuses: list[str | None], changed: bool) -> dict[str, Any]:
    return {
        "task_id": task_id, "name": task_id, "component": f"comp-{task_id}",
        "statuses": statuses, "durations": [1.5, 2, None], "cached": [False, False, False],
        "digests": ["d1", "d2" if changed else "d1", None], "code_changed": changed,
        "differs": False,
    }  # fmt: skip


def fixtures() -> dict[str, Any]:
    """`base`: 3 runs, 2 parameters, 2 metrics, classification; `tasks`: with tasks that
    differ and one that does not; `quoting`: parameter values CSV and Markdown must escape;
    `ties`: a metric whose present values tie; `trend`: a loss over 4 runs, one without it."""
    tasks = _base()
    tasks["tasks"] = [
        _task("same", ["SUCCEEDED"] * 3, False),
        _task("broke", ["SUCCEEDED", "FAILED", None], False),
        _task("edited", ["SUCCEEDED"] * 3, True),
    ]
    quoting = _base()
    quoting["parameters"][0]["values"] = ['a,"b"', "x|y", None]
    ties = _base()
    ties["metrics"] = [_metric("accuracy", [0.5, 0.5, None], True), _metric("f1", [1, 1, 1], True)]
    trend = {
        "experiment": "exp", "metric": "train/loss", "higher_is_better": False,
        "best": [], "best_reversed": [],
        "points": [
            {"run_id": "r1", "created": 1, "status": "SUCCEEDED", "value": 0.5, "text": ""},
            {"run_id": "r2", "created": 2, "status": "FAILED", "value": None, "text": ""},
            {"run_id": "r3", "created": 3, "status": "SUCCEEDED", "value": 0.2, "text": ""},
            {"run_id": "r4", "created": 4, "status": "SUCCEEDED", "value": 0.3, "text": ""},
        ],
    }  # fmt: skip
    found: dict[str, Any] = {
        name: complete(copy.deepcopy(data))  # type: ignore[arg-type]
        for name, data in (("base", _base()), ("tasks", tasks), ("quoting", quoting),
                           ("ties", ties))
    }  # fmt: skip
    found["trend"] = complete_trend(trend)  # type: ignore[arg-type]
    return found


def text() -> str:
    return json.dumps(fixtures(), indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(text())
