"""A scratch virtualenv holding the REAL ml-metadata library (it pins protobuf<5, kfp needs
protobuf 6: it can never share the package's environment). Made once a test session under
pytest's temporary folder, pip's cache there too, so nothing lands in the user's folders;
about 15 s on this machine with PyPI reachable. The scripts beside this file run in it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

SUPPORT = Path(__file__).resolve().parent
INSTALL_SECONDS: list[float] = []
_MADE: dict[Path, Path | str] = {}  # pytest's base temp -> the venv's python, or why not


def mlmd_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scratch venv's python, made once a session (each test module's fixture calls this);
    the test is skipped, saying why, when ml-metadata does not install (no wheel for this
    Python, or no registry)."""
    base = tmp_path_factory.getbasetemp()
    if base not in _MADE:
        try:
            _MADE[base] = _make(tmp_path_factory.mktemp("mlmd-venv"))
        except pytest.skip.Exception as exc:
            _MADE[base] = str(exc)
    made = _MADE[base]
    if isinstance(made, str):
        pytest.skip(made)
    return made


def _make(where: Path) -> Path:
    env = {**os.environ, "PIP_CACHE_DIR": str(where / "pip-cache"),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "XDG_CACHE_HOME": str(where / "cache")}  # fmt: skip
    started = time.monotonic()
    made = subprocess.run([sys.executable, "-m", "venv", str(where / "venv")], env=env,
                          capture_output=True, text=True)  # fmt: skip
    python = where / "venv" / "bin" / "python"
    if made.returncode != 0:
        pytest.skip(f"cannot make a virtualenv for ml-metadata: {made.stderr[-300:]}")
    got = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "ml-metadata"],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if got.returncode != 0:
        pytest.skip(f"ml-metadata does not install here: {got.stderr.strip()[-400:]}")
    INSTALL_SECONDS.append(time.monotonic() - started)
    return python


def run_real(python: Path, script: str, *args: str, stdin: str = "") -> Any:
    """Run a support script in the scratch venv; its stdout's JSON."""
    done = subprocess.run(
        [str(python), str(SUPPORT / script), *args],
        input=stdin, capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
