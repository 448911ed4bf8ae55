"""One scratch folder per bench run, removed when the bench exits, so that a bench leaves
nothing behind: temporary folders (tempfile's, and its children's through TMPDIR), the roots
registry and the object cache (KFP_NOTEBOOK_HOME), kernels' connection files
(JUPYTER_RUNTIME_DIR) and IPython's history (IPYTHONDIR). Prepared environments stay where a
user's are (~/.cache/kfp-notebook/envs), so a bench measures warm ones as a user has them.

    from scratch import use_scratch   # bench/ is on sys.path when a bench runs
    use_scratch("bench-widget-")      # before anything makes a temporary folder
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["use_scratch"]

_PLACES = {
    "TMPDIR": "tmp",
    "KFP_NOTEBOOK_HOME": "home",
    "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
    "IPYTHONDIR": "ipython",
}


def use_scratch(prefix: str) -> Path:
    """Make the scratch folder, point the variables above into it, remove it at exit."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, root, True)
    for name, sub in _PLACES.items():
        (root / sub).mkdir()
        os.environ[name] = str(root / sub)
    tempfile.tempdir = str(root / "tmp")
    return root
