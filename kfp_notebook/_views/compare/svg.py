"""Small SVG charts drawn in Python for the HTML export: up to 10 ROC curves overlaid, and one
metric's trend over an experiment. Only numbers and escaped labels go into the markup."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

from kfp_notebook._views.compare.shape import TrendJSON
from kfp_notebook._views.palette import RUN_COLOURS as COLORS
from kfp_notebook._views.shape import RocPoint

__all__ = ["roc_svg", "trend_svg"]

_W, _H, _PAD = 320, 240, 36


def _x(share: float, width: int = _W) -> float:
    return _PAD + share * (width - 2 * _PAD)


def _y(share: float) -> float:
    return _H - _PAD - share * (_H - 2 * _PAD)


def _frame(width: int, x_label: str, y_label: str, total: int | None = None) -> list[str]:
    total = total or width
    return [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{total}' height='{_H}' "
        f"viewBox='0 0 {total} {_H}' font-size='10' font-family='sans-serif'>",
        f"<rect x='{_PAD}' y='{_PAD}' width='{width - 2 * _PAD}' height='{_H - 2 * _PAD}' "
        "fill='none' stroke='#9ca3af'/>",
        f"<text x='{width / 2:.0f}' y='{_H - 6}' text-anchor='middle'>"
        f"{html.escape(x_label)}</text>",
        f"<text x='10' y='{_H / 2:.0f}' transform='rotate(-90 10 {_H / 2:.0f})' "
        f"text-anchor='middle'>{html.escape(y_label)}</text>",
    ]


def roc_svg(curves: Sequence[tuple[str, list[RocPoint]]]) -> str:
    """ROC curves (false positive rate -> true positive rate), one colour per run, with a
    legend and the chance diagonal."""
    width = _W
    out = _frame(width, "false positive rate", "true positive rate", total=width + 90)
    out.append(
        f"<line x1='{_x(0):.1f}' y1='{_y(0):.1f}' x2='{_x(1):.1f}' y2='{_y(1):.1f}' "
        "stroke='#d1d5db' stroke-dasharray='4 3'/>"
    )
    for index, (label, points) in enumerate(curves[: len(COLORS)]):
        color = COLORS[index]
        xy = [
            (min(max(p["fpr"] or 0.0, 0.0), 1.0), min(max(p["tpr"] or 0.0, 0.0), 1.0))
            for p in points
            if p.get("fpr") is not None and p.get("tpr") is not None
        ]
        path = " ".join(f"{_x(fx, width):.1f},{_y(ty):.1f}" for fx, ty in xy)
        out.append(f"<polyline points='{path}' fill='none' stroke='{color}' stroke-width='1.5'/>")
        y = _PAD + 14 * index + 6
        out.append(
            f"<rect x='{width - _PAD + 44}' y='{y - 7}' width='10' height='3' fill='{color}'/>"
            f"<text x='{width - _PAD + 58}' y='{y}'>{html.escape(label)}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def trend_svg(trend: TrendJSON) -> str:
    """The metric over the experiment's runs in time order, evenly spaced; the best circled."""
    points = [(i, p) for i, p in enumerate(trend["points"]) if p["value"] is not None]
    values = [p["value"] for _, p in points if p["value"] is not None]
    width = max(_W, 24 * len(trend["points"]) + 2 * _PAD)
    out = _frame(width, "runs, oldest first", trend["metric"])
    if not values:
        return "".join([*out, "</svg>"])
    low, high = min(values), max(values)
    best = set(trend["best"])
    text = {p["value"]: p["text"] for _, p in points}
    span = max(len(trend["points"]) - 1, 1)
    xy = []
    for i, p in points:
        value = p["value"] or 0.0
        share = 0.5 if high == low else (value - low) / (high - low)
        xy.append((_x(i / span, width), _y(share), i, p))
    out.append(
        "<polyline points='" + " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in xy) + "' "
        f"fill='none' stroke='{COLORS[0]}' stroke-width='1.5'/>"
    )
    for x, y, index, p in xy:
        started = datetime.fromtimestamp(p["created"]).strftime("%Y-%m-%d %H:%M:%S")
        tip = html.escape(f"{p['run_id']} {started}: {p['text']}")
        radius = 4.5 if index in best else 2.5
        out.append(
            f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{radius}' fill='{COLORS[0]}'>"
            f"<title>{tip}</title></circle>"
        )
    out.append(f"<text x='{_PAD}' y='{_PAD - 6}'>{html.escape(text[high])}</text>")
    out.append(f"<text x='{_PAD}' y='{_H - _PAD + 12}'>{html.escape(text[low])}</text>")
    out.append("</svg>")
    return "".join(out)
