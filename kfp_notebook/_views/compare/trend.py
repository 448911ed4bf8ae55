"""One metric over an experiment's runs, oldest first (`TrendJSON`): for
`kfp-notebook compare --experiment E --trend METRIC`, the server's `trend` endpoint and the HTML
export's chart."""

from __future__ import annotations

from kfp_notebook._store.reader import StoreReader
from kfp_notebook._views.compare.model import ComparisonError, run_metrics
from kfp_notebook._views.compare.rows import complete_trend, higher_is_better
from kfp_notebook._views.compare.shape import TrendJSON, TrendPoint

__all__ = ["trend"]


def trend(
    reader: StoreReader, experiment: str, metric: str, *, last: int | None = None
) -> TrendJSON:
    """`metric` (a key like `train/accuracy`, or a bare name like `accuracy`) over the
    experiment's runs, oldest first; a run without it has value null."""
    records = list(reversed(reader.list_runs(limit=last or 100_000, experiment=experiment)))
    if not records:
        raise ComparisonError(f"experiment {experiment!r} has no runs in {reader.root}")
    points: list[TrendPoint] = []
    seen = False
    available: set[str] = set()
    for record in records:
        found = run_metrics({t.task_id: t for t in reader.leaf_summaries(record.run_id)})
        available |= found.keys()
        value = _pick(found, metric)
        seen = seen or value is not None
        points.append(
            {"run_id": record.run_id, "created": record.created, "status": record.status,
             "value": value, "text": ""}
        )  # fmt: skip
    if not seen:
        names = ", ".join(sorted(available)) or "none"
        raise ComparisonError(
            f"no run of experiment {experiment!r} has a metric {metric!r}; metrics: {names}"
        )
    return complete_trend({
        "experiment": experiment,
        "metric": metric,
        "higher_is_better": higher_is_better(metric.rsplit("/", 1)[-1]),
        "best": [],
        "best_reversed": [],
        "points": points,
    })  # fmt: skip


def _pick(found: dict[str, float], metric: str) -> float | None:
    if metric in found:
        return found[metric]
    return next((v for k, v in found.items() if k.rsplit("/", 1)[-1] == metric), None)
