"""How the API starts and stops runs without importing the engine: the `Launcher` interface,
and `DetachedLauncher`, which runs each run (or its retry) as a detached `kfp-notebook run`
process, as the sidebar's re-run does (`_server/_rerun.py`). A run then outlives the server, and
the server stays a reader of the store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kfp_notebook._procs import stop_process_group

__all__ = ["LAUNCH_LOG", "DetachedLauncher", "Launch", "Launcher"]

LAUNCH_LOG = "launch.log"


@dataclass(frozen=True)
class Launch:
    """One run to start: its compiled spec, arguments, and (to retry) the task to resume from."""

    root: Path
    run_id: str
    spec: Path
    arguments: dict[str, Any]
    from_task: str | None = None


class Launcher(Protocol):
    def start(self, launch: Launch, on_exit: Callable[[int, str], None]) -> None:
        """Start the run; `on_exit(returncode, output tail)` once its process ends."""

    def stop(self, run_id: str) -> bool:
        """Stop a started run's process (before it recorded the run); False if none."""

    def close(self) -> None: ...


class DetachedLauncher:
    """Each run in its own process group (`start_new_session`), output to `launch.log`."""

    def __init__(
        self, runner: str = "subprocess", workers: int | None = None, use_venv: bool = True
    ) -> None:
        if runner not in ("subprocess", "docker"):
            raise ValueError(f"runner must be 'subprocess' or 'docker', not {runner!r}")
        self.runner, self.workers, self.use_venv = runner, workers, use_venv
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    def _command(self, launch: Launch, params: Path) -> list[str]:
        cmd = [sys.executable, "-m", "kfp_notebook._cli", "run", str(launch.spec),
               "--run-id", launch.run_id, "--pipeline-root", str(launch.root),
               "--params-json", str(params), "--runner", self.runner, "--quiet"]  # fmt: skip
        if launch.from_task:
            cmd += ["--from-task", launch.from_task]
        if self.workers:
            cmd += ["--workers", str(self.workers)]
        if not self.use_venv:
            cmd.append("--no-venv")
        return cmd

    def start(self, launch: Launch, on_exit: Callable[[int, str], None]) -> None:
        folder = launch.root / launch.run_id
        folder.mkdir(parents=True, exist_ok=True)
        params = folder / "arguments.json"
        params.write_text(json.dumps(launch.arguments), encoding="utf-8")
        log = folder / LAUNCH_LOG
        with self._lock, open(log, "ab") as out:
            proc = subprocess.Popen(
                self._command(launch, params),
                cwd=launch.root,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=os.environ.copy(),
            )
            self._procs[launch.run_id] = proc
        threading.Thread(
            target=self._reap, args=(launch.run_id, proc, log, on_exit), daemon=True
        ).start()

    def _reap(
        self,
        run_id: str,
        proc: subprocess.Popen[bytes],
        log: Path,
        on_exit: Callable[[int, str], None],
    ) -> None:
        code = proc.wait()
        with self._lock:
            if self._procs.get(run_id) is proc:
                del self._procs[run_id]
        try:
            tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        except OSError:
            tail = []
        on_exit(code, "\n".join(tail))

    def running(self, run_id: str) -> bool:
        with self._lock:
            proc = self._procs.get(run_id)
        return proc is not None and proc.poll() is None

    def stop(self, run_id: str) -> bool:
        with self._lock:
            proc = self._procs.get(run_id)
        if proc is None or proc.poll() is not None:
            return False
        stop_process_group(proc.pid, grace=3.0)
        return True

    def close(self) -> None:
        """Runs keep going: they are detached on purpose (the store records them)."""
