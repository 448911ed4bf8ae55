"""Whether this process is a Jupyter kernel, kept once: a run shows its widget there, and its
default experiment is the notebook's name. IPython is never imported here: outside a kernel
that has loaded it, the answer is no."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["in_kernel", "kernel_shell"]


def kernel_shell() -> Any | None:
    """The kernel's IPython shell, or None when this process is no Jupyter kernel."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    shell = ipython.get_ipython()
    return shell if shell is not None and getattr(shell, "kernel", None) is not None else None


def in_kernel() -> bool:
    """Whether this process is a Jupyter kernel that can display widgets."""
    return kernel_shell() is not None
