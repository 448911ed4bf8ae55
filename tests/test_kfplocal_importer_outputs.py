"""Where kfp-notebook followed kfp.local less than it should, through real runs: an importer's
metadata built from pipeline parameters and upstream outputs gets their values (the values
below are what kfp.local 2.17.3 gives for the same pipeline); an importer of a local path that
does not exist succeeds, as on the backend; an artifact a component returns stays under the
IR's output name (`Output`) and keeps the name the component gave it, as with kfp.local."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from kfp import compiler, dsl

from kfp_notebook import Session
from kfp_notebook._model.states import RunState


@dsl.component(base_image="python:3.11")
def tag() -> str:
    return "v7"


@dsl.component(base_image="python:3.11")
def describe(data: dsl.Input[dsl.Dataset]) -> str:
    import json
    import os

    seen = {"metadata": dict(data.metadata), "uri": data.uri, "exists": os.path.exists(data.path)}
    return json.dumps(seen, sort_keys=True)


@dsl.pipeline(name="imported")
def imported(uri: str, owner: str = "ann", count: int = 5) -> str:
    version = tag().output
    data = dsl.importer(
        artifact_uri=uri,
        artifact_class=dsl.Dataset,
        metadata={
            "owner": owner,
            "version": version,
            "count": count,
            "fixed": "c",
            "nested": {"who": [owner, "x"]},
            f"key-{owner}": 1,
            "mixed": f"{owner}-{version}",
        },
    )
    return describe(data=data.output).output


# what kfp.local (SubprocessRunner) gives for `imported(uri=..., owner="bob")`
EXPECTED = {
    "owner": "bob",
    "version": "v7",
    "count": "5",
    "fixed": "c",
    "nested": {"who": ["bob", "x"]},
    "key-bob": 1.0,
    "mixed": "bob-v7",
}


def test_importer_metadata_from_parameters_and_upstream_outputs_gets_their_values(
    tmp_path: Path,
) -> None:
    source = tmp_path / "data.csv"
    source.write_text("a,b\n")
    session = Session(pipeline_root=tmp_path / "outputs")
    try:
        run = session.run(imported, {"uri": str(source), "owner": "bob"})
        assert run.status is RunState.SUCCEEDED, run.error
        seen = json.loads(run.output)
        (recorded,) = run.task("importer").artifacts
    finally:
        session.close()
    assert seen == {"metadata": EXPECTED, "uri": str(source), "exists": True}
    assert recorded.name == "artifact" and recorded.metadata == EXPECTED
    assert "{{$" not in json.dumps(recorded.metadata)


def test_an_importer_of_a_local_path_that_does_not_exist_succeeds(tmp_path: Path) -> None:
    absent = tmp_path / "not-written-yet" / "data.csv"
    session = Session(pipeline_root=tmp_path / "outputs")
    try:
        run = session.run(imported, {"uri": str(absent)})
        assert run.status is RunState.SUCCEEDED, run.error
        seen = json.loads(run.output)
        log = run.logs("importer")
    finally:
        session.close()
    assert seen["uri"] == str(absent) and seen["exists"] is False
    assert seen["metadata"]["owner"] == "ann"
    assert "does not exist" in str(log) and str(absent) in str(log)


@dsl.component(base_image="python:3.11")
def make() -> dsl.Dataset:
    data = dsl.Dataset(name="mydata", uri=dsl.get_uri("mydata"), metadata={"rows": "2"})
    with open(data.path, "w") as f:
        f.write("a\nb\n")
    return data


@dsl.component(base_image="python:3.11")
def make_unnamed() -> dsl.Dataset:
    data = dsl.Dataset(uri=dsl.get_uri())
    with open(data.path, "w") as f:
        f.write("c\n")
    return data


@dsl.component(base_image="python:3.11")
def make_two() -> NamedTuple("Made", [("table", dsl.Dataset), ("rows", int)]):  # type: ignore[valid-type]
    from typing import NamedTuple

    data = dsl.Dataset(name="the-table", uri=dsl.get_uri("table"))
    with open(data.path, "w") as f:
        f.write("d\n")
    made = NamedTuple("Made", [("table", dsl.Dataset), ("rows", int)])
    return made(table=data, rows=1)


@dsl.component(base_image="python:3.11")
def read(data: dsl.Input[dsl.Dataset]) -> str:
    return data.name + ":" + open(data.path).read()


@dsl.pipeline(name="returned")
def returned() -> dsl.Dataset:
    return make().output


@dsl.pipeline(name="passed-on")
def passed_on() -> str:
    return read(data=make().output).output


def _ir_outputs(pipeline: Any, tmp_path: Path) -> list[str]:
    path = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(path))
    spec = yaml.safe_load(path.read_text())
    return list(spec["components"]["comp-make"]["outputDefinitions"]["artifacts"])


def test_a_returned_artifact_keeps_the_irs_output_name_and_its_own_name(tmp_path: Path) -> None:
    assert _ir_outputs(returned, tmp_path) == ["Output"]
    session = Session(pipeline_root=tmp_path / "outputs")
    try:
        run = session.run(returned)
        assert run.status is RunState.SUCCEEDED, run.error
        outputs, output = run.outputs, run.output
        task_artifacts = [a.name for a in run.task("make").artifacts]
        downstream = session.run(passed_on)
        assert downstream.status is RunState.SUCCEEDED, downstream.error
        read_back = downstream.output
        two = session.run(make_two)
        unnamed = session.run(make_unnamed)
        two_outputs, unnamed_output = two.outputs, unnamed.output
    finally:
        session.close()
    assert list(outputs) == ["Output"] and task_artifacts == ["Output"]
    assert isinstance(output, dsl.Dataset) and output.name == "mydata"
    assert Path(output.uri).name == "mydata" and Path(output.path).read_text() == "a\nb\n"
    assert output.metadata == {"rows": "2"}
    assert read_back == "mydata:a\nb\n"
    assert sorted(two_outputs) == ["rows", "table"] and two_outputs["rows"] == 1
    assert two_outputs["table"].name == "the-table"
    assert unnamed_output.name == "Output"  # named by nothing: the IR's name (kfp.local: '')


def test_a_direct_call_returns_the_artifact_under_the_irs_name(tmp_path: Path) -> None:
    script = tmp_path / "script.py"  # KFP reads the components' source from a file
    script.write_text(
        textwrap.dedent(
            f"""
            from kfp import dsl
            import kfp_notebook

            @dsl.component(base_image="python:3.11")
            def make() -> dsl.Dataset:
                data = dsl.Dataset(name="mydata", uri=dsl.get_uri("mydata"))
                with open(data.path, "w") as f:
                    f.write("x")
                return data

            kfp_notebook.init(pipeline_root={str(tmp_path / "outputs")!r})
            task = make()
            print("outputs", sorted(task.outputs), task.output.name, open(task.output.path).read())
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "outputs ['Output'] mydata x" in done.stdout
