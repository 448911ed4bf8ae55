"""The fast paths keep their answers: JSON IR reads as the same spec as its YAML, and a
component called again reuses its compiled IR while a redefined one runs its new code."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml
from kfp import dsl

from kfp_notebook._spec.ir import load_pipeline, parse_documents


@dsl.component(base_image="python:3.11")
def scale(x: float, factor: float = 1e-05) -> float:
    return x * factor


@dsl.pipeline(name="scaled")
def scaled(x: float = 2.5) -> float:
    return scale(x=x).output


def test_json_ir_is_read_as_the_same_spec_as_its_yaml(compile_to, tmp_path: Path) -> None:
    path = compile_to(scaled)
    as_yaml = load_pipeline(path)
    as_json = tmp_path / "pipeline.json"
    as_json.write_text(json.dumps(yaml.safe_load(path.read_text())))
    assert load_pipeline(as_json).spec == as_yaml.spec
    assert load_pipeline(dict(as_yaml.spec)).spec == as_yaml.spec
    assert parse_documents('{"a": 1e-05, "b": [1, "x"]}') == [{"a": 1e-05, "b": [1, "x"]}]
    assert parse_documents("{a: 1}") == [{"a": 1}]  # YAML flow style is still YAML


SCRIPT = """
import kfp_notebook
from kfp import dsl
from kfp.dsl import structures

compiled = []
original = structures.ComponentSpec.to_pipeline_spec

def counting(self):
    compiled.append(self.name)
    return original(self)

structures.ComponentSpec.to_pipeline_spec = counting
kfp_notebook.init(pipeline_root={root!r})

@dsl.component(base_image="python:3.11")
def answer() -> int:
    return 1

print("first", answer().output, answer().output, answer().output)

@dsl.component(base_image="python:3.11")
def answer() -> int:
    return 2

print("redefined", answer().output)
print("compiled", len(compiled))
"""


def test_a_component_compiles_once_and_a_redefined_one_runs_its_new_code(tmp_path: Path) -> None:
    script = tmp_path / "script.py"  # KFP reads the components' source from a file
    script.write_text(textwrap.dedent(SCRIPT.format(root=str(tmp_path / "runs"))))
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "first 1 1 1" in done.stdout
    assert "redefined 2" in done.stdout
    assert "compiled 2" in done.stdout  # once per component object, not once per call
