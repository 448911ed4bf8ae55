"""Settings of the server extension, set like any Jupyter option (`c.KfpNotebookServer.roots`)."""

from __future__ import annotations

from traitlets import Bool, Int, List, Unicode
from traitlets.config import Configurable

__all__ = ["KfpNotebookServer"]


class KfpNotebookServer(Configurable):
    """Which pipeline roots the sidebar may browse and how much of an artifact it may read."""

    roots = List(
        Unicode(),
        default_value=[],
        help="Pipeline roots to show besides those `init` or the CLI registered on this machine.",
    ).tag(config=True)
    registered_roots = Bool(
        True,
        help="Show the roots registered on this machine (set False to show only `roots`).",
    ).tag(config=True)
    preview_max_bytes = Int(
        262_144, help="Bytes of an artifact a preview reads at most (larger files are summarized)."
    ).tag(config=True)
    allow_rerun = Bool(
        True, help="Allow POST .../rerun to start a run from a task as a local process."
    ).tag(config=True)
