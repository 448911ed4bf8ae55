"""Subprocess executor: a lightweight Python component runs through KFP's executor in a cached
virtual environment (or in this interpreter), as its own process group.

Tasks are forked from a per-environment zygote that has KFP's executor and the environment's
packages imported already (`prefork=True`); a task with its own environment variables, a request
too large for the zygote, or a zygote that is gone gets a fresh interpreter instead."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from kfp_notebook._errors import ExecutorUnavailableError
from kfp_notebook._procs import stop_process_group
from kfp_notebook._spec.lightweight import LightweightCommand, write_component_module
from kfp_notebook._spec.placeholders import resolve_command
from kfp_notebook._spec.types import ContainerSpec
from kfp_notebook.executors.base import Launch
from kfp_notebook.executors.subprocess.containers import ParsedContainers
from kfp_notebook.executors.subprocess.env_spec import (
    check_installed,
    command_env_spec,
    requirement_name,
)
from kfp_notebook.executors.subprocess.envs import EnvironmentManager
from kfp_notebook.executors.subprocess.local_container import (
    MODES,
    ContainersMode,
    check_container,
    container_argv,
    container_env,
    container_identity,
)
from kfp_notebook.executors.subprocess.logpump import LogPump
from kfp_notebook.executors.subprocess.warden import Warden
from kfp_notebook.executors.subprocess.zygote import ForkedTask, Zygote, ZygoteUnavailable

__all__ = ["SubprocessExecutor"]

_BOOTSTRAP = str(Path(__file__).resolve().parent / "scripts" / "_kfpnb_task_bootstrap.py")
_DRAIN_SECONDS = 1.0  # output still arriving this long after the task's process ended is cut
_ISOLATING_VARS = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH")


class SubprocessExecutor:
    """Runs tasks as local processes. `use_venv=False` uses the current interpreter."""

    name = "subprocess"

    def __init__(
        self,
        use_venv: bool = True,
        env_manager: EnvironmentManager | None = None,
        grace_period: float = 3.0,
        prefork: bool = True,
        containers: ContainersMode = "refuse",
    ) -> None:
        if containers not in MODES:
            raise ExecutorUnavailableError(
                f"containers={containers!r}: use 'refuse' (the default) or 'local'."
            )
        self.containers = containers
        self.use_venv = use_venv
        self.prefork = prefork
        self.envs = env_manager or EnvironmentManager()
        self.grace_period = grace_period
        self._pythons: dict[str, tuple[str, str]] = {}
        self._modules: dict[str, Path] = {}
        self._procs: dict[str, subprocess.Popen[bytes] | ForkedTask] = {}
        self._zygotes: dict[str, Zygote] = {}
        self._held: dict[str, int] = {}  # environment's python -> the fd holding it in use
        self._warden = Warden()
        self._logs = LogPump()  # one thread reads every task's output
        self._closed = False
        self._lock = threading.Lock()
        self._containers = ParsedContainers()
        self._checked: set[str] = set()
        self._local: set[str] = set()  # containers installing a local project or archive

    # ------------------------------------------------------------------ preparation
    def _command(self, container: ContainerSpec, task_name: str) -> LightweightCommand:
        command = self._containers.get(container)[0]
        if command is None:
            raise ExecutorUnavailableError(
                f"task {task_name!r} is a container component (or a containerized Python "
                "component); the subprocess runner runs only lightweight Python components "
                "(@dsl.component). Run it with runner='docker' (--runner docker)."
            )
        return command

    def check(self, container: ContainerSpec, task_name: str) -> None:
        if self._containers.get(container)[0] is None:
            check_container(container, task_name, self.containers)
            return
        command = self._command(container, task_name)
        digest = self._containers.get(container)[1]
        with self._lock:  # a run sees the local projects it installs as they are now
            if digest in self._local:
                self._pythons.pop(digest, None)
        if digest in self._checked:  # same container, same answer
            return
        if self.use_venv:
            command_env_spec(command)
        else:
            check_installed(command, task_name)
        with self._lock:
            self._checked.add(digest)

    def prepare(
        self,
        container: ContainerSpec,
        log: Callable[[str], None],
        cancelled: threading.Event | None = None,
    ) -> str:
        parsed, key = self._containers.get(container)
        if self.containers == "local" and parsed is None:
            return container_identity(container)
        with self._lock:
            known = self._pythons.get(key)
        if known:
            return known[1]
        command = self._command(container, container.get("image", "?"))
        if not self.use_venv:
            check_installed(command, command.function_name)
            result = (sys.executable, f"interpreter:{sys.executable}")
        else:
            spec = command_env_spec(command)
            python = self.envs.ensure(spec, log, cancelled)
            with self._lock:
                held = str(python) in self._held
            if not held:  # once per environment (a local project's is looked up each run)
                fd = self.envs.hold(python)
                with self._lock:
                    kept = self._held.setdefault(str(python), fd)
                if kept != fd:  # another thread held it meanwhile
                    os.close(fd)
            result = (str(python), f"env:{spec.key}")
            if spec.local_digests:
                with self._lock:
                    self._local.add(key)  # looked at again by the next run's check
        with self._lock:
            self._pythons[key] = result
        if not container.get("env"):  # a task with its own variables starts fresh (execute)
            self._zygote(result[0], command)  # it preloads while the run gets under way
        return result[1]

    def prestart(self, containers: list[ContainerSpec]) -> None:
        """Start the zygotes of environments that are built already, without waiting: they
        import KFP and their packages while the caller does its own start-up work."""
        if not self.prefork:
            return
        for container in containers:
            with contextlib.suppress(Exception):  # an optimisation; prepare() reports problems
                command = self._command(container, container.get("image", "?"))
                if self.use_venv and not self.envs.is_built(command_env_spec(command)):
                    continue
                self.prepare(container, lambda line: None)

    # ------------------------------------------------------------------ execution
    def execute(self, launch: Launch) -> int:
        if self.containers == "local" and self._containers.get(launch.container)[0] is None:
            return self._watch(self._start_container(launch), launch)
        command = self._command(launch.container, launch.task_name)
        self.prepare(launch.container, launch.on_log)
        python = self._pythons[self._containers.get(launch.container)[1]][0]
        module = write_component_module(launch.run_dir, command)
        args = resolve_command(launch.container.get("args", []), launch.executor_input)
        task_args = ["--component_module_path", str(module), *args]
        launch.task_dir.mkdir(parents=True, exist_ok=True)
        proc: subprocess.Popen[bytes] | ForkedTask | None = None
        zygote = None if launch.env else self._zygote(python, command)
        if zygote is not None:
            with contextlib.suppress(ZygoteUnavailable):
                proc = zygote.spawn(task_args, launch.task_dir)
        if proc is None:
            proc = subprocess.Popen(
                [python, _BOOTSTRAP, *task_args],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=launch.task_dir,
                env={**self._task_env(), **launch.env, "KFP_NOTEBOOK_ENGINE_PID": str(os.getpid())},
                start_new_session=True,
            )
        return self._watch(proc, launch)

    def _start_container(self, launch: Launch) -> subprocess.Popen[bytes]:
        """A container component's command as a local process (containers="local")."""
        launch.task_dir.mkdir(parents=True, exist_ok=True)
        image = launch.container.get("image", "?")
        launch.on_log(f"[kfp-notebook] container component run locally; image {image} not used")
        return subprocess.Popen(
            container_argv(launch.container, launch.executor_input),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=launch.task_dir,
            env=container_env({**self._task_env(), **launch.env}),
            start_new_session=True,
        )

    def _watch(self, proc: subprocess.Popen[bytes] | ForkedTask, launch: Launch) -> int:
        """Stream the task's output to its log until it ends; stop what it leaves behind."""
        with self._lock:
            self._procs[launch.task_id] = proc
        try:
            self._warden.watch(proc.pid)  # stops the task's group if this process dies
            launch.on_start(proc.pid)
            assert proc.stdout is not None
            output_ended = self._logs.add(proc.stdout, launch.on_log, launch.on_progress)
            code = proc.wait()
            if not output_ended.wait(_DRAIN_SECONDS):
                # Something the task started still holds its output. As when a container's main
                # process ends, the task is over: stop what it left behind.
                stop_process_group(proc.pid, self.grace_period)
                output_ended.wait()
            return code
        finally:
            with self._lock:
                self._procs.pop(launch.task_id, None)
            if proc.poll() is None:
                stop_process_group(proc.pid, self.grace_period)
                proc.wait()
            self._warden.release(proc.pid)

    def _task_env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.use_venv:
            for var in _ISOLATING_VARS:
                env.pop(var, None)
        env.update({"_KFP_RUNTIME": "true", "PYTHONUNBUFFERED": "1"})
        return env

    def _zygote(self, python: str, command: LightweightCommand) -> Zygote | None:
        """The environment's zygote, started on first use (it preloads in the background)."""
        if not self.prefork:
            return None
        with self._lock:
            if self._closed:
                return None
            zygote = self._zygotes.get(python)
            if zygote is None or not zygote.alive:
                names = [requirement_name(p) for p in command.packages]
                try:
                    zygote = Zygote(
                        python, self._task_env(), [n for n in names if n], self.use_venv
                    )
                except OSError:
                    return None
                self._zygotes[python] = zygote
            return zygote

    def cancel(self, task_id: str | None = None) -> None:
        with self._lock:
            procs = [p for t, p in self._procs.items() if task_id is None or t == task_id]
        threads = [
            threading.Thread(target=stop_process_group, args=(p.pid, self.grace_period))
            for p in procs
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            zygotes, self._zygotes = list(self._zygotes.values()), {}
            held, self._held = list(self._held.values()), {}
        self.cancel()
        for zygote in zygotes:  # all told first, then waited for: they wind down in parallel
            zygote.shutdown()
        self._warden.shutdown()
        for zygote in zygotes:
            zygote.close()
        self._warden.close()
        self._logs.close()
        for fd in held:
            os.close(fd)
