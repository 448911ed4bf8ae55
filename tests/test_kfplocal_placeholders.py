"""Placeholders where kfp-notebook follows kfp.local (kfp/local/placeholder_utils.py), run as
real pipelines through the engine:

- a run-time placeholder (`dsl.PIPELINE_*_PLACEHOLDER`) given as an input's default value in the
  component's signature is filled like one passed by the caller (kfp.local fills every string
  value of the executor input, resolve_self_references_in_executor_input);
- an omitted optional input inside a `dsl.ConcatPlaceholder` of a container component's
  command/args reads `null` (kfp.local's resolve_io_placeholders json-dumps the missing value),
  and an `IfPresentPlaceholder` nested in a concat picks its else branch or nothing."""

import json
import re
import uuid
import warnings
from typing import Optional

import pytest
from kfp import dsl

from kfp_notebook import RunState, Session, SubprocessRunner
from kfp_notebook._spec.placeholders import resolve_command
from kfp_notebook.executors.subprocess.local_container import ContainerImageIgnored

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def defaults_of_placeholders(
    job_name: str = dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
    job_resource_name: str = dsl.PIPELINE_JOB_RESOURCE_NAME_PLACEHOLDER,
    job_id: str = dsl.PIPELINE_JOB_ID_PLACEHOLDER,
    task_name: str = dsl.PIPELINE_TASK_NAME_PLACEHOLDER,
    task_id: str = dsl.PIPELINE_TASK_ID_PLACEHOLDER,
    created: str = dsl.PIPELINE_JOB_CREATE_TIME_UTC_PLACEHOLDER,
    scheduled: str = dsl.PIPELINE_JOB_SCHEDULE_TIME_UTC_PLACEHOLDER,
) -> str:
    values = dict(locals())
    import json

    return json.dumps(values)


@dsl.component(base_image=IMAGE)
def job_name_default(job: str = dsl.PIPELINE_JOB_NAME_PLACEHOLDER) -> str:
    return job


@dsl.pipeline(name="placeholder-defaults")
def placeholder_defaults() -> str:
    defaults_of_placeholders()
    passed = job_name_default(job="given")
    passed.set_caching_options(False)
    return job_name_default().set_caching_options(False).output


def test_a_runtime_placeholder_as_a_default_is_filled(session, compile_to) -> None:
    run = session.run(compile_to(placeholder_defaults))
    assert run.status is RunState.SUCCEEDED, run.error
    got = json.loads(run.tasks["defaults-of-placeholders"].outputs["Output"])
    assert not [v for v in got.values() if "{{$." in v], got
    assert got["job_name"] == got["job_resource_name"] == run.run_id
    assert got["job_name"].startswith("placeholder-defaults-")
    assert got["task_name"] == "defaults-of-placeholders"
    uuid.UUID(got["job_id"])
    uuid.UUID(got["task_id"])
    assert got["task_id"] != got["job_id"]
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    assert stamp.fullmatch(got["created"]) and got["scheduled"] == got["created"]
    # a value passed wins over the default; the output of the pipeline is the filled default
    assert run.tasks["job-name-default"].outputs["Output"] == "given"
    assert run.output == run.run_id


@dsl.container_component
def concat_args(
    out: dsl.OutputPath(str),
    opt: Optional[str] = None,
    flag: Optional[str] = None,
):
    return dsl.ContainerSpec(
        image=IMAGE,
        command=["sh", "-c"],
        args=[
            'mkdir -p "$(dirname "$0")" && printf "%s|%s|%s" "$1" "$2" "$3" > "$0"',
            out,
            dsl.ConcatPlaceholder(["prefix-", opt, "-suffix"]),
            dsl.ConcatPlaceholder(
                [
                    "flag=",
                    dsl.IfPresentPlaceholder(input_name="flag", then=flag, else_="none"),
                    ";",
                ]
            ),
            dsl.ConcatPlaceholder(
                [
                    "[",
                    dsl.IfPresentPlaceholder(
                        input_name="opt", then=dsl.ConcatPlaceholder(["x-", opt])
                    ),
                    "]",
                ]
            ),
        ],
    )


@dsl.pipeline
def concats():
    concat_args()
    concat_args(opt="o", flag="f")


@pytest.fixture
def local_containers(tmp_path):
    s = Session(
        runner=SubprocessRunner(containers="local"),
        pipeline_root=tmp_path / "root",
        raise_on_error=False,
    )
    yield s
    s.close()


def test_an_omitted_optional_input_in_a_concat_reads_null(local_containers, compile_to) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ContainerImageIgnored)
        run = local_containers.run(compile_to(concats))
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.tasks["concat-args"].outputs["out"] == "prefix-null-suffix|flag=none;|[]"
    assert run.tasks["concat-args-2"].outputs["out"] == "prefix-o-suffix|flag=f;|[x-o]"


@pytest.mark.unit
def test_an_absent_input_artifact_in_a_concat_reads_null() -> None:
    executor_input = {"inputs": {"parameterValues": {}, "artifacts": {}}, "outputs": {}}
    parts = [
        {"Concat": ["a-", "{{$.inputs.artifacts['data'].path}}", "-b"]},
        {"Concat": ["u=", "{{$.inputs.artifacts['data'].uri}}"]},
    ]
    assert resolve_command(parts, executor_input) == ["a-null-b", "u=null"]


@dsl.component(base_image=IMAGE)
def named(
    task: str = dsl.PIPELINE_TASK_NAME_PLACEHOLDER, job: str = dsl.PIPELINE_JOB_NAME_PLACEHOLDER
) -> str:
    return f"{task}|{job}"


def test_a_placeholder_default_is_filled_for_a_component_run_alone(session) -> None:
    # kfp compiles a component run alone with its defaults on the root DAG's inputs; kfp.local's
    # subprocess_task_handler_test (test_placeholder_default_resolved) expects the task's name
    run = session.run(named)
    assert run.status is RunState.SUCCEEDED, run.error
    task, job = run.output.split("|")
    assert task == "named"
    assert job == run.run_id
