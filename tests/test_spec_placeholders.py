"""Container placeholders (kfp_notebook._spec.placeholders) resolved against an executor input
in KFP's form: parameters, artifact paths and URIs, metadata, Concat and IfPresent."""

import json

import pytest

from kfp_notebook._errors import PipelineSpecError
from kfp_notebook._spec.placeholders import resolve_command

pytestmark = pytest.mark.unit

EXECUTOR_INPUT = {
    "inputs": {
        "parameterValues": {"n": 3, "name": "x", "cfg": {"a": 1}},
        "artifacts": {
            "data": {"artifacts": [{"uri": "/root/run/make/data", "metadata": {"rows": 2}}]},
            "remote": {"artifacts": [{"uri": "gs://bucket/obj", "metadata": {}}]},
        },
    },
    "outputs": {
        "parameters": {"Output": {"outputFile": "/root/run/t/Output"}},
        "artifacts": {"model": {"artifacts": [{"uri": "/root/run/t/model"}]}},
        "outputFile": "/root/run/t/executor_output.json",
    },
}


def test_parameters_and_artifacts() -> None:
    parts = [
        "--n={{$.inputs.parameters['n']}}",
        "{{$.inputs.parameters['cfg']}}",
        "{{$.inputs.artifacts['data'].path}}",
        "{{$.inputs.artifacts['data'].uri}}",
        "{{$.inputs.artifacts['remote'].path}}",
        "{{$.inputs.artifacts['data'].metadata}}",
        "{{$.outputs.artifacts['model'].path}}",
        "{{$.outputs.parameters['Output'].output_file}}",
        "{{$.outputs.output_file}}",
    ]
    assert resolve_command(parts, EXECUTOR_INPUT) == [
        "--n=3",
        '{"a": 1}',
        "/root/run/make/data",
        "/root/run/make/data",
        "/gcs/bucket/obj",  # KFP's mount convention for cloud URIs
        '{"rows": 2}',
        "/root/run/t/model",
        "/root/run/t/Output",
        "/root/run/t/executor_output.json",
    ]


def test_whole_executor_input() -> None:
    assert json.loads(resolve_command(["{{$}}"], EXECUTOR_INPUT)[0]) == EXECUTOR_INPUT


def test_concat_and_if_present_expand_structured_parts() -> None:
    concat = {
        "Concat": ["name=", "{{$.inputs.parameters['name']}}", "-", "{{$.inputs.parameters['n']}}"]
    }
    present = {"IfPresent": {"InputName": "n", "Then": ["--n", "{{$.inputs.parameters['n']}}"]}}
    absent = {"IfPresent": {"InputName": "missing", "Then": ["--m"], "Else": ["--none"]}}
    absent_no_else = {"IfPresent": {"InputName": "missing", "Then": ["--m"]}}
    parts = [concat, present, absent, absent_no_else, json.dumps(concat)]
    assert resolve_command(parts, EXECUTOR_INPUT) == [
        "name=x-3", "--n", "3", "--none", "name=x-3",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "part",
    ["{{$.inputs.parameters['nope']}}", "{{$.inputs.artifacts['nope'].path}}", {"Weird": []}],
)
def test_unresolvable_parts_are_one_clear_error(part) -> None:
    with pytest.raises(PipelineSpecError):
        resolve_command([part], EXECUTOR_INPUT)
