"""Container components on the subprocess runner, which has no images.

By default they are refused, with a message that names the way out. With
`SubprocessRunner(containers="local")` one whose image is a Python image and whose command is
`python ...` or `sh -c ...` runs as a local process instead: `python` is this interpreter, the
image is not used (a warning says so), placeholders are resolved as for a container."""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any, Literal

from kfp_notebook._errors import ExecutorUnavailableError
from kfp_notebook._spec.placeholders import resolve_command
from kfp_notebook._spec.types import ContainerSpec

__all__ = [
    "ContainerImageIgnored",
    "ContainersMode",
    "check_container",
    "container_argv",
    "container_env",
    "container_identity",
]

ContainersMode = Literal["refuse", "local"]
MODES: tuple[ContainersMode, ...] = ("refuse", "local")

_PYTHON = re.compile(r"python(\d+(\.\d+)?)?")
_SHELLS = {"sh", "bash", "dash"}


class ContainerImageIgnored(UserWarning):
    """A container component runs as a local process: its image is not used."""


def _image(container: Mapping[str, Any]) -> str:
    return str(container.get("image", "") or "")


def _is_python_image(image: str) -> bool:
    """python:3.11, python:3.11-slim, docker.io/library/python:3.12, python@sha256:...,
    registry.access.redhat.com/ubi9/python-311, python3.12..."""
    name = re.split(r"[:@]", image.rsplit("/", 1)[-1], maxsplit=1)[0]
    return re.fullmatch(r"python([-_.]?\d[\w.-]*)?", name) is not None


def _kind(container: Mapping[str, Any]) -> str | None:
    """'python' or 'shell' when the command is one this runner can run, else None."""
    command = [str(c) for c in container.get("command", []) or []]
    if not command:
        return None
    head = PurePosixPath(command[0]).name
    if _PYTHON.fullmatch(head):
        return "python"
    if head in _SHELLS and len(command) > 1 and re.fullmatch(r"-[a-z]*c[a-z]*", command[1]):
        return "shell"
    return None


def check_container(container: ContainerSpec, task_name: str, mode: ContainersMode) -> None:
    """Raise unless this container component may run locally; warn that its image is unused."""
    image = _image(container)
    if mode != "local":
        raise ExecutorUnavailableError(
            f"task {task_name!r} is a container component (image {image!r}); the subprocess "
            "runner runs only lightweight Python components (@dsl.component) unless you opt in. "
            'SubprocessRunner(containers="local") runs a container component whose image is a '
            "Python image and whose command is `python ...` or `sh -c ...` as a local process "
            "(the image is not used); or run it in Docker: runner='docker' (--runner docker)."
        )
    why = None
    if not _is_python_image(image):
        why = f"its image {image!r} is not a Python image"
    elif _kind(container) is None:
        command = list(container.get("command", []) or [])[:2]
        why = (
            f"its command {command!r} is not `python ...` or `sh -c ...`"
            if command
            else "it has no command (it would run its image's entrypoint)"
        )
    if why:
        raise ExecutorUnavailableError(
            f"task {task_name!r} cannot run as a local process: {why}. "
            "Run it in Docker: runner='docker' (--runner docker)."
        )
    warnings.warn(
        f"task {task_name!r} runs as a local process with {sys.executable}: "
        f"its image {image!r} is not used.",
        ContainerImageIgnored,
        stacklevel=2,
    )


def container_identity(container: ContainerSpec) -> str:
    """What a local container task runs with, for the cache key."""
    return f"local-container:{sys.executable}:{_kind(container)}"


def container_argv(container: ContainerSpec, executor_input: Mapping[str, Any]) -> list[str]:
    """The command and arguments with placeholders resolved; `python` is this interpreter."""
    parts = [*container.get("command", []), *container.get("args", [])]
    argv = resolve_command(parts, executor_input)
    if _kind(container) == "python":
        argv[0] = sys.executable
    return argv


def container_env(base: Mapping[str, str]) -> dict[str, str]:
    """`python` inside a shell command is this interpreter too."""
    env = dict(base)
    bindir = os.path.dirname(sys.executable)
    env["PATH"] = os.pathsep.join([bindir, env["PATH"]]) if env.get("PATH") else bindir
    return env
