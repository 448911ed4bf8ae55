"""`kfp-notebook graph FILE [-o OUT] [--format html|mermaid]`: a compiled pipeline's graph
before it runs, as `kfp visualize` (kfp 2.18) gives it: Mermaid text (a `flowchart`; loops,
conditions, exit handlers and nested pipelines as subgraphs holding their tasks) or a
self-contained HTML page drawn by the run widget's renderer (`_views/graph_page.py`). The
format follows `--format`, else the output's suffix (.html/.htm: the page), else Mermaid."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kfp_notebook._errors import KfpNotebookError

__all__ = ["graph"]

_HTML_SUFFIXES = (".html", ".htm")


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if args.output and Path(args.output).suffix.lower() in _HTML_SUFFIXES:
        return "html"
    return "mermaid"


def _write(path: Path, text: str) -> None:
    if path.is_dir():
        raise KfpNotebookError(f"-o {path} is a folder: give a file name, e.g. {path}/graph.html")
    if path.parent.exists() and not path.parent.is_dir():
        raise KfpNotebookError(f"-o {path}: {path.parent} is a file, not a folder")
    if not path.parent.is_dir():
        raise KfpNotebookError(f"-o {path}: the folder {path.parent} does not exist; create it")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise KfpNotebookError(
            f"cannot write {path}: {exc.strerror or exc}; choose another -o file"
        ) from None


def graph(args: argparse.Namespace) -> int:
    from kfp_notebook._api.graph import static_graph

    form = _format(args)
    if form == "html" and not args.output and sys.stdout.isatty():
        raise KfpNotebookError(
            "the HTML page (about 1.5 MB, the renderer inlined) is not for a terminal: "
            "write it with -o graph.html, or pipe it"
        )
    found = static_graph(args.pipeline)
    if form == "html":
        from kfp_notebook._views.graph_page import graph_page

        meta = f"{found.leaf_count} task(s) before it runs · {args.pipeline}"
        text = graph_page(found.name, found.tasks, meta)
    else:
        text = found.mermaid
    if args.output:
        _write(Path(args.output), text)
        print(f"wrote the graph of {args.pipeline} ({form}) to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
