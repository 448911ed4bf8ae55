"""Detached runs, kept once: a `kfp-notebook run` (or `spin`) process in its own session for a
run folder, below both HTTP doors (the sidebar's re-run and spin, and KFP's API). Why a process
and not the engine in the server: a server stays a reader of the store (it never imports the
engine), and a run outlives a server restart. The process's output goes to the run folder's
`launch.log`.

    starter = DetachedStarter()
    starter.start(DetachedRun(root, run_id, spec, RunnerSettings("docker", workers=4)))
    starter.start(spin_like(record, root, "train", new_run_id))  # one task, as a new run
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kfp_notebook._procs import stop_process_group
from kfp_notebook._runners import DEFAULT_RUNNER, check_runner
from kfp_notebook._store import layout
from kfp_notebook._store.logread import tail_offset
from kfp_notebook._store.records import RunRecord

__all__ = ["DetachedRun", "DetachedStarter", "RunnerSettings", "run_like", "spin_like"]

OnExit = Callable[[int, str], None]


@dataclass(frozen=True)
class RunnerSettings:
    """How a detached run executes its tasks; the runner is checked when the settings are made
    (ExecutorUnavailableError), so a server refuses a bad one at start, not at its first run."""

    runner: str = DEFAULT_RUNNER
    workers: int | None = None  # None: one per CPU
    use_venv: bool = True
    object_root: str | None = None  # artifacts to this s3:// minio:// gs:// root

    def __post_init__(self) -> None:
        check_runner(self.runner)

    @classmethod
    def recorded(cls, record: RunRecord) -> RunnerSettings:
        """The settings `record` ran with (the defaults for what an older run did not record)."""
        workers = record.settings.get("workers")
        bucket = record.settings.get("object_root")
        return cls(
            record.runner or DEFAULT_RUNNER,
            workers if isinstance(workers, int) and workers > 0 else None,
            record.settings.get("use_venv", True) is not False,
            bucket if isinstance(bucket, str) and bucket else None,
        )

    def arguments(self, *, workers: bool = True) -> list[str]:
        """The CLI's options for these settings (`spin` runs one task: no worker bound, and
        its outputs stay local)."""
        out = ["--runner", self.runner]
        if self.workers and workers:
            out += ["--workers", str(self.workers)]
        if self.object_root and workers:
            out += ["--object-root", self.object_root]
        return out if self.use_venv else [*out, "--no-venv"]


@dataclass(frozen=True)
class DetachedRun:
    """One run to start: its spec and arguments, how it runs, and (to resume) from which task;
    or, with `spin_task`, that one task of run `spin_source` alone, recorded as run `run_id`."""

    root: Path
    run_id: str
    spec: Path
    settings: RunnerSettings = RunnerSettings()
    arguments: dict[str, Any] | None = None  # None: the spec's defaults (or the resumed run's)
    from_task: str | None = None
    spin_task: str | None = None
    spin_source: str | None = None  # the run whose task is spun (its inputs, its spec)

    def command(self, arguments_file: Path | None) -> list[str]:
        if self.spin_task is not None:
            return [sys.executable, "-m", "kfp_notebook._cli", "spin", str(self.spin_source),
                    self.spin_task, "--persist", "--run-id", self.run_id, "--pipeline-root",
                    str(self.root), "--quiet", *self.settings.arguments(workers=False)]  # fmt: skip
        cmd = [sys.executable, "-m", "kfp_notebook._cli", "run", str(self.spec),
               "--run-id", self.run_id, "--pipeline-root", str(self.root), "--quiet",
               *self.settings.arguments()]  # fmt: skip
        if arguments_file is not None:
            cmd += ["--params-json", str(arguments_file)]
        if self.from_task:
            cmd += ["--from-task", self.from_task]
        return cmd


def run_like(
    record: RunRecord, root: Path, from_task: str, arguments: dict[str, Any] | None = None
) -> DetachedRun:
    """`record`'s run resumed from `from_task` as it first ran: its own spec, runner, worker
    bound and environments."""
    spec = layout.spec_path(root, record.run_id)
    return DetachedRun(root, record.run_id, spec, RunnerSettings.recorded(record), arguments,
                       from_task)  # fmt: skip


def spin_like(record: RunRecord, root: Path, task: str, new_run_id: str) -> DetachedRun:
    """`task` of `record`'s run spun alone with the inputs that run gave it, as it first ran
    (runner, environments), recorded as the new run `new_run_id`."""
    spec = layout.spec_path(root, record.run_id)
    return DetachedRun(root, layout.check_run_id(new_run_id), spec, RunnerSettings.recorded(record),
                       spin_task=task, spin_source=record.run_id)  # fmt: skip


_CLOSING_SECONDS = 15.0  # how long a started run's ending process is waited for


class DetachedStarter:
    """Starts detached runs and knows which of them are still going (in this process)."""

    def __init__(self) -> None:
        self._procs: dict[tuple[Path, str], subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    def start(self, run: DetachedRun, on_exit: OnExit | None = None) -> int:
        """Start the run's process and return its pid; `on_exit(returncode, output tail)` once
        it ends. Raises ExecutorUnavailableError for a runner this machine cannot build, and
        RuntimeError while this starter's previous process for the run still runs."""
        folder = layout.run_dir(run.root, run.run_id)
        folder.mkdir(parents=True, exist_ok=True)
        arguments_file = None
        if run.arguments is not None:
            arguments_file = folder / layout.ARGUMENTS_FILE
            arguments_file.write_text(json.dumps(run.arguments), encoding="utf-8")
        log = folder / layout.LAUNCH_LOG
        key = (run.root, run.run_id)
        with self._lock:
            old = self._procs.get(key)
        if old is not None and old.poll() is None:
            # A run is recorded as ended a moment before its process has closed its session
            # and exited: a retry asked at once waits for that, not for a run going on.
            with contextlib.suppress(subprocess.TimeoutExpired):
                old.wait(timeout=_CLOSING_SECONDS)
        with self._lock:
            old = self._procs.get(key)
            if old is not None and old.poll() is None:
                raise RuntimeError(f"run {run.run_id} is being started already")
            with open(log, "ab") as out:
                proc = subprocess.Popen(
                    run.command(arguments_file),
                    cwd=run.root,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    env=os.environ.copy(),
                )
            self._procs[key] = proc
        threading.Thread(
            target=self._reap, args=(key, proc, log, on_exit), name="kfpnb-detached", daemon=True
        ).start()
        return proc.pid

    def _reap(
        self,
        key: tuple[Path, str],
        proc: subprocess.Popen[bytes],
        log: Path,
        on_exit: OnExit | None,
    ) -> None:
        code = proc.wait()
        with self._lock:
            if self._procs.get(key) is proc:
                del self._procs[key]
        if on_exit is None:
            return
        try:
            tail = _last_lines(log, 5)
        except OSError:
            tail = []
        on_exit(code, "\n".join(tail))

    def running(self, root: Path, run_id: str) -> bool:
        with self._lock:
            proc = self._procs.get((root, run_id))
        return proc is not None and proc.poll() is None

    def stop(self, root: Path, run_id: str, grace: float = 3.0) -> bool:
        """Stop a started run's process group; False when none of ours is running."""
        with self._lock:
            proc = self._procs.get((root, run_id))
        if proc is None or proc.poll() is not None:
            return False
        stop_process_group(proc.pid, grace=grace)
        return True


def _last_lines(log: Path, count: int) -> list[str]:
    """The launch log's last lines, read from where they start (the log can be long)."""
    with log.open("rb") as f:
        f.seek(tail_offset(log, 4 * count))  # blank lines at its end do not count
        return f.read().decode("utf-8", "replace").strip().splitlines()[-count:]
