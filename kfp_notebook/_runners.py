"""Runner names, kept once: which names exist, what each one builds, and how a user's own
executor is named (`--runner my.module:MyExecutor`, as kedro's `--runner` takes a class, or a
name registered under the entry-point group `kfp_notebook.runners`).

The front doors check a name here before anything runs; only `load_runner` imports what a name
points at, so the HTTP servers can check a runner without importing any executor.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from importlib import metadata
from typing import Any

from kfp_notebook._errors import ExecutorUnavailableError

__all__ = [
    "DEFAULT_RUNNER",
    "ENTRY_POINT_GROUP",
    "LOCAL_RUNNERS",
    "REMOTE_RUNNER",
    "check_runner",
    "load_runner",
    "runner_help",
]

DEFAULT_RUNNER = "subprocess"
REMOTE_RUNNER = "kubeflow"  # tasks run on a Kubeflow Pipelines cluster: not a TaskExecutor
ENTRY_POINT_GROUP = "kfp_notebook.runners"
# name -> "module:factory"; a factory is called with the options that apply to it
LOCAL_RUNNERS: dict[str, str] = {
    "subprocess": "kfp_notebook.executors.subprocess.executor:SubprocessExecutor",
    "docker": "kfp_notebook.executors.docker.executor:DockerExecutor",
}


def runner_help() -> str:
    names = ", ".join(LOCAL_RUNNERS)
    return (
        f"{names}, a name registered under the entry-point group {ENTRY_POINT_GROUP!r}, or "
        "a dotted path to your TaskExecutor class or factory (my.module:MyExecutor)"
    )


def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def _split(path: str) -> tuple[str, str] | None:
    """`pkg.mod:Attr` or `pkg.mod.Attr` -> (module, attribute); None when it is no path."""
    module, sep, attr = path.partition(":")
    if not sep:
        module, _, attr = path.rpartition(".")
    parts = [*module.split("."), *attr.split(".")]
    if not module or not attr or not all(p.isidentifier() for p in parts):
        return None
    return module, attr


def check_runner(name: str, remote_ok: bool = False) -> str:
    """`name` if it names a runner this process can build, without importing it; else one
    ExecutorUnavailableError that lists what can be named."""
    if not isinstance(name, str) or not name:
        raise ExecutorUnavailableError(f"a runner is named by a string: {runner_help()}")
    if name in LOCAL_RUNNERS or name in _entry_points():
        return name
    if name == REMOTE_RUNNER:
        if remote_ok:
            return name
        raise ExecutorUnavailableError(
            f"runner {REMOTE_RUNNER!r} runs on a cluster: give the cluster's URL (--endpoint "
            f"URL) instead; here the runner is one of {runner_help()}"
        )
    split = _split(name)
    if split is None:
        raise ExecutorUnavailableError(f"unknown runner {name!r}: use {runner_help()}")
    module = split[0]
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        found = None
    if found is None:
        raise ExecutorUnavailableError(
            f"runner {name!r}: no module {module!r} can be imported here (is it installed, or "
            "on PYTHONPATH?)"
        )
    return name


def load_runner(name: str) -> Callable[..., Any]:
    """The class or factory a checked runner name points at (imported now)."""
    check_runner(name)
    ep = _entry_points().get(name)
    if ep is not None and name not in LOCAL_RUNNERS:
        factory: Any = ep.load()
        return factory
    split = _split(LOCAL_RUNNERS.get(name, name))
    assert split is not None
    module, attr = split
    try:
        target: Any = importlib.import_module(module)
        for part in attr.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise ExecutorUnavailableError(f"runner {name!r} cannot be loaded: {exc}") from exc
    if not callable(target):
        raise ExecutorUnavailableError(f"runner {name!r} is not a class or a factory")
    return target
