"""Loading and checking KFP IR: a YAML/JSON file, a `@dsl.pipeline` function or a component.

The engine reads only the IR, as plain dicts from the YAML text (so ints stay ints), after
checking it against KFP's own `PipelineSpec` schema and for dangling references and cycles
(`ir_checks.py`).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from kfp_notebook._errors import PipelineSpecError
from kfp_notebook._spec.ir_checks import check_references, check_schema
from kfp_notebook._spec.types import ComponentSpec, ExecutorSpec, IRDict, PipelineSpec

__all__ = [
    "PipelineIR",
    "checked_pipeline",
    "load_pipeline",
    "parse_documents",
    "peek_containers",
    "read_pipeline_file",
]


@dataclass
class PipelineIR:
    """A checked pipeline: the spec, its optional Kubernetes platform spec, and its YAML text."""

    spec: PipelineSpec
    platform: IRDict
    text: str
    source: str
    ignored_settings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.spec.get("pipelineInfo", {}).get("name") or "pipeline")

    @property
    def root(self) -> ComponentSpec:
        return self.spec["root"]

    @property
    def input_definitions(self) -> IRDict:
        return dict(self.spec["root"].get("inputDefinitions", {}))

    @property
    def components(self) -> dict[str, ComponentSpec]:
        return self.spec.get("components", {})

    @property
    def executors(self) -> dict[str, ExecutorSpec]:
        """Executor label -> its container or importer (`deploymentSpec.executors`)."""
        executors: dict[str, ExecutorSpec] = self.spec.get("deploymentSpec", {}).get(
            "executors", {}
        )
        return executors

    def component(self, name: str) -> ComponentSpec:
        return self.components[name]

    def executor(self, label: str) -> ExecutorSpec:
        return self.executors[label]


def load_pipeline(target: Any) -> PipelineIR:
    """Read `target` (path, pipeline function, component, or a PipelineSpec as a message or a
    dict) into checked IR."""
    if isinstance(target, PipelineIR):
        return target
    if hasattr(target, "DESCRIPTOR") and hasattr(target, "root"):  # a PipelineSpec message
        from google.protobuf import json_format

        target = json_format.MessageToDict(target)
    if isinstance(target, dict):
        return _from_text(json.dumps(target), target.get("pipelineInfo", {}).get("name", "spec"))
    if isinstance(target, (str, os.PathLike)):
        text, documents = read_pipeline_file(target)
        return checked_pipeline(text, documents, str(Path(target)))
    if hasattr(target, "pipeline_spec") and hasattr(target, "component_spec"):
        return _from_text(_compile(target), getattr(target, "name", repr(target)))
    raise PipelineSpecError(
        f"cannot run {target!r}: pass a compiled pipeline file, a @dsl.pipeline function "
        "or a @dsl.component."
    )


def _compile(target: Any) -> str:
    from kfp import compiler

    with tempfile.TemporaryDirectory(prefix="kfpnb-compile-") as tmp:
        out = Path(tmp) / "pipeline.yaml"
        try:
            compiler.Compiler().compile(target, package_path=str(out))
        except Exception as exc:
            raise PipelineSpecError(f"KFP could not compile {target.name!r}: {exc}") from exc
        return out.read_text(encoding="utf-8")


# libyaml's parser when PyYAML was built with it (10x faster), with the same safe constructor.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_documents(text: str) -> list[Any]:
    """The documents of `text`: JSON IR by the json module, YAML by libyaml when available.
    Raises yaml.YAMLError for text that is neither."""
    if text.lstrip().startswith("{"):
        try:
            return [json.loads(text)]
        except ValueError:
            pass  # YAML flow style, or broken: the YAML parser says which
    return [d for d in yaml.load_all(text, Loader=_YAML_LOADER) if d is not None]


def read_pipeline_file(path: str | os.PathLike[str]) -> tuple[str, list[Any]]:
    """A compiled pipeline file's text and its documents, parsed but not checked (see
    `checked_pipeline`)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PipelineSpecError(
            f"cannot read pipeline file {str(Path(path))!r}: {exc.strerror or exc}. "
            "Pass the path of a compiled KFP pipeline (.yaml or .json)."
        ) from None
    return text, _parse(text, str(Path(path)))


def peek_containers(documents: list[Any]) -> list[Any]:
    """The containers of the executors in a pipeline's parsed documents, read without any check
    (none when they are not where IR has them): enough to start the task environments while the
    caller imports the engine and `checked_pipeline` checks the spec."""
    try:
        spec = documents[0]
        if "pipelineSpec" in spec and "root" not in spec:
            spec = spec["pipelineSpec"]
        executors = spec["deploymentSpec"]["executors"].values()
        return [e["container"] for e in executors if isinstance(e.get("container"), dict)]
    except Exception:
        return []


def _parse(text: str, source: str) -> list[Any]:
    try:
        return parse_documents(text)
    except yaml.YAMLError as exc:
        raise PipelineSpecError(
            f"{source} is not valid YAML/JSON: {exc}. Compile the pipeline with "
            "kfp.compiler.Compiler().compile(...) and pass the file it writes."
        ) from None


def _from_text(text: str, source: str) -> PipelineIR:
    return checked_pipeline(text, _parse(text, source), source)


def checked_pipeline(text: str, docs: list[Any], source: str) -> PipelineIR:
    """The IR of `text`, parsed into `docs`, once checked against KFP's schema and for dangling
    references and cycles."""
    if not docs or not isinstance(docs[0], dict):
        raise PipelineSpecError(f"{source} holds no pipeline spec (expected a YAML mapping).")
    spec = docs[0]
    if "pipelineSpec" in spec and "root" not in spec:  # a PipelineJob wrapper
        spec = spec["pipelineSpec"]
    platform: IRDict = {}
    for extra in docs[1:]:
        if isinstance(extra, dict):
            platform.update(extra.get("platforms", extra))
    if "platformSpec" in docs[0]:
        platform.update(docs[0]["platformSpec"].get("platforms", {}))
    check_schema(spec, source)
    check_references(spec, source)
    ir = PipelineIR(spec=cast(PipelineSpec, spec), platform=platform, text=text, source=source)
    ir.ignored_settings = _kubernetes_settings(ir)
    return ir


_RESOURCE_NAMES = {
    "cpuLimit": "CPU limits",
    "cpuRequest": "CPU requests",
    "memoryLimit": "memory limits",
    "memoryRequest": "memory requests",
    "resourceCpuLimit": "CPU limits",
    "resourceCpuRequest": "CPU requests",
    "resourceMemoryLimit": "memory limits",
    "resourceMemoryRequest": "memory requests",
    "accelerator": "accelerators",
}


def _kubernetes_settings(ir: PipelineIR) -> list[str]:
    """Names of Kubernetes-only settings in the pipeline, one entry per kind of setting."""
    found: dict[str, None] = {}
    for executor in ir.executors.values():
        for key in executor.get("container", {}).get("resources", {}):
            found[_RESOURCE_NAMES.get(key, f"resource setting {key}")] = None
    kubernetes = ir.platform.get("kubernetes", {})
    for executor in kubernetes.get("deploymentSpec", {}).get("executors", {}).values():
        for key in executor:
            found[f"Kubernetes {key}"] = None
    return list(found)
