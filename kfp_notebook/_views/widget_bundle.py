"""The run widget's built front end (kfp_notebook/static/widget.js) and its digest.

A saved notebook keeps every synced trait of a widget, the ES module included; the bundle is
~240 KB, so the widget syncs a small loader instead (see `_notebook/widget_code.py`), which
imports the bundle from the server extension (`<base>kfp-notebook/api/widget.js?v=DIGEST`) or,
without one, asks the kernel for it. The digest keeps a server from serving another version."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__all__ = ["BUNDLE", "STYLE", "bundle_digest"]

STATIC = Path(__file__).resolve().parent.parent / "static"
BUNDLE = STATIC / "widget.js"
STYLE = STATIC / "widget.css"


@functools.lru_cache(maxsize=4)
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def bundle_digest(path: Path = BUNDLE) -> str:
    """The first 16 hex digits of the bundle's SHA-256 ("" when it was not built)."""
    try:
        stat = path.stat()
    except OSError:
        return ""
    return _digest(path, stat.st_mtime_ns, stat.st_size)
