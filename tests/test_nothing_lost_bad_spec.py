"""Property 8: a pipeline YAML hand-edited to an invalid enum value (a parameter type) is refused
when it is loaded, with one line naming the field and the allowed values, before anything runs.
Protobuf's lenient parse (which lets unknown fields of a newer KFP through) drops unknown enum
values silently, so this passed validation and the run started."""

import subprocess
import sys

import pytest
from kfp import compiler, dsl

from kfp_notebook._errors import PipelineSpecError
from kfp_notebook._spec.ir import load_pipeline


@dsl.component(base_image="python:3.11")
def double(x: int) -> int:
    return 2 * x


@dsl.pipeline(name="typed")
def typed(x: int = 1):
    double(x=x)


@pytest.mark.parametrize(
    "old, new, where",
    [
        ("parameterType: NUMBER_INTEGER", "parameterType: NUMBER_INTEGR", "parameterType"),
        ("schemaTitle: system.Dataset", "schemaTitle: system.Dataset", None),  # unchanged
    ],
)
def test_an_invalid_parameter_type_is_refused_at_load(tmp_path, old, new, where) -> None:
    good = tmp_path / "good.yaml"
    compiler.Compiler().compile(typed, str(good))
    text = good.read_text()
    assert old in text or where is None
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1) + "\nfutureField: {kept: true}\n")
    if where is None:
        load_pipeline(bad)  # an unknown field of a newer KFP still loads
        return
    with pytest.raises(
        PipelineSpecError, match=r"parameterType is 'NUMBER_INTEGR'.*NUMBER_INTEGER"
    ):
        load_pipeline(bad)
    root = tmp_path / "outputs"
    cli = subprocess.run(
        [sys.executable, "-m", "kfp_notebook._cli", "run", str(bad), "--pipeline-root", str(root)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert cli.returncode == 2, cli.stderr
    assert "NUMBER_INTEGR" in cli.stderr and len(cli.stderr.strip().splitlines()) == 1
    assert not root.exists()  # nothing ran, nothing was recorded
