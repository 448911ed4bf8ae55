"""A comparison as CSV (one row per run) and Markdown tables (one column per run), drawn from
what `ComparisonJSON` carries (`table`, `sections`): nothing is computed here."""

from __future__ import annotations

import csv
import io

from kfp_notebook._views.compare.rows import best_flags, format_value, run_labels
from kfp_notebook._views.compare.shape import ComparisonJSON

__all__ = ["markdown", "to_csv"]


def to_csv(comparison: ComparisonJSON) -> str:
    table = comparison["table"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table["columns"])
    for row in table["rows"]:
        writer.writerow(
            ["" if v is None else v if isinstance(v, str | int | float) else format_value(v)
             for v in row]
        )  # fmt: skip
    return out.getvalue()


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown(comparison: ComparisonJSON) -> str:
    """The sections as Markdown tables, one column per run; the best metric value in bold."""
    labels = run_labels(comparison)
    out: list[str] = []
    for section in comparison["sections"]:
        out.append(f"### {section['title']}\n")
        if section["rows"]:
            out.append("| | " + " | ".join(labels) + " |")
            out.append("|---" * (len(labels) + 1) + "|")
            for row in section["rows"]:
                best = best_flags(comparison, row)
                shown = [
                    f"**{_cell(c)}**" if best[i] else _cell(c) for i, c in enumerate(row["cells"])
                ]
                out.append(f"| {_cell(row['label'])} | " + " | ".join(shown) + " |")
        if section["note"]:
            out.append(f"\n_{section['note']}_")
        out.append("")
    return "\n".join(out)
