"""Data flow through real runs: parameters, artifacts, defaults, nested pipelines, outputs."""

from typing import NamedTuple, Optional

from kfp import dsl

from kfp_notebook import RunState, TaskState

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def add(a: int, b: int = 10) -> int:
    return a + b


@dsl.component(base_image=IMAGE)
def write_text(text: str, out: dsl.Output[dsl.Dataset]) -> None:
    with open(out.path, "w") as f:
        f.write(text)
    out.metadata["chars"] = len(text)


@dsl.component(base_image=IMAGE)
def read_text(data: dsl.Input[dsl.Dataset], suffix: str = "") -> str:
    with open(data.path) as f:
        return f.read() + suffix + str(data.metadata["chars"])


@dsl.component(base_image=IMAGE)
def maybe(text: str = "x", extra: Optional[str] = None) -> str:
    return text + (extra or "-none")


@dsl.component(base_image=IMAGE)
def pair(n: int) -> NamedTuple("Pair", [("double", int), ("label", str)]):
    from collections import namedtuple

    return namedtuple("Pair", ["double", "label"])(n * 2, f"n={n}")


@dsl.pipeline
def inner(x: int) -> dsl.Dataset:
    return write_text(text=f"inner-{x}").outputs["out"]


@dsl.pipeline
def dataflow(x: int = 1, word: str = "hi") -> NamedTuple(
    "Outputs", [("total", int), ("text", str)]
):
    s = add(a=x)
    s2 = add(a=s.output, b=s.output)
    w = write_text(text=word)
    r = read_text(data=w.outputs["out"], suffix="!")
    opt = maybe()
    p = pair(n=s2.output)
    nested = inner(x=x)
    r2 = read_text(data=nested.output).after(opt)
    ordered = maybe(text=p.outputs["label"]).after(r2)
    outputs = NamedTuple("Outputs", [("total", int), ("text", str)])
    _ = ordered
    return outputs(total=p.outputs["double"], text=r.output)


def test_parameters_artifacts_nesting_and_outputs(session, compile_to) -> None:
    run = session.run(compile_to(dataflow), {"x": 2})
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.outputs == {"total": 48, "text": "hi!2"}
    assert type(run.outputs["total"]) is int
    tasks = {t.task_id: t for t in run.tasks.values()}
    assert tasks["add"].outputs == {"Output": 12}
    assert tasks["maybe"].outputs == {"Output": "x-none"}
    assert tasks["inner/write-text"].status is TaskState.SUCCEEDED
    assert tasks["inner"].kind == "dag"
    assert tasks["read-text-2"].outputs == {"Output": "inner-27"}
    assert tasks["maybe-2"].outputs == {"Output": "n=24-none"}
    assert tasks["maybe-2"].started >= tasks["read-text-2"].finished
    artifact = tasks["write-text"].artifacts[0]
    assert artifact.schema_title == "system.Dataset"
    assert artifact.metadata == {"chars": 2}
    with open(artifact.uri) as f:
        assert f.read() == "hi"


def test_single_component_and_pipeline_function(session) -> None:
    run = session.run(add, {"a": 5})
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.output == 15
    run = session.run(dataflow)
    assert run.outputs["total"] == 44


def test_logs_are_recorded_per_task_and_per_run(session) -> None:
    run = session.run(dataflow)
    log = run.logs("write-text")
    assert "Wrote executor output file" in log
    assert "write-text | " in run.logs()
