"""dsl.ParallelFor over a pipeline input that is a list of artifacts (a nested pipeline's
`Input[List[Dataset]]`, or the List[Artifact] output of a nested pipeline), as in KFP's
test_data/sdk_compiled_pipelines/valid/pipeline_with_parallelfor_list_artifacts.py, where the
producing pipelines loop over a list input they get only by its default. The backend iterates
over the artifacts of the input (backend/src/v2/driver/dag.go, the artifact iterator)."""

from typing import List

from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Output

from kfp_notebook import RunState

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def make(text: str, out: Output[Dataset]) -> None:
    with open(out.path, "w") as f:
        f.write(text)


@dsl.component(base_image=IMAGE)
def make_artifact(data: str) -> Artifact:
    artifact = Artifact(uri=dsl.get_uri(), metadata={"length": len(data)})
    with open(artifact.path, "w") as f:
        f.write(data)
    return artifact


@dsl.component(base_image=IMAGE)
def read(ds: Input[Artifact]) -> str:
    with open(ds.path) as f:
        return f.read()


@dsl.component(base_image=IMAGE)
def join(xs: List[str]) -> str:
    return ",".join(sorted(xs))


@dsl.pipeline
def fan(items: Input[List[Dataset]]) -> str:
    with dsl.ParallelFor(items) as item:
        r = read(ds=item)
    return join(xs=dsl.Collected(r.output)).output


@dsl.pipeline
def make_artifacts(texts: List[str] = ["x", "y"]) -> List[Artifact]:  # noqa: B006
    with dsl.ParallelFor(texts) as text:
        t = make_artifact(data=text)
    return dsl.Collected(t.output)


@dsl.pipeline
def outer(texts: List[str] = ["a", "b", "c"]) -> str:  # noqa: B006
    with dsl.ParallelFor(texts) as t:
        m = make(text=t)
    return fan(items=dsl.Collected(m.outputs["out"])).output


@dsl.pipeline
def over_pipeline_output() -> str:
    made = make_artifacts()
    with dsl.ParallelFor(made.output) as item:
        r = read(ds=item)
    return join(xs=dsl.Collected(r.output)).output


def test_parallel_for_over_a_list_of_artifacts_pipeline_input(session, compile_to) -> None:
    run = session.run(compile_to(outer))
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.output == "a,b,c"
    reads = [t for t in run.tasks if t.startswith("fan/for-loop-") and t.endswith("/read")]
    assert len(reads) == 3


def test_parallel_for_over_a_nested_pipelines_artifact_list(session, compile_to) -> None:
    run = session.run(compile_to(over_pipeline_output))
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.output == "x,y"
