"""The machine-wide list of pipeline roots that `init` or the CLI has used (for the sidebar)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

__all__ = ["known_roots", "register_root", "state_home"]


def state_home() -> Path:
    """Per-user state folder: $KFP_NOTEBOOK_HOME or ~/.local/share/kfp-notebook."""
    env = os.environ.get("KFP_NOTEBOOK_HOME")
    return Path(env) if env else Path.home() / ".local" / "share" / "kfp-notebook"


def _roots_file() -> Path:
    return state_home() / "roots.json"


def known_roots() -> list[Path]:
    try:
        return [Path(p) for p in json.loads(_roots_file().read_text())]
    except (OSError, ValueError):
        return []


def register_root(root: Path) -> None:
    """Add `root` to the list, dropping roots whose folder is gone; cheap when it is already
    there (one small file read)."""
    root = root.resolve()
    if root in known_roots():
        return
    from filelock import FileLock  # only to add a root: most starts find theirs listed

    path = _roots_file()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock", timeout=10):
            roots = [r for r in known_roots() if r.is_dir() and r != root]
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps([str(p) for p in [*roots, root]], indent=1))
            tmp.replace(path)
