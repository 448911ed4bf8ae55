"""Which pipeline roots the server shows, and confinement of every file it touches to one of them.

A root is addressed by an opaque id (a hash of its resolved path), never by a path from the
request. Paths that do come from a request (a run id, a file inside a folder artifact) and paths
read from the index (artifact URIs) are resolved through symlinks and must land inside the root.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kfp_notebook._store.roots import known_roots

__all__ = [
    "PathRefused",
    "Root",
    "confine",
    "confine_uri",
    "find_root",
    "list_roots",
    "ordered_for",
    "root_label",
]


class PathRefused(Exception):
    """A request named a path outside its root (or a malformed one): answered with 403."""


@dataclass(frozen=True)
class Root:
    id: str
    path: Path

    @property
    def exists(self) -> bool:
        return self.path.is_dir()


def root_id(path: Path) -> str:
    return hashlib.sha256(str(path).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def list_roots(extra: Iterable[str | os.PathLike[str]] = (), registry: bool = True) -> list[Root]:
    """The registered roots that still exist (every root `init` or the CLI used here) plus the
    configured ones (shown even when missing), each once."""
    registered = [p for p in known_roots() if p.is_dir()] if registry else []
    seen: dict[Path, None] = {}
    for p in [*registered, *(Path(q).expanduser() for q in extra)]:
        seen.setdefault(Path(os.path.realpath(p)), None)
    return [Root(root_id(p), p) for p in seen]


def root_label(path: Path, server_root: Path | None) -> str:
    """A readable name: relative to the server's folder when under it ("." for the folder
    itself), `~`-abbreviated under the home folder, absolute otherwise."""
    if server_root is not None and path.is_relative_to(server_root):
        return str(path.relative_to(server_root))
    home = Path(os.path.realpath(Path.home()))
    if path.is_relative_to(home):
        return "~/" + str(path.relative_to(home)) if path != home else "~"
    return str(path)


def ordered_for(roots: list[Root], server_root: Path | None) -> list[Root]:
    """The server folder's own roots first, then the others, each group by label."""

    def key(root: Root) -> tuple[bool, str]:
        inside = server_root is not None and root.path.is_relative_to(server_root)
        return (not inside, root_label(root.path, server_root))

    return sorted(roots, key=key)


def find_root(rid: str, roots: list[Root]) -> Root | None:
    return next((r for r in roots if r.id == rid), None)


def _check_relative(part: str) -> PurePosixPath:
    if "\x00" in part:
        raise PathRefused("a path may not contain NUL bytes")
    if "\\" in part:
        raise PathRefused("a path may not contain backslashes")
    pure = PurePosixPath(part)
    if pure.is_absolute():
        raise PathRefused("absolute paths are refused; give a path relative to the artifact")
    if ".." in pure.parts:
        raise PathRefused("'..' is refused in paths")
    return pure


def _inside(path: Path, root: Path) -> Path:
    """`path` resolved (it must exist) if it stays below `root` (resolved); else PathRefused."""
    try:
        real_root = root.resolve(strict=True)
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # missing file, symlink loop
        raise FileNotFoundError(str(path)) from exc
    if not real.is_relative_to(real_root):
        raise PathRefused("the path leads outside the pipeline root")
    return real


def confine(base: Path, *parts: str, root: Path | None = None) -> Path:
    """`base/parts...`, resolved, refusing NUL, absolute parts, `..` and any escape from `root`
    (default: `base`) through symlinks or sibling folders sharing a name prefix.
    Raises PathRefused, or FileNotFoundError when the target does not exist."""
    joined = base.joinpath(*(_check_relative(p) for p in parts if p != ""))
    return _inside(joined, root if root is not None else base)


def confine_uri(uri: str, root: Path) -> Path:
    """The local file an artifact URI names, if it lies inside `root`. Remote URIs (gs://, s3://,
    ...) are refused: the server only serves what this machine's pipeline root holds."""
    if "\x00" in uri:
        raise PathRefused("a path may not contain NUL bytes")
    path = uri[len("file://") :] if uri.startswith("file://") else uri
    if "://" in path or not os.path.isabs(path):
        raise PathRefused(f"{uri} is not a local file of this pipeline root")
    return _inside(Path(path), root)
