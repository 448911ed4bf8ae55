"""Cached task environments: one virtualenv per `EnvSpec` (env_spec.py), built once under a
cross-process lock with a completion marker written last, reused everywhere; listing and gc."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from kfp_notebook._errors import EnvironmentBuildError
from kfp_notebook.executors.subprocess.build_steps import BuildCancelled, held, run_step
from kfp_notebook.executors.subprocess.env_spec import EnvSpec

__all__ = ["BuildCancelled", "EnvInfo", "EnvironmentManager"]

MARKER = ".kfp-notebook-env.json"
LAST_USED = ".last-used"
IN_USE = ".in-use"  # every process using the environment holds a shared flock on it
INSTALLERS = ("uv", "pip")


@dataclass(frozen=True)
class EnvInfo:
    key: str
    path: Path
    complete: bool
    size_bytes: int
    last_used: datetime
    spec: dict[str, object]


def _default_root() -> Path:
    env = os.environ.get("KFP_NOTEBOOK_ENV_DIR")
    return Path(env) if env else Path.home() / ".cache" / "kfp-notebook" / "envs"


class EnvironmentManager:
    """Builds and finds environments under `root`; safe across threads and processes."""

    def __init__(
        self,
        root: Path | None = None,
        base_python: str = sys.executable,
        installer: str | None = None,
    ) -> None:
        self.root = Path(root) if root else _default_root()
        self.base_python = base_python
        self.installer = installer or os.environ.get("KFP_NOTEBOOK_INSTALLER") or "uv"
        if self.installer not in INSTALLERS:
            raise EnvironmentBuildError(
                f"unknown installer {self.installer!r}: use 'uv' (the default) or 'pip' "
                "(slower; it reads pip.conf, for mirrors uv does not know about)."
            )
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def path(self, spec: EnvSpec) -> Path:
        return self.root / spec.key

    def is_built(self, spec: EnvSpec) -> bool:
        return (self.path(spec) / MARKER).exists()

    def ensure(
        self,
        spec: EnvSpec,
        log: Callable[[str], None] | None = None,
        cancelled: threading.Event | None = None,
    ) -> Path:
        """The python executable of the environment for `spec`, built first if needed. Setting
        `cancelled` stops the build (or the wait for another builder) within a second."""
        env = self.path(spec)
        python = env / "bin" / "python"
        if (env / MARKER).exists():
            (env / LAST_USED).touch()
            return python
        log = log or (lambda line: None)
        with self._guard:
            lock = self._locks.setdefault(spec.key, threading.Lock())
        self.root.mkdir(parents=True, exist_ok=True)
        from filelock import FileLock  # imported for a build only: a warm start takes no lock

        with (
            held(lock, cancelled, spec.key),
            held(FileLock(str(self.root / f"{spec.key}.lock")), cancelled, spec.key, log),
        ):
            if not (env / MARKER).exists():
                self._build(spec, env, log, cancelled)
        (env / LAST_USED).touch()
        return python

    def _build(
        self,
        spec: EnvSpec,
        env: Path,
        log: Callable[[str], None],
        cancelled: threading.Event | None,
    ) -> None:
        shutil.rmtree(env, ignore_errors=True)
        started = time.monotonic()
        log(
            f"[kfp-notebook] building environment {spec.key}: "
            f"{', '.join(spec.requirements + spec.no_deps_requirements)}"
        )
        try:
            run_step(
                [self.base_python, "-m", "virtualenv", "--no-download", "--quiet", str(env)],
                spec,
                log,
                cancelled,
            )
            if spec.requirements:
                self._install(spec, env, list(spec.requirements), log, cancelled)
            if spec.no_deps_requirements:
                self._install(spec, env, ["--no-deps", *spec.no_deps_requirements], log, cancelled)
        except BaseException:
            shutil.rmtree(env, ignore_errors=True)  # the marker was never written
            raise
        (env / MARKER).write_text(json.dumps(asdict(spec), indent=1))
        log(f"[kfp-notebook] environment {spec.key} ready in {time.monotonic() - started:.1f}s")

    def _install(
        self,
        spec: EnvSpec,
        env: Path,
        args: list[str],
        log: Callable[[str], None],
        cancelled: threading.Event | None,
    ) -> None:
        index: list[str] = []
        for i, url in enumerate(spec.index_urls):
            index += ["--index-url" if i == 0 else "--extra-index-url", url]
        try:
            if self.installer == "pip":
                raise ImportError("pip was asked for")
            from uv import find_uv_bin

            insecure = [o for h in spec.trusted_hosts for o in ("--allow-insecure-host", h)]
            command = [find_uv_bin(), "pip", "install", "--python", str(env / "bin" / "python")]
            run_step([*command, *index, *insecure, *_refresh(spec), *args], spec, log, cancelled)
        except (ImportError, FileNotFoundError):
            trusted = [o for h in spec.trusted_hosts for o in ("--trusted-host", h)]
            run_step(
                [
                    str(env / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    *index,
                    *trusted,
                    *args,
                ],
                spec,
                log,
                cancelled,
            )

    def hold(self, python: Path) -> int:
        """Mark the environment of `python` as in use until the returned fd is closed."""
        fd = os.open(Path(python).parent.parent / IN_USE, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_SH)
        return fd

    @staticmethod
    def _in_use(env: Path) -> bool:
        try:
            fd = os.open(env / IN_USE, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def environments(self) -> list[EnvInfo]:
        infos: list[EnvInfo] = []
        if not self.root.exists():
            return infos
        for env in sorted(p for p in self.root.iterdir() if p.is_dir()):
            marker = env / MARKER
            used = env / LAST_USED
            stamp = (used if used.exists() else env).stat().st_mtime
            size = sum(
                f.stat().st_size for f in env.rglob("*") if f.is_file() and not f.is_symlink()
            )
            spec = json.loads(marker.read_text()) if marker.exists() else {}
            infos.append(
                EnvInfo(env.name, env, marker.exists(), size, datetime.fromtimestamp(stamp), spec)
            )
        return infos

    def gc(self, older_than: timedelta | None = None, dry_run: bool = False) -> list[EnvInfo]:
        """Remove incomplete environments and those unused for `older_than` (None: all);
        never one that a builder holds the lock of, or that a live process is using."""
        from filelock import FileLock, Timeout

        removed = []
        cutoff = datetime.now() - older_than if older_than is not None else None
        for info in self.environments():
            if info.complete and cutoff is not None and info.last_used >= cutoff:
                continue
            if info.complete and self._in_use(info.path):
                continue
            lock = FileLock(str(self.root / f"{info.key}.lock"), timeout=0)
            try:
                with lock:
                    if not dry_run:
                        shutil.rmtree(info.path, ignore_errors=True)
                    removed.append(info)
            except Timeout:
                continue
            with contextlib.suppress(OSError):
                if not dry_run:
                    Path(lock.lock_file).unlink()
        return removed


def _refresh(spec: EnvSpec) -> list[str]:
    """uv reuses the wheel it built from a local folder while the folder's pyproject.toml is
    unchanged: a folder whose content changed (a new env) is built again. pip builds every
    time."""
    if "" in spec.local_projects:  # a project whose name is not known: refresh everything
        return ["--refresh"]
    return [o for name in spec.local_projects for o in ("--refresh-package", name)]
