"""The steps of building an environment, each a process that a cancel stops within a second:
running one installer command (in its own session, its output logged) and waiting for the
thread or process that builds the same environment."""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from kfp_notebook._errors import EnvironmentBuildError
from kfp_notebook._model.logfold import strip_ansi
from kfp_notebook._procs import stop_process_group

if TYPE_CHECKING:  # imported when a lock is taken: a warm start takes none
    from filelock import FileLock

__all__ = ["BuildCancelled", "held", "run_step"]

_POLL = 0.2  # how often a build, or a wait for another builder, looks at its cancel event


class _Spec(Protocol):  # what run_step reads of an EnvSpec (envs.py imports this module)
    @property
    def key(self) -> str: ...

    @property
    def requirements(self) -> Sequence[str]: ...


class BuildCancelled(EnvironmentBuildError):
    """The build was cancelled; nothing of it was kept."""


def run_step(
    command: list[str],
    spec: _Spec,
    log: Callable[[str], None],
    cancelled: threading.Event | None,
) -> None:
    """Run one build command to the end; BuildCancelled when `cancelled` stopped it,
    EnvironmentBuildError with the output's tail when it failed."""
    # Its own session: a Ctrl-C to the terminal's process group is the engine's to handle
    # (it cancels the run, which stops this), not a reason for the installer to fail.
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "NO_COLOR": "1"},  # plain text for logs and error messages
    )
    done = threading.Event()
    if cancelled is not None:
        threading.Thread(
            target=_stop_when_cancelled, args=(proc.pid, cancelled, done), daemon=True
        ).start()
    tail: list[str] = []
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            line = strip_ansi(line.rstrip())
            tail = [*tail[-19:], line]
            log(line)
        proc.wait()
    finally:
        done.set()
        if proc.poll() is None:
            stop_process_group(proc.pid, 1.0)
            proc.wait()
    if cancelled is not None and cancelled.is_set():
        raise BuildCancelled(f"building the environment {spec.key} was cancelled")
    if proc.returncode != 0:
        lines = "\n".join(f"    {t}" for t in tail)
        raise EnvironmentBuildError(
            f"could not build the environment for {', '.join(spec.requirements) or 'kfp'} "
            f"({Path(command[0]).name} exited {proc.returncode}):\n{lines}\n"
            "Check the package names and versions in packages_to_install and the index "
            "URL, then run again."
        )


def _stop_when_cancelled(pgid: int, cancelled: threading.Event, done: threading.Event) -> None:
    while not done.wait(_POLL):
        if cancelled.is_set():
            stop_process_group(pgid, 1.0)
            return


@contextlib.contextmanager
def held(
    lock: threading.Lock | FileLock,
    cancelled: threading.Event | None,
    key: str,
    log: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold `lock` (a thread lock, or the cross-process file lock), waiting for it in steps so
    that a cancel is honoured while another thread or process builds the same environment."""
    from filelock import FileLock, Timeout

    told = False
    while True:
        if isinstance(lock, FileLock):
            try:
                lock.acquire(timeout=_POLL)
                break
            except Timeout:
                pass
        elif lock.acquire(timeout=_POLL):
            break
        if cancelled is not None and cancelled.is_set():
            raise BuildCancelled(f"cancelled while waiting for environment {key}")
        if log is not None and not told:
            log(f"[kfp-notebook] waiting for another process building environment {key}")
            told = True
    try:
        yield
    finally:
        lock.release()
