"""A digest per component of a recorded run, read from its `pipeline.yaml`: the hash of what the
component's executor runs (container image, command and args, which for a lightweight Python
component hold its source and its packages; an importer's spec). Two runs whose digests for a
component differ ran different code or packages."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

__all__ = ["component_digests", "spec_digests"]

_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def component_digests(
    pipeline_yaml: Path, resolve: Callable[[str], Path | None] | None = None
) -> dict[str, str]:
    """Component name (`comp-train`) -> 12-hex digest; {} when the file is missing or unreadable.
    `resolve` confines the file (the server's rule); None reads it where it is."""
    path = resolve(str(pipeline_yaml)) if resolve is not None else pipeline_yaml
    if path is None:
        return {}
    try:
        stat = path.stat()
    except OSError:
        return {}
    return dict(_digests(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=64)
def _digests(path: str, mtime_ns: int, size: int) -> tuple[tuple[str, str], ...]:
    """Cached by the file's identity: a run folder's pipeline.yaml is written once."""
    try:
        with open(path, encoding="utf-8") as f:
            spec = next(yaml.load_all(f, Loader=_SafeLoader), None)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return ()
    return tuple(spec_digests(spec).items()) if isinstance(spec, dict) else ()


def spec_digests(spec: dict[str, Any]) -> dict[str, str]:
    """Component name -> digest, of a PipelineSpec already parsed (a cluster run's, say)."""
    components = spec.get("components") or {}
    executors = (spec.get("deploymentSpec") or {}).get("executors") or {}
    out: dict[str, str] = {}
    for name, component in components.items():
        label = component.get("executorLabel") if isinstance(component, dict) else None
        executor = executors.get(label) if label else None
        if not isinstance(executor, dict):
            continue
        what = executor.get("container") or executor.get("importer") or executor
        if isinstance(what, dict) and "image" in what:
            what = {k: what.get(k) for k in ("image", "command", "args")}
        text = json.dumps(what, sort_keys=True, default=str)
        out[str(name)] = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return out
