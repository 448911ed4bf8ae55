"""Recognizing a lightweight Python component in IR and taking its parts out of the
`sh -c 'pip install ...' sh -ec '... executor_main ...' SOURCE` command KFP compiles."""

from __future__ import annotations

import hashlib
import shlex
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["LightweightCommand", "parse_lightweight", "write_component_module"]

_OPTIONS_WITH_VALUE = {
    "--index-url",
    "-i",
    "--extra-index-url",
    "--trusted-host",
    "-f",
    "--find-links",
}


@dataclass(frozen=True)
class LightweightCommand:
    source: str
    function_name: str
    packages: tuple[str, ...]
    kfp_requirement: str | None
    index_urls: tuple[str, ...]
    trusted_hosts: tuple[str, ...]
    image: str


def _pip_segments(script: str) -> list[list[str]]:
    segments = []
    for line in script.split("&&"):
        if "pip install" in line:
            try:
                segments.append(shlex.split(line.split("pip install", 1)[1]))
            except ValueError:
                continue
    return segments


def parse_lightweight(container: Mapping[str, Any]) -> LightweightCommand | None:
    """The parts of a lightweight component, or None for any other container."""
    command = [str(c) for c in container.get("command", [])]
    args = [str(a) for a in container.get("args", [])]
    launcher = next(
        (
            i
            for i, c in enumerate(command)
            if "kfp.dsl.executor_main" in c and "ephemeral_component.py" in c
        ),
        None,
    )
    if launcher is None or launcher + 1 >= len(command) or "--function_to_execute" not in args:
        return None
    function = args[args.index("--function_to_execute") + 1]
    packages: list[str] = []
    kfp_requirement: str | None = None
    index_urls: list[str] = []
    hosts: list[str] = []
    for script in command[:launcher]:
        for tokens in _pip_segments(script):
            it = iter(tokens)
            for token in it:
                if token in _OPTIONS_WITH_VALUE:
                    value = next(it, "")
                    if token in ("--index-url", "-i", "--extra-index-url"):
                        index_urls.append(value)
                    elif token == "--trusted-host":
                        hosts.append(_host(value))
                elif token.startswith("-") or token.startswith('"$0"') or token == "$0":
                    continue
                elif token.replace(" ", "").lower().startswith(("kfp==", "kfp>", "kfp<")) or (
                    token.strip().lower() == "kfp"
                ):
                    kfp_requirement = token
                else:
                    packages.append(token)
    return LightweightCommand(
        source=command[launcher + 1],
        function_name=function,
        packages=tuple(packages),
        kfp_requirement=kfp_requirement,
        index_urls=tuple(dict.fromkeys(index_urls)),
        trusted_hosts=tuple(dict.fromkeys(hosts)),
        image=str(container.get("image", "")),
    )


def _host(value: str) -> str:
    """KFP writes whole index URLs after --trusted-host; installers want `host[:port]`."""
    return urlsplit(value).netloc if "://" in value else value


def write_component_module(run_dir: Path, command: LightweightCommand) -> Path:
    """The component's source as a module file in the run folder, written once per content."""
    digest = hashlib.sha256(command.source.encode()).hexdigest()[:16]
    path = run_dir / ".components" / f"{command.function_name}_{digest}.py"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{threading.get_ident()}")
        tmp.write_text(command.source, encoding="utf-8")
        tmp.replace(path)
    return path
