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
    from kfp_notebook._envs import EnvironmentManager

    assert run.output.startswith(str(EnvironmentManager().root) + "/")
    assert not run.output.startswith(sys.executable)


def test_container_components_are_refused_with_a_hint(session) -> None:
    with pytest.raises(KfpNotebookError, match="runner='docker'"):
        session.run(shell)
    assert session.store.list_runs() == []
