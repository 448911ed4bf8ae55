"""A comparison as one self-contained HTML page: inline CSS, no script, no CDN, every text
escaped. Confusion matrices as tables, ROC curves overlaid and the trend as SVG drawn here,
Markdown as escaped text, HTML artifacts in a sandboxed iframe (`srcdoc`, no scripts)."""

from __future__ import annotations

import html
from typing import Any

from kfp_notebook._views.compare.rows import best_flags, run_labels
from kfp_notebook._views.compare.shape import ComparedArtifact, ComparisonJSON, TrendJSON
from kfp_notebook._views.compare.svg import roc_svg, trend_svg

__all__ = ["comparison_html", "page"]

_CSS = """
.kfpc{font:13px system-ui,sans-serif;color:#111827}
.kfpc table{border-collapse:collapse;margin:4px 0 12px}
.kfpc th,.kfpc td{border:1px solid #e5e7eb;padding:3px 8px;text-align:right;vertical-align:top}
.kfpc th:first-child,.kfpc td:first-child{text-align:left}
.kfpc .best{font-weight:700;background:#dcfce7}
.kfpc .note{color:#6b7280;font-size:11px}
.kfpc .side{display:flex;gap:12px;flex-wrap:wrap}
.kfpc .side>div{flex:1 1 260px;min-width:0;border:1px solid #e5e7eb;padding:6px}
.kfpc pre{white-space:pre-wrap;max-height:320px;overflow:auto;margin:0}
.kfpc iframe{width:100%;height:260px;border:0}
.kfpc h3{font-size:14px;margin:14px 0 4px}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def comparison_html(comparison: ComparisonJSON, trend: TrendJSON | None = None) -> str:
    """A `<div>` with its own `<style>`: what `_repr_html_` shows and `page()` wraps."""
    labels = run_labels(comparison)
    out = [f"<div class='kfpc'><style>{_CSS}</style>"]
    for section in comparison["sections"]:
        out.append(f"<h3>{_e(section['title'])}</h3>")
        if section["rows"]:
            head = "".join(f"<th>{_e(h)}</th>" for h in labels)
            out.append(f"<table><tr><th></th>{head}</tr>")
            for row in section["rows"]:
                best = best_flags(comparison, row)
                tds = "".join(
                    f"<td class='best'>{_e(c)}</td>" if best[i] else f"<td>{_e(c)}</td>"
                    for i, c in enumerate(row["cells"])
                )
                out.append(f"<tr><th>{_e(row['label'])}</th>{tds}</tr>")
            out.append("</table>")
        if section["note"]:
            out.append(f"<div class='note'>{_e(section['note'])}</div>")
    for item in comparison["classification"]:
        out.append(_classification(item, labels))
    for item in comparison["documents"]:
        out.append(_document(item, labels))
    if trend is not None:
        out.append(f"<h3>trend: {_e(trend['metric'])} in {_e(trend['experiment'])}</h3>")
        out.append(trend_svg(trend))
    out.append("</div>")
    return "".join(out)


def page(comparison: ComparisonJSON, trend: TrendJSON | None = None) -> str:
    """A whole HTML document (what `.to_html(path)` writes)."""
    title = "kfp-notebook: " + ", ".join(r["run_id"] for r in comparison["runs"])
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"script-src 'none'; "
        "object-src 'none'\">"
        f"<title>{_e(title)}</title></head><body>"
        + comparison_html(comparison, trend)
        + "</body></html>\n"
    )


def _classification(item: ComparedArtifact, labels: list[str]) -> str:
    out = [f"<h3>{_e(item['task_id'])} / {_e(item['name'])}: classification</h3>"]
    curves = []
    cells = []
    previews: list[Any] = item["previews"]
    for label, preview in zip(labels, previews, strict=True):
        body = "<div class='note'>not in this run</div>"
        if preview is not None and preview.get("kind") == "classification":
            matrix = preview.get("confusion_matrix")
            body = _matrix(matrix) if matrix else "<div class='note'>no confusion matrix</div>"
            if preview.get("roc"):
                curves.append((label, preview["roc"]))
        cells.append(f"<div><b>{_e(label)}</b>{body}</div>")
    out.append("<div class='side'>" + "".join(cells) + "</div>")
    if curves:
        out.append(roc_svg(curves))
    return "".join(out)


def _matrix(matrix: Any) -> str:
    labels = [str(x) for x in matrix.get("labels", [])]
    rows = matrix.get("matrix", [])
    top = max([v for r in rows for v in r if isinstance(v, int | float)] or [1]) or 1
    out = ["<table><tr><th>actual \\ predicted</th>"]
    out += [f"<th>{_e(x)}</th>" for x in labels] + ["</tr>"]
    for i, row in enumerate(rows):
        out.append(f"<tr><th>{_e(labels[i] if i < len(labels) else i)}</th>")
        for v in row:
            share = (v / top) if isinstance(v, int | float) else 0
            out.append(f"<td style='background:rgba(37,99,235,{0.08 + 0.6 * share:.2f})'>"
                       f"{_e('-' if v is None else v)}</td>")  # fmt: skip
        out.append("</tr>")
    return "".join(out) + "</table>"


def _document(item: ComparedArtifact, labels: list[str]) -> str:
    out = [f"<h3>{_e(item['task_id'])} / {_e(item['name'])} ({_e(item['type'])})</h3>"]
    cells = []
    previews: list[Any] = item["previews"]
    for label, preview in zip(labels, previews, strict=True):
        if preview is None:
            body = "<div class='note'>not in this run</div>"
        elif preview.get("kind") == "html":
            # Shown, never run: an iframe with an empty sandbox allows no script at all.
            body = f"<iframe sandbox='' srcdoc=\"{_e(preview.get('html', ''))}\"></iframe>"
        elif preview.get("kind") in ("markdown", "text"):
            body = f"<pre>{_e(preview.get('text', ''))}</pre>"
        else:
            note = preview.get("summary") or preview.get("hint") or preview.get("kind")
            body = f"<div class='note'>{_e(note)}</div>"
        cells.append(f"<div><b>{_e(label)}</b>{body}</div>")
    return "".join(out) + "<div class='side'>" + "".join(cells) + "</div>"
