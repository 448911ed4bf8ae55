"""What a task must leave behind to count as SUCCEEDED, and where it writes artifacts meanwhile.

- Output artifacts are written under `<task folder>/.partial/<name>` and moved to their final
  path `<task folder>/<name>` only once the task has succeeded and its outputs are checked, so a
  half-written artifact of a failed, cancelled or killed task never sits at its final path under
  its final name: whatever is under `.partial/` is incomplete. A uri the component changed
  within `.partial/` (KFP code often does `report.uri += ".html"`) moves the same way.
- The backend's rule (kubeflow/pipelines `backend/src/v2/component/launcher_v2.go`,
  `collectOutputParameters` and `getExecutorOutputFile`): an executor output file that is there
  must parse, and every declared output parameter missing from it must be readable from its
  output file, or the task fails, whatever its exit status.
- For a task run by KFP's Python executor (`kfp.dsl.executor_main`), which writes the executor
  output file last, after the function returned: no such file means the function never
  returned (a `sys.exit(0)` in its middle), so its artifacts are incomplete.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from kfp_notebook._engine.nodes import Artifacts, Node
from kfp_notebook._spec.types import ContainerSpec, IRDict
from kfp_notebook._store.layout import PARTIAL_DIR

__all__ = [
    "clear_outputs",
    "missing_outputs",
    "publish_artifacts",
    "stage_artifacts",
]


def stage_artifacts(executor_input: IRDict) -> dict[str, str]:
    """Point each output artifact at its staging path; returns staged uri -> final uri."""
    staged: dict[str, str] = {}
    for spec in executor_input["outputs"].get("artifacts", {}).values():
        for art in spec["artifacts"]:
            final = Path(art["uri"])
            if "://" in art["uri"] or final.parent.name == PARTIAL_DIR:
                continue
            temp = final.parent / PARTIAL_DIR / final.name
            art["uri"] = str(temp)
            staged[str(temp)] = str(final)
    return staged


def clear_outputs(executor_input: IRDict, staged: dict[str, str]) -> None:
    """No half-written output of an earlier attempt may pass for this attempt's."""
    outputs = executor_input["outputs"]
    Path(outputs["outputFile"]).unlink(missing_ok=True)
    for spec in outputs.get("parameters", {}).values():
        Path(spec["outputFile"]).unlink(missing_ok=True)
    # the whole staging folder: an earlier attempt may have written under names of its own
    for staging in {Path(temp).parent for temp in staged}:
        if staging.is_dir() and not staging.is_symlink():
            shutil.rmtree(staging)
        staging.mkdir(parents=True, exist_ok=True)


def missing_outputs(
    node: Node, container: ContainerSpec, executor_input: IRDict, params: IRDict | None
) -> list[str]:
    """What a task that exited 0 failed to produce, in words; empty when all is there.
    `params` is what was read back (None: the executor output could not be read at all)."""
    problems: list[str] = []
    output_file = Path(executor_input["outputs"]["outputFile"])
    if output_file.exists():
        text = output_file.read_text(encoding="utf-8", errors="replace")
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            state = "empty" if not text.strip() else "truncated or not a JSON object"
            problems.append(f"its executor output {output_file.name} is {state}")
    elif _runs_kfp_executor(container) and "CLUSTER_SPEC" not in os.environ:
        problems.append(
            f"KFP's executor never wrote {output_file.name} (the function did not return: "
            "it exited in its middle)"
        )
    declared = node.component.get("outputDefinitions", {})
    got = params or {}
    absent = [f"parameter {n!r}" for n in declared.get("parameters", {}) if n not in got]
    if problems and declared.get("artifacts"):
        absent += [f"artifact {n!r} (incomplete)" for n in declared["artifacts"]]
    if absent:
        problems.append("missing outputs: " + ", ".join(absent))
    return problems


def _final_of(uri: str, staged: dict[str, str]) -> str | None:
    """Where a staged artifact goes: its planned final path, or, when the component changed
    its uri (`report.uri += ".html"`, another name) to somewhere under the staging folder, the
    same place under the task folder. None for a uri outside staging (left, and recorded, as
    the component set it: a cluster's launcher uploads whatever path it names)."""
    if uri in staged:
        return staged[uri]
    path = Path(uri)
    for temp in staged:
        staging = Path(temp).parent
        if path.is_relative_to(staging) and path != staging:
            return str(staging.parent / path.relative_to(staging))
    return None


def publish_artifacts(artifacts: Artifacts, staged: dict[str, str]) -> None:
    """Move each staged artifact to its final path and point its uri there."""
    for arts in artifacts.values():
        for art in arts:
            final = _final_of(art.get("uri", ""), staged)
            if final is None:
                continue
            temp = Path(art["uri"])
            if os.path.lexists(temp):
                target = Path(final)
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                elif os.path.lexists(target):
                    target.unlink()
                os.replace(temp, target)
            art["uri"] = final


def _runs_kfp_executor(container: ContainerSpec) -> bool:
    words = [*container.get("command", []), *container.get("args", [])]
    return any("kfp.dsl.executor_main" in str(w) for w in words)
