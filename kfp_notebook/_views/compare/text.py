"""A comparison and a trend for the terminal: aligned columns, one per run, the best value of
each metric marked with `*`."""

from __future__ import annotations

from datetime import datetime

from kfp_notebook._views.compare.rows import best_flags, run_labels, state_text
from kfp_notebook._views.compare.shape import ComparisonJSON, TrendJSON

__all__ = ["comparison_text", "trend_text"]

_MAX_CELL = 28


def _clip(text: str, width: int = _MAX_CELL) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def comparison_text(comparison: ComparisonJSON) -> str:
    labels = run_labels(comparison)
    out: list[str] = []
    for section in comparison["sections"]:
        if section["title"] == "runs":
            out.append("runs")
            for label, run in zip(labels, comparison["runs"], strict=True):
                took = "-" if run["duration"] is None else f"{run['duration']:.1f}s"
                started = datetime.fromtimestamp(run["created"]).strftime("%Y-%m-%d %H:%M:%S")
                out.append(
                    f"  {label:<4} {run['run_id']}  {run['pipeline_name']}  "
                    f"{state_text(run['status'])}  {started}  {took}"
                    + (f"  [{run['experiment']}]" if run["experiment"] else "")
                )
            continue
        rows = []
        for row in section["rows"]:
            best = best_flags(comparison, row)
            marked = [_clip(c) + ("*" if best[i] else "") for i, c in enumerate(row["cells"])]
            rows.append((_clip(row["label"], 40), marked))
        out.append("")
        out.append(section["title"])
        if rows:
            first = max(len(label) for label, _ in rows)
            widths = [
                max(len(labels[i]), *(len(cells[i]) for _, cells in rows))
                for i in range(len(labels))
            ]
            out.append("  " + " " * first + "  " + "  ".join(
                h.rjust(w) for h, w in zip(labels, widths, strict=True)))  # fmt: skip
            for label, cells in rows:
                out.append("  " + label.ljust(first) + "  " + "  ".join(
                    c.rjust(w) for c, w in zip(cells, widths, strict=True)))  # fmt: skip
        if section["note"]:
            out.append(f"  ({section['note']})")
    if comparison["changed_components"]:
        out.append("")
        out.append("components changed: " + ", ".join(comparison["changed_components"]))
    return "\n".join(out) + "\n"


def trend_text(trend: TrendJSON) -> str:
    """One line per run, oldest first, with a bar scaled between the lowest and highest value."""
    values = [p["value"] for p in trend["points"] if p["value"] is not None]
    low, high = min(values), max(values)
    direction = "higher" if trend["higher_is_better"] else "lower"
    out = [f"{trend['metric']} over experiment {trend['experiment']} ({direction} is better)"]
    best = set(trend["best"])
    for index, p in enumerate(trend["points"]):
        started = datetime.fromtimestamp(p["created"]).strftime("%Y-%m-%d %H:%M:%S")
        value = p["value"]
        if value is None:
            bar, text = "", "-"
        else:
            share = 1.0 if high == low else (value - low) / (high - low)
            bar, text = "#" * (1 + round(share * 29)), p["text"]
        mark = "*" if index in best else " "
        out.append(f"  {started}  {p['run_id']:<44} {text:>12}{mark} {bar}")
    return "\n".join(out) + "\n"
