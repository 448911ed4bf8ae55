"""`kfp-notebook serve` as a real subprocess on a free 127.0.0.1 port, for the tests that drive
it with kfp.Client or follow its runs with the Kubeflow runner."""

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

TOKEN = "test-token-" + "x" * 16


@contextlib.contextmanager
def serving(root: Path, *extra: str) -> Iterator[str]:
    """Yields the server's URL; stops the server (SIGTERM) afterwards."""
    with serving_process(root, *extra) as (url, _):
        yield url


@contextlib.contextmanager
def serving_process(root: Path, *extra: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """Yields the server's URL and its process; stops the server (SIGTERM) afterwards."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kfp_notebook._cli", "serve", "--port", "0", "--token", TOKEN,
         "--pipeline-root", str(root), "--no-venv", "--workers", "2", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=root.parent,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        first = proc.stdout.readline()
        assert "KFP v2beta1 API at http://127.0.0.1:" in first, first + proc.stdout.read()
        yield first.split(" API at ")[1].split()[0], proc
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def run_until(package: Path, url: str, root: Path, marker: str, *extra: str) -> subprocess.Popen:
    """`kfp-notebook run PACKAGE --endpoint URL` recording under `root`, returned once its
    output has shown `marker` (a task's line: the run is going on the cluster)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kfp_notebook._cli", "run", str(package), "--endpoint", url,
         "--token", TOKEN, "--pipeline-root", str(root), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if marker in line:
            return proc
    proc.wait(timeout=30)
    raise AssertionError(
        f"the run ended without {marker!r}: {proc.stderr.read() if proc.stderr else ''}"
    )
