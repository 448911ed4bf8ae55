"""Shared fixtures: an isolated state home, a pipeline root per test, and a compile helper."""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

warnings.filterwarnings("ignore", category=FutureWarning, module="kfp")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests under tests/browser drive Chromium: mark them so `make test-fast` leaves them out."""
    for item in items:
        if "browser" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _unit_starts_no_process(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test marked `unit` (`make test-unit`: the pure layers, in seconds) may start no
    process: the mark is kept true by refusing one."""
    if request.node.get_closest_marker("unit") is None:
        return
    import subprocess

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a test marked unit starts no process: drop the mark or the process")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    monkeypatch.setattr(os, "fork", refuse)


def _listed(registry: Path) -> set[str]:
    try:
        return set(json.loads(registry.read_text()))
    except (OSError, ValueError):
        return set()


@pytest.fixture(autouse=True, scope="session")
def _state_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the roots registry, task environments, kernels' connection files and IPython's
    history out of the developer's home (and check the tests added nothing to the registry: a
    root under the tests' temporary folders or this checkout; other processes on the machine
    may register their own roots meanwhile); built envs are shared across the session's
    tests."""
    users = Path.home() / ".local" / "share" / "kfp-notebook" / "roots.json"
    before = _listed(users)
    os.environ["KFP_NOTEBOOK_HOME"] = str(tmp_path_factory.mktemp("home"))
    # task environments are built for this session, not into the user's ~/.cache/kfp-notebook
    os.environ["KFP_NOTEBOOK_ENV_DIR"] = str(tmp_path_factory.mktemp("envs"))
    # kernels and Jupyter servers started by the tests write their connection files and
    # IPython's history under these, not under the user's ~/.local/share/jupyter and ~/.ipython
    os.environ["JUPYTER_RUNTIME_DIR"] = str(tmp_path_factory.mktemp("jupyter-runtime"))
    os.environ["IPYTHONDIR"] = str(tmp_path_factory.mktemp("ipython"))
    # what the tests' processes put in the temporary folder (uv's locks, an unrecorded spin's
    # outputs, kfp.local's workspace, IPython's test history) goes under pytest's, not /tmp
    os.environ["TMPDIR"] = str(tmp_path_factory.mktemp("tmp"))
    tempfile.tempdir = None  # this process reads TMPDIR again
    yield
    ours = (tmp_path_factory.getbasetemp().resolve(), Path(__file__).resolve().parents[1])
    added = [p for p in _listed(users) - before if Path(p).is_relative_to(ours[0])
             or Path(p).is_relative_to(ours[1])]  # fmt: skip
    assert not added, f"the tests registered {added} in the user's roots registry {users}"


@pytest.fixture
def pipeline_root(tmp_path: Path) -> Path:
    return tmp_path / "outputs"


@pytest.fixture
def session(pipeline_root: Path) -> Iterator[Any]:
    """A Session running tasks in cached environments, never raising on a failed run."""
    from kfp_notebook import Session

    s = Session(pipeline_root=pipeline_root, raise_on_error=False)
    yield s
    s.close()


@pytest.fixture
def compile_to(tmp_path: Path) -> Any:
    from kfp import compiler

    def _compile(pipeline: Any, name: str = "pipeline.yaml") -> Path:
        path = tmp_path / name
        compiler.Compiler().compile(pipeline, package_path=str(path))
        return path

    return _compile
