"""The default experiment of a run: the notebook's file name when the run starts in a Jupyter
kernel (the engine falls back to the pipeline's name elsewhere)."""

from __future__ import annotations

import os

from kfp_notebook._api.kernel import kernel_shell

__all__ = ["kernel_experiment"]

_FALLBACK = "notebook"


def kernel_experiment() -> str | None:
    """The notebook's file name (`train.ipynb`) in a kernel, "notebook" when the kernel does not
    say which notebook it serves, None outside a kernel. Jupyter tells the kernel its notebook
    through `__session__` in the user namespace (ipykernel) and the `JPY_SESSION_NAME`
    environment variable (jupyter_server); either may be a path, a URI or, in some front ends,
    an opaque id, so only a value naming an .ipynb file is taken."""
    shell = kernel_shell()
    if shell is None:
        return None
    candidates = (
        getattr(shell, "user_ns", {}).get("__session__"),
        os.environ.get("JPY_SESSION_NAME"),
    )
    for value in candidates:
        name = notebook_file_name(value)
        if name:
            return name
    return _FALLBACK


def notebook_file_name(value: object) -> str | None:
    """`/home/me/work/train.ipynb?x=1` -> `train.ipynb`; None unless it names a notebook file."""
    if not isinstance(value, str):
        return None
    text = value.strip().split("?", 1)[0].split("#", 1)[0]
    name = text.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return name if name.lower().endswith(".ipynb") and len(name) > len(".ipynb") else None
