"""The subprocess executor's modes and refusals: use_venv=False, missing packages, containers."""

import sys

import pytest
from kfp import dsl

from kfp_notebook import KfpNotebookError, RunState, Session, SubprocessRunner


@dsl.component(base_image="python:3.11", packages_to_install=["numpy"])
def which_python() -> str:
    import sys

    import numpy

    return sys.executable + "|" + numpy.__name__


@dsl.component(base_image="python:3.11", packages_to_install=["surely-not-installed-kfpnb"])
def needs_missing() -> None:
    pass


@dsl.container_component
def shell() -> dsl.ContainerSpec:
    return dsl.ContainerSpec(image="alpine", command=["echo", "hi"])


def test_use_venv_false_runs_in_this_interpreter(pipeline_root) -> None:
    session = Session(SubprocessRunner(use_venv=False), pipeline_root, raise_on_error=False)
    run = session.run(which_python)
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.output == f"{sys.executable}|numpy"
    with pytest.raises(KfpNotebookError, match="needs surely-not-installed-kfpnb"):
        session.run(needs_missing)
    assert [r.status for r in session.store.list_runs()] == [RunState.SUCCEEDED]
    session.close()


def test_default_mode_isolates_tasks_in_a_cached_environment(session) -> None:
    run = session.run(which_python)
    assert run.status is RunState.SUCCEEDED, run.error
    from kfp_notebook.executors.subprocess.envs import EnvironmentManager

    assert run.output.startswith(str(EnvironmentManager().root) + "/")
    assert not run.output.startswith(sys.executable)


def test_container_components_are_refused_with_a_hint(session) -> None:
    with pytest.raises(KfpNotebookError, match="runner='docker'"):
        session.run(shell)
    assert session.store.list_runs() == []


@dsl.component(base_image="python:3.11")
def leaves_a_sleeper(pid_file: str) -> str:
    import subprocess

    child = subprocess.Popen(["sleep", "600"])  # inherits the task's output
    with open(pid_file, "w") as f:
        f.write(str(child.pid))
    return "main done"


def test_a_task_ends_with_its_main_process(session, tmp_path) -> None:
    """Like a container: when the task's process exits, what it left running is stopped."""
    import time

    from kfp_notebook._procs import same_process_alive

    pid_file = tmp_path / "sleeper.pid"
    started = time.monotonic()
    run = session.run(leaves_a_sleeper, {"pid_file": str(pid_file)})
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.output == "main done"
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 5
    while same_process_alive(int(pid_file.read_text()), None) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not same_process_alive(int(pid_file.read_text()), None)
