"""dsl.PipelineTaskFinalStatus as the KFP backend fills it (backend/src/v2/driver/resolve.go,
the TaskFinalStatus case): `state` is the exit handler's ML Metadata execution state (COMPLETE
when its body succeeded, FAILED when a task in it failed), `pipeline_task_name` is the exit
handler's task name (`exit-handler-1`, whatever display name it was given),
`pipeline_job_resource_name` is the run's name, which contains the pipeline's name, and the
driver leaves `error` empty, so error_code and error_message are None. The same when the exit
task is itself a pipeline, whose tasks run although the body failed. KFP's cases:
test_data/sdk_compiled_pipelines/valid/critical/pipeline_with_input_status_state.py and
valid/pipeline_as_exit_task.py."""

import json

from kfp import dsl

from kfp_notebook import RunState, TaskState

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def record(status: dsl.PipelineTaskFinalStatus) -> str:
    import json

    return json.dumps(
        {
            "state": status.state,
            "task": status.pipeline_task_name,
            "job": status.pipeline_job_resource_name,
            "code": status.error_code,
            "message": status.error_message,
        }
    )


@dsl.component(base_image=IMAGE)
def work(fail: bool) -> None:
    if fail:
        raise SystemExit(1)


@dsl.pipeline(name="final-status-pipeline")
def named_handler(fail: bool = False):
    with dsl.ExitHandler(record(), name="my-handler"):
        work(fail=fail)


def _status(run) -> dict:
    return json.loads(run.tasks["record"].outputs["Output"])


def test_status_of_a_body_that_succeeded(session) -> None:
    run = session.run(named_handler)
    assert run.status is RunState.SUCCEEDED, run.error
    status = _status(run)
    assert status["state"] == "COMPLETE"
    assert status["task"] == "exit-handler-1"
    assert status["job"] == run.run_id
    assert status["job"].startswith("final-status-pipeline-")
    assert status["code"] is None and status["message"] is None


def test_status_of_a_body_that_failed(session) -> None:
    run = session.run(named_handler, {"fail": True})
    assert run.status is RunState.FAILED
    assert run.tasks["record"].status is TaskState.SUCCEEDED
    status = _status(run)
    assert status["state"] == "FAILED"
    assert status["task"] == "exit-handler-1"
    assert status["code"] is None and status["message"] is None


@dsl.component(base_image=IMAGE)
def get_state(status: dict) -> str:
    return status["state"]


@dsl.component(base_image=IMAGE)
def notify(state: str) -> str:
    return f"notified: {state}"


@dsl.pipeline
def notification(status: dsl.PipelineTaskFinalStatus):
    state = get_state(status=status)
    with dsl.If(state.output == "FAILED"):
        notify(state=state.output)


@dsl.pipeline(name="exit-pipeline")
def exit_is_a_pipeline(fail: bool = True):
    with dsl.ExitHandler(notification()):
        work(fail=fail)


def test_an_exit_task_that_is_a_pipeline_runs_after_a_failure(session) -> None:
    run = session.run(exit_is_a_pipeline)
    assert run.status is RunState.FAILED
    tasks = run.tasks
    assert tasks["exit-handler-1/work"].status is TaskState.FAILED
    assert tasks["notification/get-state"].status is TaskState.SUCCEEDED
    assert tasks["notification/get-state"].outputs["Output"] == "FAILED"
    assert tasks["notification/condition-1/notify"].outputs["Output"] == "notified: FAILED"


def test_an_exit_task_that_is_a_pipeline_after_success(session) -> None:
    run = session.run(exit_is_a_pipeline, {"fail": False})
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.tasks["notification/get-state"].outputs["Output"] == "COMPLETE"
    assert run.tasks["notification/condition-1/notify"].status is TaskState.SKIPPED
