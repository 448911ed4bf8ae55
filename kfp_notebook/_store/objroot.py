"""Object-store pipeline roots (`s3://bucket/prefix`, `minio://bucket/prefix`, `gs://...`):
parsing, where such a root's local part lives, and the bucket key of a task's output.

A run on an object root keeps its record (run folder, index, logs) local, under
`$KFP_NOTEBOOK_HOME/object-roots/<scheme>/<bucket>/<prefix>`; its artifacts go to the bucket at
the key KFP's backend gives an output (`GenerateOutputURI`, kubeflow/pipelines `backend/src/v2`):

    <prefix>/<pipeline-name>/<run-id>/<task-folder>/<salt>/<output-name>

The salt is derived from the run and the task, so a local artifact path maps to its key and a
key back to the local path without a table.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kfp_notebook._errors import PipelineInputError
from kfp_notebook._store.layout import check_run_id, task_dir_name
from kfp_notebook._store.roots import state_home

__all__ = [
    "EXECUTOR_LOGS",
    "LOG_NOT_UPLOADED",
    "SCHEMES",
    "ObjectRoot",
    "ObjectRootError",
    "cache_path",
    "executor_logs_key",
    "is_object_uri",
    "key_to_local",
    "local_to_key",
    "output_salt",
    "parse_object_root",
    "resolve_root",
    "split_uri",
    "task_key",
]

SCHEMES = ("s3", "minio", "gs")
_URI = re.compile(r"^([a-z][a-z0-9+.-]*)://([^/]*)(/.*)?$")
# the output KFP's driver adds to every container task when logs are published (the default):
# the launcher tees the executor's output into it and uploads it, even when the task fails
# (backend/src/v2/driver/driver.go, component/launcher_v2.go)
EXECUTOR_LOGS = "executor-logs"
LOG_NOT_UPLOADED = "its log was not uploaded"  # in a task's message: no executor-logs then
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$")


class ObjectRootError(PipelineInputError):
    """A pipeline root or artifact URI on an object store that cannot be used as given."""


@dataclass(frozen=True)
class ObjectRoot:
    scheme: str
    bucket: str
    prefix: str  # no leading or trailing slash; may be empty

    @property
    def uri(self) -> str:
        return f"{self.scheme}://{self.bucket}" + (f"/{self.prefix}" if self.prefix else "")

    def local_root(self) -> Path:
        """The local part of this root: run folders and the index, as for a local root."""
        base = state_home() / "object-roots" / self.scheme / self.bucket
        return base.joinpath(*self.prefix.split("/")) if self.prefix else base

    def key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def uri_of(self, key: str) -> str:
        return f"{self.scheme}://{self.bucket}/{key}"

    def __str__(self) -> str:
        return self.uri


def is_object_uri(text: str | os.PathLike[str]) -> bool:
    match = _URI.match(os.fspath(text))
    return match is not None and match.group(1) in SCHEMES


def split_uri(uri: str) -> tuple[str, str, str]:
    """(scheme, bucket, key) of an object URI; ObjectRootError for anything else."""
    match = _URI.match(uri)
    if match is None or match.group(1) not in SCHEMES:
        raise ObjectRootError(
            f"{uri!r} is not an object-store URI: use s3://BUCKET/PREFIX, minio://BUCKET/PREFIX"
            " or gs://BUCKET/PREFIX"
        )
    scheme, bucket, rest = match.group(1), match.group(2), (match.group(3) or "")
    if not _BUCKET.match(bucket):
        raise ObjectRootError(
            f"{uri!r} names no usable bucket ({bucket!r}): a bucket name is 3 to 63 lowercase"
            " letters, digits, dots or dashes, e.g. s3://mlpipeline/v2/artifacts"
        )
    parts = [p for p in rest.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise ObjectRootError(f"{uri!r}: a key may not contain . or .. parts")
    return scheme, bucket, "/".join(parts)


def parse_object_root(text: str | os.PathLike[str]) -> ObjectRoot | None:
    """The object root `text` names, None for a local path; ObjectRootError for a URI of an
    unknown scheme or without a bucket."""
    raw = os.fspath(text)
    match = _URI.match(raw)
    if match is None:
        return None
    if match.group(1) == "file":
        return None
    scheme, bucket, prefix = split_uri(raw)
    return ObjectRoot(scheme, bucket, prefix)


def resolve_root(text: str | os.PathLike[str]) -> Path:
    """The local folder of a pipeline root: the path itself, or an object root's local part."""
    root = parse_object_root(text)
    if root is not None:
        return root.local_root()
    return Path(os.fspath(text).removeprefix("file://")).expanduser()


def output_salt(run_id: str, task_id: str) -> str:
    """The key part that keeps an execution's outputs apart (KFP's is per pod)."""
    return hashlib.sha256(f"{run_id}\0{task_id}".encode()).hexdigest()[:12]


def local_to_key(
    root: ObjectRoot,
    local: Path,
    local_root: Path,
    pipeline_name: str,
    run_id: str,
    task_id: str,
) -> str:
    """The bucket key of `local`, an output of task `task_id` of run `run_id` recorded under
    `local_root` (a path in the task's folder; another path keeps only its name)."""
    task_folder = local_root / check_run_id(run_id) / task_dir_name(task_id)
    try:
        inside = PurePosixPath(local.resolve().relative_to(task_folder.resolve()).as_posix())
    except ValueError:
        inside = PurePosixPath(local.name)
    return task_key(root, pipeline_name, run_id, task_id, str(inside))


def task_key(root: ObjectRoot, pipeline_name: str, run_id: str, task_id: str, name: str) -> str:
    """The bucket key of output `name` of task `task_id` (`name` may hold a path inside it)."""
    stem = _pipeline_part(pipeline_name)
    return root.key(stem, run_id, task_dir_name(task_id), output_salt(run_id, task_id), name)


def executor_logs_key(
    root: ObjectRoot, pipeline_name: str, run_id: str, task_id: str, attempt: int
) -> str:
    """Where a task's log goes: `executor-logs-<retry index>`, as the launcher qualifies it per
    attempt (attempt 1 is retry 0)."""
    name = f"{EXECUTOR_LOGS}-{max(attempt, 1) - 1}"
    return task_key(root, pipeline_name, run_id, task_id, name)


def key_to_local(root: ObjectRoot, key: str, local_root: Path | None = None) -> Path:
    """Where the output with bucket key `key` was written below `local_root` (default: the
    root's local part); the inverse of `local_to_key`: the pipeline name and the salt drop
    out."""
    rest = key.removeprefix(root.prefix + "/") if root.prefix else key
    parts = rest.split("/")
    if len(parts) < 5 or (root.prefix and not key.startswith(root.prefix + "/")):
        raise ObjectRootError(f"key {key!r} is not an output key of {root.uri}")
    run_id, task, name = parts[1], parts[2:-2], parts[-1]
    base = root.local_root() if local_root is None else local_root
    return base.joinpath(check_run_id(run_id), *task, name)


def cache_path(uri: str) -> Path:
    """Where a downloaded object (or folder of objects) is kept, by scheme, bucket and key."""
    scheme, bucket, key = split_uri(uri)
    return state_home().joinpath("object-cache", scheme, bucket, *key.split("/"))


def _pipeline_part(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "pipeline"
