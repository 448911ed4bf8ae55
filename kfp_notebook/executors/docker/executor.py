"""Docker executor: every task is a container, labelled with its run, removed when it ends.

Lightweight Python components run KFP's executor directly in an image derived once per
(base image, requirements); containerized Python components and container components run their
own image and command. The pipeline root is mounted at the same path, tasks run as the host
user with no capabilities, and logs stream into the event stream line by line."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kfp_notebook._errors import ExecutorUnavailableError
from kfp_notebook._spec.lightweight import (
    LightweightCommand,
    parse_lightweight,
    write_component_module,
)
from kfp_notebook._spec.placeholders import resolve_command
from kfp_notebook._spec.types import ContainerSpec
from kfp_notebook.executors.base import Launch
from kfp_notebook.executors.docker.client import connect, engine_labels, remove_orphaned_containers
from kfp_notebook.executors.docker.images import ImageCache
from kfp_notebook.executors.docker.options import (
    check_mount_targets,
    check_options,
    merge_environment,
)
from kfp_notebook.executors.lines import LineFeed, LineSplitter

__all__ = ["DockerExecutor"]


class DockerExecutor:
    """Runs tasks as containers through the docker SDK; `options` go to `containers.run`."""

    name = "docker"

    def __init__(
        self,
        options: dict[str, Any] | None = None,
        grace_period: float = 3.0,
        state_dir: Path | None = None,
    ) -> None:
        self.options = dict(options or {})
        check_options(self.options)
        self.grace_period = grace_period
        self.client = connect()
        remove_orphaned_containers(self.client)
        home = Path(os.environ.get("KFP_NOTEBOOK_HOME", Path.home() / ".local/share/kfp-notebook"))
        self.images = ImageCache(self.client, state_dir or home / "docker-locks")
        self._containers: dict[str, Any] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ preparation
    def check(self, container: ContainerSpec, task_name: str) -> None:
        if not container.get("image"):
            raise ExecutorUnavailableError(
                f"task {task_name!r} names no image; set base_image= on the component."
            )

    def prepare(
        self,
        container: ContainerSpec,
        log: Callable[[str], None],
        cancelled: threading.Event | None = None,
    ) -> str:
        command = parse_lightweight(container)
        if command is not None:
            return f"image:{self.images.derived(command, log)}"
        return f"image:{self.images.ensure_present(str(container['image']), log)}"

    # ------------------------------------------------------------------ execution
    def execute(self, launch: Launch) -> int:
        command = parse_lightweight(launch.container)
        root = (launch.pipeline_root or launch.run_dir.parent).resolve()
        check_mount_targets(self.options, root)
        env = {"PYTHONUNBUFFERED": "1", "HOME": "/tmp", **launch.env}
        if command is not None:
            image = self.images.derived(command, launch.on_log)
            run = _lightweight_run(command, launch)
            env["_KFP_RUNTIME"] = "true"
        else:
            image = str(launch.container["image"])
            self.images.ensure_present(image, launch.on_log)
            run = _container_run(launch)
        launch.task_dir.mkdir(parents=True, exist_ok=True)
        settings = {
            **self.options,
            **run,
            "environment": merge_environment(self.options, env),
            "volumes": _volumes(self.options, root, launch.executor_input),
            "labels": engine_labels(launch.run_id, launch.task_id),
            "user": self.options.get("user", f"{os.getuid()}:{os.getgid()}"),
            "init": self.options.get("init", True),
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "detach": True,
        }
        container = self.client.containers.create(image, **settings)
        with self._lock:
            self._containers[launch.task_id] = container
        try:
            container.start()
            launch.on_start(None)
            live = LineFeed(launch.on_log, launch.on_progress)
            for chunk in container.logs(stream=True, follow=True):
                live.feed(chunk)
            code = int(container.wait().get("StatusCode", 1))
            # The followed stream can end before the last lines arrive (seen under load): read
            # the container's whole log once it has exited and pass on what was not seen (the
            # splitting does not depend on the chunks, so the lines seen are its first ones).
            whole = LineSplitter()
            for line in [*whole.feed(container.logs(stream=False)), *whole.end()][live.lines :]:
                launch.on_log(line)
            return code
        finally:
            with self._lock:
                self._containers.pop(launch.task_id, None)
            with contextlib.suppress(Exception):
                container.remove(force=True)

    def cancel(self, task_id: str | None = None) -> None:
        with self._lock:
            targets = [c for t, c in self._containers.items() if task_id in (None, t)]
        threads = [threading.Thread(target=self._stop, args=(c,)) for c in targets]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def _stop(self, container: Any) -> None:
        with contextlib.suppress(Exception):
            container.stop(timeout=max(1, round(self.grace_period)))
        with contextlib.suppress(Exception):
            container.remove(force=True)

    def close(self) -> None:
        self.cancel()
        with contextlib.suppress(Exception):
            self.client.close()


def _lightweight_run(command: LightweightCommand, launch: Launch) -> dict[str, Any]:
    module = write_component_module(launch.run_dir, command)
    args = resolve_command(launch.container.get("args", []), launch.executor_input)
    return {
        "entrypoint": ["python3", "-m", "kfp.dsl.executor_main"],
        "command": ["--component_module_path", str(module), *args],
        "working_dir": str(launch.task_dir),
    }


def _container_run(launch: Launch) -> dict[str, Any]:
    """A container component or containerized Python component: its own command, resolved."""
    run: dict[str, Any] = {}
    if launch.container.get("command"):
        run["entrypoint"] = resolve_command(launch.container["command"], launch.executor_input)
    run["command"] = resolve_command(launch.container.get("args", []), launch.executor_input)
    return run


def _volumes(options: dict[str, Any], root: Path, executor_input: dict[str, Any]) -> Any:
    """The user's volumes, the pipeline root read-write, and input files outside it read-only."""
    given = options.get("volumes") or {}
    if isinstance(given, dict):
        volumes: Any = dict(given)
        volumes[str(root)] = {"bind": str(root), "mode": "rw"}
        for path in _outside_inputs(executor_input, root):
            volumes.setdefault(path, {"bind": path, "mode": "ro"})
        return volumes
    listed = [*given, f"{root}:{root}:rw"]
    listed += [f"{p}:{p}:ro" for p in _outside_inputs(executor_input, root)]
    return listed


def _outside_inputs(executor_input: dict[str, Any], root: Path) -> Iterable[str]:
    artifacts = executor_input.get("inputs", {}).get("artifacts", {})
    for entry in artifacts.values():
        for artifact in entry.get("artifacts", []):
            uri = str(artifact.get("uri", ""))
            path = Path(uri).resolve() if uri.startswith("/") else None
            if path is not None and not path.is_relative_to(root) and path.exists():
                yield str(path)
