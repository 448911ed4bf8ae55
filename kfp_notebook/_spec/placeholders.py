"""Placeholders: container command/args resolved against an executor input (KFP's form), and
the run-time constants (`dsl.PIPELINE_*_PLACEHOLDER`) a task input may be given."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kfp_notebook._errors import PipelineSpecError

__all__ = [
    "WORKSPACE_MOUNT",
    "WORKSPACE_PLACEHOLDER",
    "RunContext",
    "resolve_command",
    "runtime_constant",
]

WORKSPACE_PLACEHOLDER = "{{$.workspace_path}}"  # dsl.WORKSPACE_PATH_PLACEHOLDER
WORKSPACE_MOUNT = "/kfp-workspace"  # where the backend mounts the run's workspace volume


@dataclass(frozen=True)
class RunContext:
    """What a run knows about itself, for the run-time placeholders and task final statuses.

    As on the KFP backend: the job (resource) name is the run's id, which starts with the
    pipeline's name and a dash; the job id is a UUID (derived from the run id, so a resumed run
    keeps it); times are RFC 3339 in UTC, and a run started by hand is scheduled when created."""

    run_id: str
    pipeline_root: str = ""
    created: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    workspace: str = ""  # the run's shared workspace folder (`dsl.WORKSPACE_PATH_PLACEHOLDER`)

    def workspace_path(self) -> str:
        """The run's workspace, made on first use: on the backend a volume per run mounted at
        `/kfp-workspace` in every task that asks for it; here a folder in the run's folder."""
        if not self.workspace:
            raise PipelineSpecError(
                "this run has no workspace folder: dsl.WORKSPACE_PATH_PLACEHOLDER needs a run "
                "recorded in a pipeline root"
            )
        Path(self.workspace).mkdir(parents=True, exist_ok=True)
        return self.workspace

    @property
    def job_uuid(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kfp-notebook:run:{self.run_id}"))

    def task_uuid(self, task_id: str) -> str:
        return str(uuid.uuid5(uuid.UUID(self.job_uuid), task_id))

    @property
    def create_time(self) -> str:
        return self.created.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def runtime_constant(value: Any, context: RunContext, task_name: str, task_id: str) -> Any:
    """A task input's constant with its run-time placeholder filled. Like the backend's driver
    (backend/src/v2/driver/resolve.go, the RuntimeValue case) a placeholder is replaced only when
    it is the whole value. `{{$.pipeline_root}}`, which the driver leaves as it is, becomes the
    run's pipeline root wherever it appears, as in kfp.local (its only meaning here): the local
    folder, or the object-store URI (`s3://...`) of a run whose outputs go there."""
    if not isinstance(value, str):
        return value
    if WORKSPACE_PLACEHOLDER in value or value.startswith(WORKSPACE_MOUNT):
        # the backend's driver replaces the placeholder anywhere in the value with the mount
        # path (backend/src/v2/driver/resolve.go); the mount path is the run's folder here, so
        # a value already under `/kfp-workspace` moves there too, as kfp.local does
        workspace = context.workspace_path()
        value = value.replace(WORKSPACE_PLACEHOLDER, workspace)
        if value.startswith(WORKSPACE_MOUNT):
            value = workspace + value[len(WORKSPACE_MOUNT) :]
    if "{{$." not in value:
        return value
    whole = {
        "{{$.pipeline_job_name}}": context.run_id,
        "{{$.pipeline_job_resource_name}}": context.run_id,
        "{{$.pipeline_job_uuid}}": context.job_uuid,
        "{{$.pipeline_task_name}}": task_name,
        "{{$.pipeline_task_uuid}}": context.task_uuid(task_id),
        "{{$.pipeline_job_create_time_utc}}": context.create_time,
        "{{$.pipeline_job_schedule_time_utc}}": context.create_time,
    }
    if value in whole:
        return whole[value]
    if context.pipeline_root:
        return value.replace("{{$.pipeline_root}}", context.pipeline_root)
    return value


_PLACEHOLDER = re.compile(
    r"\{\{\$(?:\.(inputs|outputs)\.(parameters|artifacts)\['([^']+)'\]"
    r"(?:\.(uri|path|output_file|metadata))?|\.outputs\.output_file)?\}\}"
)
_MOUNTS = {"gs://": "/gcs/", "s3://": "/s3/", "minio://": "/minio/"}


def _local_path(uri: str) -> str:
    for prefix, mount in _MOUNTS.items():
        if uri.startswith(prefix):
            return mount + uri[len(prefix) :]
    return uri


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _lookup(match: re.Match[str], executor_input: Mapping[str, Any], in_concat: bool) -> str:
    """The text of one placeholder. Inside a Concat an input without a value reads `null`, as in
    kfp.local (kfp/local/placeholder_utils.py, resolve_io_placeholders json-dumps the missing
    value, so `prefix-{opt}-suffix` is `prefix-null-suffix`). The backend may differ: its
    launcher (backend/src/v2/component/launcher_v2.go, getPlaceholders) has replacements only
    for the inputs it was given (not checked there for a Concat); kfp.local is followed. Outside
    a Concat an input without a value stays one clear error."""
    side, kind, name, attr = match.groups()
    if side is None:
        if match.group(0) == "{{$}}":
            return json.dumps(executor_input)
        return str(executor_input["outputs"]["outputFile"])
    section = executor_input.get(side, {})
    if side == "inputs" and kind == "parameters":
        values = section.get("parameterValues", {})
        if name not in values and in_concat:
            return "null"
        if name not in values:
            raise PipelineSpecError(
                f"placeholder {match.group(0)} names input {name!r}, which has no value"
            )
        return _text(values[name])
    if side == "outputs" and kind == "parameters":
        return str(section["parameters"][name]["outputFile"])
    artifacts = section.get("artifacts", {}).get(name, {}).get("artifacts", [])
    if not artifacts and in_concat and side == "inputs":
        return "null"
    if not artifacts:
        raise PipelineSpecError(
            f"placeholder {match.group(0)} names artifact {name!r}, which has no value"
        )
    artifact = artifacts[0]
    if attr == "metadata":
        return json.dumps(artifact.get("metadata", {}))
    if attr == "uri":
        return str(artifact["uri"])
    return _local_path(str(artifact["uri"]))


def _present(name: str, executor_input: Mapping[str, Any]) -> bool:
    inputs = executor_input.get("inputs", {})
    return name in inputs.get("parameterValues", {}) or bool(
        inputs.get("artifacts", {}).get(name, {}).get("artifacts")
    )


def _expand(part: Any, executor_input: Mapping[str, Any], in_concat: bool = False) -> list[str]:
    if isinstance(part, str):
        stripped = part.strip()
        if stripped.startswith("{") and ('"Concat"' in stripped or '"IfPresent"' in stripped):
            try:
                return _expand(json.loads(stripped), executor_input, in_concat)
            except ValueError:
                pass
        return [_PLACEHOLDER.sub(lambda m: _lookup(m, executor_input, in_concat), part)]
    if isinstance(part, list):
        return [s for item in part for s in _expand(item, executor_input, in_concat)]
    if isinstance(part, dict) and "Concat" in part:
        return ["".join(s for item in part["Concat"] for s in _expand(item, executor_input, True))]
    if isinstance(part, dict) and "IfPresent" in part:
        spec = part["IfPresent"]
        branch = (
            spec.get("Then") if _present(spec["InputName"], executor_input) else spec.get("Else")
        )
        return [] if branch is None else _expand(branch, executor_input, in_concat)
    raise PipelineSpecError(f"unsupported command part {part!r}")


def resolve_command(parts: Sequence[Any], executor_input: Mapping[str, Any]) -> list[str]:
    """Every placeholder of `parts` replaced; structured ones may expand to several args."""
    return [s for part in parts for s in _expand(part, executor_input)]
