"""What a task environment is: an `EnvSpec` (python version, requirement set, index urls) made
from a component's packages_to_install: PEP 503 names, markers evaluated for the target python,
one entry per package, conflicting pins refused, local folders and archives by absolute path and
content. Its `key` names the cached env (or the derived image). Also: the kfp a lightweight
command runs with, and whether this interpreter already has what a command needs (no venv)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.markers import Marker
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
    local_digests: tuple[str, ...] = ()  # `sha256:<hex> <requirement>` of local ones
    local_projects: tuple[str, ...] = ()  # names of local folders ("" unknown): built afresh

    @property
    def key(self) -> str:
        fields = {k: v for k, v in asdict(self).items() if v or not k.startswith("local_")}
        blob = json.dumps(fields, sort_keys=True).encode()  # index-only keys stay as they were
        return hashlib.sha256(blob).hexdigest()[:16]


_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")
_SKIPPED = {".git", ".hg", ".svn", "__pycache__", "build", "dist", ".venv", "venv", ".tox",
            ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints",
            "node_modules"}  # fmt: skip


@dataclass(frozen=True)
class _Local:
    requirement: str  # what the installer gets: an absolute path, or `name @ file:///...`
    path: Path
    name: str | None  # the project's name, when the requirement or the project says it
    marker: Marker | None = None


def _local(text: str, where: str) -> _Local | None:
    """The local folder or archive `text` names, checked; None for any other requirement."""
    text = text.strip()
    try:
        req: Requirement | None = Requirement(text)
    except InvalidRequirement:
        req = None
    if req is not None and req.url is not None:  # `name @ URL`: local when a file: URL
        if not req.url.startswith("file:"):
            return None
        path = _checked(_url_path(req.url), text, where)
        extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
        name = canonicalize_name(req.name)
        return _Local(f"{name}{extras} @ {path.as_uri()}", path, name, req.marker)
    if req is not None and not text.lower().endswith(_ARCHIVES):  # `x-1.0.whl` parses as a name
        return None
    if req is None and not text.startswith(("file:", ".", "~")) and "/" not in text:
        return None
    path = _checked(_url_path(text) if text.startswith("file:") else text, text, where)
    return _Local(str(path), path, _project_name(path))


def _url_path(url: str) -> str:
    parts = urlsplit(url)
    return unquote(("" if parts.netloc in ("", "localhost") else f"//{parts.netloc}") + parts.path)


def _checked(raw: str, text: str, where: str) -> Path:
    # A relative path is resolved against the current directory, as pip resolves it when run
    # from here (a notebook's folder, or where `kfp-notebook run` was started).
    path = Path(os.path.abspath(os.path.expanduser(raw)))
    said = "" if str(path) == text else f" ({text!r}, from {os.getcwd()})"
    if not path.exists():
        problem = "does not exist"
    elif path.is_dir() and not any((path / f).is_file() for f in ("pyproject.toml", "setup.py")):
        problem = "is a folder with no pyproject.toml or setup.py, not a Python project"
    elif not path.is_dir() and not path.name.lower().endswith(_ARCHIVES):
        problem = "is neither a project folder nor a wheel or sdist"
    else:
        return path
    fix = "Fix the path in packages_to_install (or kfp_package_path)."
    raise EnvironmentBuildError(f"{where}: {path}{said} {problem}. {fix}")


def _project_name(path: Path) -> str | None:
    """The name a wheel's or sdist's file name, or a project folder's metadata, gives."""
    if path.is_file():
        head = re.match(r"([A-Za-z0-9][A-Za-z0-9._]*?)-\d", path.name)
        return canonicalize_name(head.group(1)) if head else None
    patterns = (
        ("pyproject.toml", r"(?ms)^\[project\][^\[]*?^name\s*=\s*[\"']([^\"']+)"),
        ("setup.cfg", r"(?ms)^\[metadata\][^\[]*?^name\s*=\s*([^\s#]+)"),
        ("setup.py", r"\bname\s*=\s*[\"']([^\"']+)[\"']"),
    )
    for file, pattern in patterns:
        if (path / file).is_file():
            found = re.search(pattern, (path / file).read_text("utf-8", errors="replace"))
            if found:
                return canonicalize_name(found.group(1))
    return None


def _digest(path: Path) -> str:
    """An archive's bytes' sha256; for a folder, one over its files' paths, sizes and mtimes
    (not _SKIPPED: VCS data, caches, build output, envs): it changes when the project does."""
    digest = hashlib.sha256()
    if path.is_file():
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED and not d.endswith(".egg-info"))
        for name in sorted(files):
            stat = os.lstat(os.path.join(folder, name))  # a link's own: it may dangle
            rel = Path(folder, name).relative_to(path).as_posix()
            digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _normalize(
    texts: Sequence[str], python_version: str, where: str
) -> tuple[tuple[str, ...], list[_Local]]:
    """PEP 503 names, markers evaluated for the target python, one entry per package; then
    local folders and archives, by absolute path."""
    merged: dict[str, Requirement] = {}
    local: dict[str, _Local] = {}
    env = {"python_version": python_version}
    for text in texts:
        found = _local(text, where)
        if found is not None:
            if found.marker is None or found.marker.evaluate(env):
                local.setdefault(found.requirement, found)
            continue
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise EnvironmentBuildError(
                f"{text!r} is not a valid requirement ({exc}). Fix packages_to_install."
            ) from None
        if req.marker is not None and not req.marker.evaluate(env):
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
    ordered = sorted(local)
    plain = tuple(sorted(str(r) for r in merged.values()))
    return plain + tuple(ordered), [local[k] for k in ordered]


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
    where: str = "packages_to_install",
) -> EnvSpec:
    """`where` names the task in the errors about its requirements."""
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if python != sys.executable:
        script = "import sys; print('%d.%d' % sys.version_info[:2])"
        out = subprocess.run([python, "-c", script], capture_output=True, text=True, check=True)
        version = out.stdout.strip()
    requirements, local = _normalize(packages, version, where)
    pinned, pinned_local = _normalize(no_deps, version, where)
    by_name = {n: r for r in requirements if (n := requirement_name(r))}  # bare paths: None
    for req in pinned:
        other = by_name.get(requirement_name(req) or "")
        if other is not None:
            _check_compatible(Requirement(req), Requirement(other))
    sources = local + pinned_local
    return EnvSpec(
        version,
        requirements,
        pinned,
        tuple(dict.fromkeys(index_urls)),
        tuple(dict.fromkeys(trusted_hosts)),
        tuple(f"sha256:{_digest(s.path)} {s.requirement}" for s in sources),
        tuple(s.name or "" for s in sources if s.path.is_dir()),
    )


def kfp_requirement(command: LightweightCommand) -> str:
    """The kfp the component asked for, else the one installed here."""
    if command.kfp_requirement:
        return command.kfp_requirement
    from importlib import metadata  # imported when used: it costs more than the rest here

    return f"kfp=={metadata.version('kfp')}"


def command_env_spec(command: LightweightCommand) -> EnvSpec:
    """The environment a lightweight command runs in: its packages, and kfp without deps (a
    local kfp, as kfp_package_path gives, too, as KFP installs it). Errors name the task by the
    name KFP gives the component's task unless renamed."""
    where = f"task {re.sub(r'[^-0-9a-z]+', '-', command.function_name.lower()).strip('-')!r}"
    packages, kfp = list(command.packages), command.kfp_requirement
    if kfp is None:
        for text in command.packages:
            found = _local(text, where)
            if found is not None and found.name == "kfp":
                packages.remove(text)
                kfp = text
                break
    return make_env_spec(
        packages,
        no_deps=[kfp or kfp_requirement(command)],
        index_urls=command.index_urls,
        trusted_hosts=command.trusted_hosts,
        where=where,
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
        found = _local(text, f"task {task_name!r}")
        if found is not None:  # installed here under its name, if the name is known
            if found.name is None or (found.marker and not found.marker.evaluate()):
                continue
            text = found.name
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
