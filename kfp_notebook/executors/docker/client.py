"""Reaching the Docker engine, the labels our containers and images carry, and removing the
containers of engines that are gone."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from kfp_notebook._errors import ExecutorUnavailableError
from kfp_notebook._procs import process_start_ticks, same_process_alive

__all__ = [
    "IMAGE_LABEL",
    "RUN_LABEL",
    "TASK_LABEL",
    "connect",
    "engine_labels",
    "remove_orphaned_containers",
]

RUN_LABEL = "kfp-notebook.run"
TASK_LABEL = "kfp-notebook.task"
IMAGE_LABEL = "kfp-notebook.image"  # derived task images, listed and removed by `gc`
_ENGINE_PID = "kfp-notebook.engine-pid"
_ENGINE_START = "kfp-notebook.engine-start"

_HOW_TO_START = (
    "Start the engine (`sudo systemctl start docker`, or `sudo dockerd &` where there is no "
    "systemd) and check that `docker info` works for this user; or run tasks without Docker "
    "with runner='subprocess' (the default)."
)


def connect() -> Any:
    """A docker SDK client whose engine answered a ping, or one clear error."""
    try:
        import docker
    except ImportError:
        raise ExecutorUnavailableError(
            "the docker runner needs the `docker` Python package: pip install docker"
        ) from None
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except Exception as exc:  # DockerException, connection errors, permission errors
        where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        raise ExecutorUnavailableError(
            f"the Docker engine is not reachable at {where} ({_short(exc)}). {_HOW_TO_START}"
        ) from None
    return client


def engine_labels(run_id: str, task_id: str) -> dict[str, str]:
    """Labels tying a task container to its run and to this engine process."""
    return {
        RUN_LABEL: run_id,
        TASK_LABEL: task_id,
        _ENGINE_PID: str(os.getpid()),
        _ENGINE_START: str(process_start_ticks(os.getpid()) or ""),
    }


def remove_orphaned_containers(client: Any) -> list[str]:
    """Remove our task containers whose engine process no longer runs; return their names."""
    removed = []
    for container in client.containers.list(all=True, filters={"label": RUN_LABEL}):
        labels = container.labels or {}
        try:
            pid = int(labels.get(_ENGINE_PID, "0"))
        except ValueError:
            pid = 0
        start = labels.get(_ENGINE_START) or None
        if pid and same_process_alive(pid, int(start) if start else None):
            continue
        with contextlib.suppress(Exception):
            container.remove(force=True)
            removed.append(container.name)
    return removed


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1][:200] if text else type(exc).__name__
