"""Custom artifact paths (`Artifact.set_path`, KFP 2.17): a producer writes its output where it
said, and the consumer reads the artifact, as on the backend, whose launcher uploads an output
from its custom path (backend/src/v2/component/launcher_v2.go, retrieveArtifactPath). KFP's
case: test_data/sdk_compiled_pipelines/valid/critical/pipeline_with_artifact_custom_path.py."""

from pathlib import Path

import pytest
from kfp import dsl
from kfp.dsl import Dataset, Input, Model, Output

from kfp_notebook import RunState

IMAGE = "python:3.11"
pytestmark = pytest.mark.skipif(
    not hasattr(dsl.Artifact, "set_path"), reason="Artifact.set_path is new in kfp 2.17"
)


@dsl.component(base_image=IMAGE)
def produce(where: str, out: Output[Dataset], model: Output[Model]) -> None:
    import os

    out.set_path(os.path.join(where, "data.txt"))
    with open(out.path, "w") as f:
        f.write("Hello, World!")
    assert out.custom_path == os.path.join(where, "data.txt")
    model.set_path(os.path.join(where, "model"))
    os.makedirs(model.path)
    with open(os.path.join(model.path, "weights.bin"), "w") as f:
        f.write("0101")


@dsl.component(base_image=IMAGE)
def consume(data: Input[Dataset], model: Input[Model]) -> str:
    import os

    with open(data.path) as f:
        text = f.read()
    with open(os.path.join(model.path, "weights.bin")) as f:
        return text + "|" + f.read()


@dsl.pipeline
def custom_paths(where: str) -> str:
    p = produce(where=where)
    return consume(data=p.outputs["out"], model=p.outputs["model"]).output


def test_an_artifact_written_to_its_custom_path_reaches_the_consumer(session, tmp_path) -> None:
    where = tmp_path / "custom"
    where.mkdir()
    run = session.run(custom_paths, {"where": str(where)})
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.output == "Hello, World!|0101"
    assert (where / "data.txt").read_text() == "Hello, World!"  # written where it said
    produced = {a.name: a for a in run.tasks["produce"].artifacts}
    assert Path(produced["out"].uri).read_text() == "Hello, World!"  # and kept with the run
    assert (Path(produced["model"].uri) / "weights.bin").read_text() == "0101"


@dsl.component(base_image=IMAGE)
def produce_nothing(where: str, out: Output[Dataset]) -> None:
    out.set_path(where + "/never-written.txt")


@dsl.pipeline
def unwritten(where: str):
    produce_nothing(where=where)


def test_a_custom_path_left_unwritten_fails_the_task_clearly(session, tmp_path) -> None:
    run = session.run(unwritten, {"where": str(tmp_path)})
    assert run.status is RunState.FAILED
    message = run.tasks["produce-nothing"].message
    assert "custom path" in message and "never-written.txt" in message
