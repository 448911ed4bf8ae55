"""Containers parsed once: a task's lightweight command and the digest that keys its
environment, remembered per container object (a pipeline's IR is loaded once per run and a
called component's once per component, so every task of it hands in the same dict)."""

from __future__ import annotations

import hashlib
import json
import threading

from kfp_notebook._spec.lightweight import LightweightCommand, parse_lightweight
from kfp_notebook._spec.types import ContainerSpec

__all__ = ["ParsedContainers", "digest"]

_KEPT = 256


def digest(container: ContainerSpec) -> str:
    return hashlib.sha256(json.dumps(container, sort_keys=True).encode()).hexdigest()


class ParsedContainers:
    """`get(container)` -> (its lightweight command or None, its digest), parsed once."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[ContainerSpec, LightweightCommand | None, str]] = {}
        self._lock = threading.Lock()

    def get(self, container: ContainerSpec) -> tuple[LightweightCommand | None, str]:
        with self._lock:
            known = self._by_id.get(id(container))
        if known is not None and known[0] is container:  # the object itself is kept: no id reuse
            return known[1], known[2]
        command, key = parse_lightweight(container), digest(container)
        with self._lock:
            if len(self._by_id) >= _KEPT:
                self._by_id.clear()
            self._by_id[id(container)] = (container, command, key)
        return command, key
