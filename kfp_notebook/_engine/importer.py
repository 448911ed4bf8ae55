"""An importer task (`dsl.importer`): the artifact it names, recorded without running anything.

What it records follows kfp.local (kfp/local/importer_handler.py, `run_importer`):
- the metadata's placeholders (`{{$.inputs.parameters['metadata']}}`, which KFP compiles for
  metadata built from pipeline parameters or upstream outputs, in keys as in values) are
  replaced by the importer task's input parameters as text, a value that is not a string
  written as JSON (`5` becomes `"5"`), as kfp.local's `recursively_resolve_json_dict_placeholders`
  does. The KFP backend records the metadata as compiled, placeholders and all
  (backend/src/v2/component/importer_launcher.go, `ImportSpecToMLMDArtifact`);
- a local path that does not exist is recorded all the same, with a note in the task's log:
  the backend never looks at what the URI names (`ImportSpecToMLMDArtifact` only parses it;
  it reads it only for `download_to_workspace`), nor does kfp.local (`run_importer` checks
  existence only for `download_to_workspace`). We follow the backend: a pipeline may import
  what a later task, or another system, writes there.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kfp_notebook._engine.nodes import Artifacts, Node
from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._spec.types import IRDict

__all__ = ["Imported", "ImporterError", "import_artifact", "resolve_metadata"]

_INPUT = re.compile(r"\{\{\$\.inputs\.parameters\['([^']+)'\]\}\}")
_DEFAULT_OUTPUT = "artifact"  # what KFP's importer node names its one output


class ImporterError(KfpNotebookError):
    """The importer has nothing to import (no URI)."""


@dataclass
class Imported:
    """The importer's one output artifact, and notes for the task's log."""

    artifacts: Artifacts
    notes: list[str] = field(default_factory=list)


def import_artifact(node: Node, params: IRDict, importer: IRDict) -> Imported:
    """The artifact `importer` (the executor's importer spec) names, given the task's input
    parameters; raises ImporterError when it names no URI."""
    uri = _uri(params, importer.get("artifactUri", {}))
    if not uri:
        raise ImporterError(f"importer {node.name!r} got no artifact URI.")
    notes: list[str] = []
    if "://" not in uri:
        path = Path(uri).expanduser().resolve()
        uri = str(path)
        if not path.exists():  # recorded anyway: see the module's docstring
            notes.append(
                f"importer {node.name!r}: {uri} does not exist (yet); the artifact is recorded "
                "with this URI all the same, as the KFP backend does."
            )
    declared = node.component.get("outputDefinitions", {}).get("artifacts", {})
    name = next(iter(declared), _DEFAULT_OUTPUT)
    artifact = {
        "name": name,  # `artifact`, as kfp.local's `run_importer` names it
        "uri": uri,
        "metadata": resolve_metadata(importer.get("metadata", {}), params),
        "type": importer.get("typeSchema", {"schemaTitle": "system.Artifact"}),
    }
    return Imported({name: [artifact]}, notes)


def resolve_metadata(value: Any, params: IRDict) -> Any:
    """`value` with every input placeholder, in keys and values at any depth, replaced by the
    parameter's value as text; a placeholder of an unknown input stays as it is."""
    if isinstance(value, str):
        return _INPUT.sub(lambda m: _text(params, m), value)
    if isinstance(value, list):
        return [resolve_metadata(v, params) for v in value]
    if isinstance(value, dict):
        return {
            str(resolve_metadata(k, params)): resolve_metadata(v, params) for k, v in value.items()
        }
    return value


def _text(params: IRDict, match: re.Match[str]) -> str:
    if match.group(1) not in params:
        return match.group(0)
    value = params[match.group(1)]
    return value if isinstance(value, str) else json.dumps(value)


def _uri(params: IRDict, source: IRDict) -> str:
    if "runtimeParameter" in source:
        uri = params.get(source["runtimeParameter"])
    else:
        uri = source.get("constant")
    if isinstance(uri, dict):
        uri = uri.get("stringValue")
    return uri if isinstance(uri, str) else ""
