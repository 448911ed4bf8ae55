"""The runner settings of `init(runner=...)`: `SubprocessRunner` and `DockerRunner`, and the one
place a setting (one of these, a registered name or dotted path, or a `TaskExecutor`) becomes
the executor a session runs its tasks with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kfp_notebook._errors import ExecutorUnavailableError
from kfp_notebook._runners import DEFAULT_RUNNER, check_runner, load_runner, runner_help
from kfp_notebook.executors.base import TaskExecutor
from kfp_notebook.executors.subprocess.executor import SubprocessExecutor
from kfp_notebook.executors.subprocess.local_container import ContainersMode

__all__ = ["DockerRunner", "SubprocessRunner", "make_executor"]


@dataclass(frozen=True)
class SubprocessRunner:
    """Run lightweight Python components as local processes, each requirement set in its own
    cached virtual environment (`use_venv=False`: in this interpreter). With `prefork` (the
    default) tasks fork from a process per environment that has KFP and the environment's
    packages imported already; `prefork=False` starts a fresh interpreter for every task.

    Container components have no image to run in here: they are refused (`containers="refuse"`,
    the default) unless `containers="local"`, which runs one whose image is a Python image and
    whose command is `python ...` or `sh -c ...` as a local process, with this interpreter as
    `python` and a warning that the image is not used."""

    use_venv: bool = True
    grace_period: float = 3.0
    prefork: bool = True
    containers: ContainersMode = "refuse"


class DockerRunner:
    """Run every task as a container. Keyword options go to docker's `containers.run`
    (environment, network, mem_limit, nano_cpus, device_requests for GPUs, volumes, ...);
    unsafe ones (privileged, cap_add, engine sockets...) are refused."""

    def __init__(self, grace_period: float = 3.0, **options: Any) -> None:
        self.grace_period = grace_period
        self.options = options

    def __repr__(self) -> str:
        return f"DockerRunner({', '.join(f'{k}={v!r}' for k, v in self.options.items())})"


def make_executor(runner: Any) -> tuple[TaskExecutor, str]:
    """The executor for a runner setting, and the name its runs record (what a re-run starts):
    a name or dotted path from `_runners`, a SubprocessRunner or DockerRunner, or an object
    implementing `TaskExecutor`."""
    if runner is None or runner == DEFAULT_RUNNER:
        runner = SubprocessRunner()
    if runner == "docker":
        runner = DockerRunner()
    if isinstance(runner, SubprocessRunner):
        executor = SubprocessExecutor(
            use_venv=runner.use_venv,
            grace_period=runner.grace_period,
            prefork=runner.prefork,
            containers=runner.containers,
        )
        return executor, executor.name
    if isinstance(runner, DockerRunner):
        from kfp_notebook.executors.docker.executor import DockerExecutor

        docker = DockerExecutor(runner.options, runner.grace_period)
        return docker, docker.name
    if isinstance(runner, str):
        made = load_runner(check_runner(runner))()
        if not isinstance(made, TaskExecutor):
            raise ExecutorUnavailableError(
                f"runner {runner!r} made a {type(made).__name__}, which is not a TaskExecutor"
                " (it needs name, check, prepare, execute, cancel and close)"
            )
        return made, runner
    if isinstance(runner, TaskExecutor):
        return runner, runner.name
    raise ExecutorUnavailableError(
        f"unknown runner {runner!r}: use SubprocessRunner(...), DockerRunner(...), "
        f"KubeflowRunner(...), a TaskExecutor, or one of {runner_help()}"
    )
