"""What a task environment is: an `EnvSpec` (python version, requirement set, index urls) made
from a component's packages_to_install, with PEP 503 names, markers evaluated for the target
python, one entry per package and conflicting pins refused. Its `key` names the cached env (or
the derived image). Also: the kfp a lightweight command runs with, and whether this interpreter
already has what a command needs (use_venv=False)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from kfp_notebook._errors import EnvironmentBuildError
from kfp_notebook._spec.lightweight import LightweightCommand

__all__ = [
    "EnvSpec",
    "check_installed",
    "command_env_spec",
    "kfp_requirement",
    "make_env_spec",
    "requirement_name",
]


@dataclass(frozen=True)
class EnvSpec:
    python_version: str
    requirements: tuple[str, ...]
    no_deps_requirements: tuple[str, ...]
    index_urls: tuple[str, ...]
    trusted_hosts: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        blob = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _normalize(texts: Sequence[str], python_version: str) -> tuple[str, ...]:
    """PEP 503 names, markers evaluated for the target python, one entry per package."""
    merged: dict[str, Requirement] = {}
    for text in texts:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise EnvironmentBuildError(
                f"{text!r} is not a valid requirement ({exc}). Fix packages_to_install."
            ) from None
        if req.marker is not None and not req.marker.evaluate({"python_version": python_version}):
            continue
        req.marker = None
        req.name = canonicalize_name(req.name)
        known = merged.get(req.name)
        if known is not None:
            _check_compatible(known, req)
            known.specifier &= req.specifier
            known.extras |= req.extras
        else:
            merged[req.name] = req
    return tuple(sorted(str(r) for r in merged.values()))


def _check_compatible(a: Requirement, b: Requirement) -> None:
    for pinned, other in ((a, b), (b, a)):
        pins = [s.version for s in pinned.specifier if s.operator == "=="]
        for version in pins:
            if "*" not in version and not other.specifier.contains(version, prereleases=True):
                raise EnvironmentBuildError(
                    f"conflicting requirements for {a.name}: {str(a)!r} and {str(b)!r} cannot "
                    "both hold in one environment. Keep one of them in packages_to_install."
                )


def make_env_spec(
    packages: Sequence[str],
    *,
    no_deps: Sequence[str] = (),
    index_urls: Sequence[str] = (),
    trusted_hosts: Sequence[str] = (),
    python: str = sys.executable,
) -> EnvSpec:
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if python != sys.executable:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        )
        version = out.stdout.strip()
    requirements = _normalize(packages, version)
    pinned = _normalize(no_deps, version)
    for req in pinned:
        name = canonicalize_name(Requirement(req).name)
        for other in requirements:
            if canonicalize_name(Requirement(other).name) == name:
                _check_compatible(Requirement(req), Requirement(other))
    return EnvSpec(
        version,
        requirements,
        pinned,
        tuple(dict.fromkeys(index_urls)),
        tuple(dict.fromkeys(trusted_hosts)),
    )


def kfp_requirement(command: LightweightCommand) -> str:
    """The kfp the component asked for, else the one installed here."""
    if command.kfp_requirement:
        return command.kfp_requirement
    from importlib import metadata  # imported when used: it costs more than the rest here

    return f"kfp=={metadata.version('kfp')}"


def command_env_spec(command: LightweightCommand) -> EnvSpec:
    """The environment a lightweight command runs in: its packages, and kfp without deps."""
    return make_env_spec(
        command.packages,
        no_deps=[kfp_requirement(command)],
        index_urls=command.index_urls,
        trusted_hosts=command.trusted_hosts,
    )


def requirement_name(text: str) -> str | None:
    try:
        return Requirement(text).name
    except InvalidRequirement:
        return None


def check_installed(command: LightweightCommand, task_name: str) -> None:
    """Refuse, naming what is missing, when this interpreter lacks a package the task needs."""
    from importlib import metadata

    missing = []
    for text in command.packages:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            raise EnvironmentBuildError(
                f"task {task_name!r}: {text!r} is not a valid requirement."
            ) from None
        if req.marker is not None and not req.marker.evaluate():
            continue
        try:
            version = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            missing.append(text)
            continue
        if req.specifier and not req.specifier.contains(version, prereleases=True):
            missing.append(f"{text} (found {version})")
    if missing:
        raise EnvironmentBuildError(
            f"task {task_name!r} needs {', '.join(missing)}, which this interpreter "
            f"({sys.executable}) does not have. With use_venv=False tasks run in this "
            "interpreter: install them here, or use the default use_venv=True to get a "
            "cached environment per requirement set."
        )
