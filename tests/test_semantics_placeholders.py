"""The run-time placeholders (`dsl.PIPELINE_*_PLACEHOLDER`) given to a task input, checked
against the KFP backend's driver (backend/src/v2/driver/resolve.go, the RuntimeValue case, and
driver.go for what each option holds): job name and job resource name are the run's name (it
starts with the pipeline's name and a dash), job id a UUID, task name the task's own name, task
id an id, create and schedule time RFC 3339 in UTC (a run started by hand is scheduled when it
is created). Like the driver, a placeholder is replaced only when it is the whole value.
`{{$.pipeline_root}}`, which the driver leaves alone, is the local pipeline root (kfp.local's
reading). KFP's case: test_data/sdk_compiled_pipelines/valid/critical/
pipeline_with_placeholders.py."""

import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from kfp import dsl

from kfp_notebook import RunState

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def print_all_placeholders(
    job_name: str,
    job_resource_name: str,
    job_id: str,
    task_name: str,
    task_id: str,
    created: str,
    scheduled: str,
    root: str,
    not_whole: str,
) -> str:
    values = dict(locals())
    import json

    return json.dumps(values)


@dsl.pipeline(name="pipeline-with-placeholders")
def placeholders():
    print_all_placeholders(
        job_name=dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
        job_resource_name=dsl.PIPELINE_JOB_RESOURCE_NAME_PLACEHOLDER,
        job_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
        task_name=dsl.PIPELINE_TASK_NAME_PLACEHOLDER,
        task_id=dsl.PIPELINE_TASK_ID_PLACEHOLDER,
        created=dsl.PIPELINE_JOB_CREATE_TIME_UTC_PLACEHOLDER,
        scheduled=dsl.PIPELINE_JOB_SCHEDULE_TIME_UTC_PLACEHOLDER,
        root=dsl.PIPELINE_ROOT_PLACEHOLDER + "/tmp",
        not_whole="job " + dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
    )
    with dsl.ParallelFor([1, 2]):
        print_all_placeholders(
            job_name="",
            job_resource_name="",
            job_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
            task_name=dsl.PIPELINE_TASK_NAME_PLACEHOLDER,
            task_id=dsl.PIPELINE_TASK_ID_PLACEHOLDER,
            created="",
            scheduled="",
            root="",
            not_whole="",
        )


def test_placeholders_as_the_backend_fills_them(session, pipeline_root) -> None:
    before = datetime.now(timezone.utc) - timedelta(seconds=2)
    run = session.run(placeholders)
    assert run.status is RunState.SUCCEEDED, run.error
    got = json.loads(run.tasks["print-all-placeholders"].outputs["Output"])
    assert got["task_name"] == "print-all-placeholders"
    assert got["job_resource_name"] == run.run_id
    assert got["job_resource_name"].startswith("pipeline-with-placeholders-")
    assert got["job_name"] == run.run_id
    assert uuid.UUID(got["job_id"])
    assert got["task_id"] and "{{" not in got["task_id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", got["created"])
    created = datetime.strptime(got["created"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert before <= created <= datetime.now(timezone.utc)
    assert got["scheduled"] == got["created"]
    assert got["root"] == str(Path(pipeline_root)) + "/tmp"
    assert got["not_whole"] == "job {{$.pipeline_job_name}}"  # the driver's exact match

    loop = [
        json.loads(t.outputs["Output"])
        for i, t in run.tasks.items()
        if i.startswith("for-loop-") and i.endswith("/print-all-placeholders-2")
    ]
    assert len(loop) == 2
    assert {t["task_name"] for t in loop} == {"print-all-placeholders-2"}
    assert {t["job_id"] for t in loop} == {got["job_id"]}  # one run, one job id
    assert len({t["task_id"] for t in loop} | {got["task_id"]}) == 3  # one id per task
