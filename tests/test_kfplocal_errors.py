"""kfp.local's failures are RuntimeErrors naming the failed task inside its groups; code written
against kfp.local (`except RuntimeError:`) keeps working. Real runs."""

from pathlib import Path

import pytest
from kfp import dsl

from kfp_notebook import RunFailedError, Session
from kfp_notebook._errors import ExecutorUnavailableError


@dsl.component(base_image="python:3.11")
def explode(n: int) -> int:
    raise ValueError(f"bad n {n}")


@dsl.pipeline(name="inner")
def inner(n: int) -> int:
    return explode(n=n).output


@dsl.pipeline(name="outer")
def outer() -> None:
    with dsl.ParallelFor([1]) as n:
        inner(n=n)


def test_a_failed_run_is_a_runtime_error_naming_the_task_inside_its_groups(
    tmp_path: Path,
) -> None:
    session = Session(pipeline_root=tmp_path / "outputs")
    try:
        with pytest.raises(RuntimeError) as caught:
            session.run(outer)
    finally:
        session.close()
    assert isinstance(caught.value, RunFailedError)
    assert "'explode' inside 'inner' inside 'for-loop-2[0]'" in str(caught.value)
    assert "ValueError: bad n 1" in str(caught.value)


def test_executor_unavailable_is_a_runtime_error() -> None:
    assert issubclass(ExecutorUnavailableError, RuntimeError)
