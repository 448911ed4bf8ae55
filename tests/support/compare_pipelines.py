"""Pipelines for the comparison tests: train v1 and v2 (one component's code differs) logging
Metrics, Markdown, HTML (with hostile text) and ClassificationMetrics; and another pipeline."""

from pathlib import Path
from typing import Dict, List

from kfp import dsl
from kfp.dsl import HTML, ClassificationMetrics, Markdown, Metrics, Output

from kfp_notebook import RunState, Session

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def fit(lr: float, epochs: int, metrics: Output[Metrics]) -> float:
    accuracy = round(1.0 - lr * 2 / epochs, 4)
    metrics.log_metric("accuracy", accuracy)
    metrics.log_metric("loss", round(lr * 3, 4))
    return accuracy


fit_v1 = fit


@dsl.component(base_image=IMAGE)
def fit(lr: float, epochs: int, metrics: Output[Metrics]) -> float:
    accuracy = round(1.0 - lr / epochs, 4)  # a code change: the digest of comp-fit changes
    metrics.log_metric("accuracy", accuracy)
    metrics.log_metric("loss", round(lr * 2, 4))
    return accuracy


fit_v2 = fit


@dsl.component(base_image=IMAGE)
def report(
    accuracy: float,
    notes: Output[Markdown],
    page: Output[HTML],
    quality: Output[ClassificationMetrics],
) -> None:
    evil = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    with open(notes.path, "w") as f:
        f.write(f"# Accuracy {accuracy}\n\n{evil}\n")
    with open(page.path, "w") as f:
        f.write(f"<html><body><p>accuracy {accuracy}</p>{evil}</body></html>")
    quality.log_confusion_matrix(["no", "yes"], [[5, 1], [2, 7]])
    quality.log_roc_curve([0.0, 0.2, 1.0], [0.0, accuracy, 1.0], [1.0, 0.5, 0.0])


@dsl.pipeline(name="train")
def train_v1(lr: float = 0.1, epochs: int = 2) -> float:
    fitted = fit_v1(lr=lr, epochs=epochs)
    report(accuracy=fitted.outputs["Output"])
    return fitted.outputs["Output"]


@dsl.pipeline(name="train")
def train_v2(lr: float = 0.1, epochs: int = 2) -> float:
    fitted = fit_v2(lr=lr, epochs=epochs)
    report(accuracy=fitted.outputs["Output"])
    return fitted.outputs["Output"]


@dsl.component(base_image=IMAGE)
def plain(x: int) -> int:
    return x + 1


@dsl.pipeline(name="other")
def other(x: int = 1) -> int:
    return plain(x=x).output


class Runs:
    root: Path
    ids: Dict[str, str]
    sweep: List[str]


def make_runs(root: Path) -> Runs:
    """Real runs: a (lr 0.1) and b (lr 0.2) of train v1, c of train v2 (changed code), d of
    another pipeline (no metrics), then seven more train v1 runs for a 10-run comparison."""
    out = Runs()
    out.root = root
    session = Session(pipeline_root=out.root, raise_on_error=False, experiment="sweep")
    try:
        made = {
            "a": session.run(train_v1, {"lr": 0.1}),
            "b": session.run(train_v1, {"lr": 0.2}),
            "c": session.run(train_v2, {"lr": 0.1}),
            "d": session.run(other, {"x": 3}, experiment="misc"),
        }
        assert all(r.status is RunState.SUCCEEDED for r in made.values()), made
        out.ids = {k: r.run_id for k, r in made.items()}
        extra = [session.run(train_v1, {"lr": 0.01 * (i + 1), "epochs": 3}) for i in range(7)]
        assert all(r.status is RunState.SUCCEEDED for r in extra)
        out.sweep = [r.run_id for r in extra]
    finally:
        session.close()
    return out
