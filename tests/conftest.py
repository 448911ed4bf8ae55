"""Shared fixtures: an isolated state home, a pipeline root per test, and a compile helper."""

from __future__ import annotations

import os
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


@pytest.fixture(autouse=True, scope="session")
def _state_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the roots registry out of the developer's home (and check it stayed out); share
    built envs across tests."""
    users = Path.home() / ".local" / "share" / "kfp-notebook" / "roots.json"
    before = users.read_bytes() if users.exists() else None
    os.environ["KFP_NOTEBOOK_HOME"] = str(tmp_path_factory.mktemp("home"))
    yield
    after = users.read_bytes() if users.exists() else None
    assert after == before, f"the tests changed the user's roots registry {users}"


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
