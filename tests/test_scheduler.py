"""Scheduling as the KFP backend does it, through the engine with an in-process executor (the
public TaskExecutor extension point): the worker bound, failure propagation with exit handlers
and ignore_upstream_failure, retries, loop parallelism and cancel."""

import threading

import pytest
from kfp import dsl

from kfp_notebook import RunState, Session, TaskState
from tests.support.inprocess import InProcessExecutor, napping, write_outputs

pytestmark = pytest.mark.unit

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def work(i: int) -> int:
    return i


@dsl.component(base_image=IMAGE)
def fail() -> None:
    raise SystemExit(1)


@dsl.component(base_image=IMAGE)
def cleanup(status: dsl.PipelineTaskFinalStatus) -> str:
    return status.state


@dsl.component(base_image=IMAGE)
def after(x: int) -> None:
    pass


@dsl.pipeline
def six_wide() -> None:
    for i in range(6):
        work(i=i).set_caching_options(False)


def test_the_worker_bound_holds(pipeline_root) -> None:
    executor = InProcessExecutor()
    executor.behaviours["work"] = napping(executor, 0.15)
    session = Session(executor, pipeline_root, max_workers=2, raise_on_error=False)
    run = session.run(six_wide)
    assert run.status is RunState.SUCCEEDED
    assert len(executor.launches) == 6
    assert executor.peak == 2
    session.close()


@dsl.pipeline
def failing_body() -> None:
    final = cleanup()
    with dsl.ExitHandler(final):
        first = work(i=1)
        bad = fail().after(first)
        after(x=first.output).after(bad)
        tolerant = work(i=2).after(bad)
        tolerant.ignore_upstream_failure()


def test_after_a_failure_only_exit_handlers_and_tolerant_tasks_run(pipeline_root) -> None:
    executor = InProcessExecutor({"work": lambda launch: write_outputs(launch, Output=1) or 0})
    executor.behaviours["fail"] = lambda launch: 1
    executor.behaviours["cleanup"] = lambda launch: write_outputs(launch, Output="x") or 0
    session = Session(executor, pipeline_root, max_workers=2, raise_on_error=False)
    run = session.run(failing_body)
    states = {t.name: t.status for t in run.tasks.values() if t.kind.is_leaf}
    assert run.status is RunState.FAILED
    assert states["fail"] is TaskState.FAILED
    assert states["after"] in (TaskState.SKIPPED, TaskState.CANCELLED, TaskState.PENDING)
    assert states["cleanup"] is TaskState.SUCCEEDED
    ran = [launch.task_name for launch in executor.launches]
    assert sorted(ran) == ["cleanup", "fail", "work", "work-2"]  # not `after`
    status = next(launch for launch in executor.launches if launch.task_name == "cleanup")
    final = status.executor_input["inputs"]["parameterValues"]["status"]
    assert final["state"] == "FAILED"  # error left empty, as the backend's driver does
    session.close()


@dsl.pipeline
def flaky() -> None:
    work(i=1).set_retry(num_retries=2)


def test_retries_run_the_task_again_until_it_succeeds(pipeline_root) -> None:
    calls = []

    def twice_then_ok(launch) -> int:
        calls.append(launch.task_id)
        return 1 if len(calls) < 3 else (write_outputs(launch, Output=1) or 0)

    session = Session(InProcessExecutor({"work": twice_then_ok}), pipeline_root)
    run = session.run(flaky)
    (task,) = run.tasks.values()
    assert run.status is RunState.SUCCEEDED and task.attempts == 3 and len(calls) == 3
    session.close()


@dsl.pipeline
def one_at_a_time(items: list = [1, 2, 3, 4]) -> None:  # noqa: B006 (a KFP default)
    with dsl.ParallelFor(items, parallelism=1) as item:
        work(i=item)


def test_loop_parallelism_bounds_its_iterations(pipeline_root) -> None:
    executor = InProcessExecutor()
    executor.behaviours["work"] = napping(executor, 0.1)
    session = Session(executor, pipeline_root, max_workers=4)
    run = session.run(one_at_a_time)
    assert run.status is RunState.SUCCEEDED
    assert executor.peak == 1 and len(executor.launches) == 4
    items = sorted(
        launch.executor_input["inputs"]["parameterValues"]["i"] for launch in executor.launches
    )
    assert items == [1, 2, 3, 4]
    session.close()


def test_cancel_stops_running_and_pending_tasks(pipeline_root) -> None:
    executor = InProcessExecutor()
    started = threading.Event()

    def long(launch) -> int:
        started.set()
        return 0 if executor.sleep(60) else 143

    executor.behaviours["work"] = long
    session = Session(executor, pipeline_root, max_workers=2, raise_on_error=False)
    run = session.run(six_wide, wait=False)
    assert started.wait(10)
    run.cancel()
    assert run.status is RunState.CANCELLED
    assert 1 <= len(executor.launches) <= 2  # the pending tasks never started
    assert {t.status for t in run.tasks.values() if t.kind.is_leaf} == {TaskState.CANCELLED}
    session.close()
