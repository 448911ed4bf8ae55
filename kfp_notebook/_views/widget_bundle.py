"""The run widget's built front end (kfp_notebook/static) and its digest.

Three files of one build (`packages/widget`, esbuild):

- `widget.js` (about 200 KB): the widget without its layout engine; it imports
  `chunks/elk-HASH.js` (elkjs, about 1.5 MB) when it first lays out the task graph, so the
  header, status and logs show first. Chunk names carry their content's hash.
- `widget-standalone.js` (about 1.7 MB): the same widget in one file, elkjs included, for
  front ends that receive the module itself and cannot fetch a chunk beside it: the kernel
  fallback (`{"action": "esm"}`) and the hosts without a Jupyter server page (VS Code, Colab).
- `widget.css`.

A saved notebook keeps every synced trait of a widget, the ES module included, so the widget
syncs a small loader instead (see `_notebook/widget_code.py`), which imports the bundle from the
server extension (`<base>kfp-notebook/api/widget.js?v=DIGEST`, its chunks from
`<base>kfp-notebook/api/chunks/NAME.js`) or, without one, asks the kernel for the standalone
bundle. The digest keeps a server from serving another version."""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

__all__ = ["BUNDLE", "CHUNKS", "STANDALONE", "STYLE", "bundle_digest", "chunk_path"]

STATIC = Path(__file__).resolve().parent.parent / "static"
BUNDLE = STATIC / "widget.js"
STANDALONE = STATIC / "widget-standalone.js"
CHUNKS = STATIC / "chunks"
STYLE = STATIC / "widget.css"

_CHUNK_NAME = re.compile(r"[A-Za-z0-9_-]+\.js")


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


def chunk_path(name: str) -> Path | None:
    """The built chunk called `name` (`elk-HASH.js`), or None: no such chunk, or not a plain
    chunk name (no folders, no dots but the `.js`)."""
    if not _CHUNK_NAME.fullmatch(name):
        return None
    path = CHUNKS / name
    return path if path.is_file() else None
