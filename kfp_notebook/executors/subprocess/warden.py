"""Engine side of the watchdog (`scripts/_kfpnb_warden.py`): a small process that outlives the
engine and stops every task process group still registered once the engine is gone, however it
went (SIGKILL, the OOM killer, a kernel that died). Without it a task's own children would run on
until someone next opened the store."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from pathlib import Path

from kfp_notebook._procs import process_start_ticks

__all__ = ["Warden"]

_SCRIPT = str(Path(__file__).resolve().parent / "scripts" / "_kfpnb_warden.py")


class Warden:
    """Started on first use; `watch(pgid)` when a task starts, `release(pgid)` when it ended."""

    def __init__(self, grace: float = 2.0) -> None:
        self.grace = grace
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def _send(self, line: str) -> None:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = subprocess.Popen(
                    [sys.executable, "-I", "-S", _SCRIPT, str(self.grace)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,  # a Ctrl-C or SIGTERM to our group is not for it
                )
            assert self._proc.stdin is not None
            with contextlib.suppress(OSError, ValueError):  # ValueError: closed by shutdown()
                self._proc.stdin.write(line.encode() + b"\n")
                self._proc.stdin.flush()

    def watch(self, pgid: int) -> None:
        ticks = process_start_ticks(pgid)
        self._send(f"+{pgid} {'-' if ticks is None else ticks}")

    def release(self, pgid: int) -> None:
        with self._lock:
            if self._proc is None:
                return
        self._send(f"-{pgid}")

    def shutdown(self) -> None:
        """EOF without waiting: the warden stops whatever is still registered and exits."""
        with self._lock:
            if self._proc is not None and self._proc.stdin is not None:
                with contextlib.suppress(OSError):
                    self._proc.stdin.close()

    def close(self) -> None:
        """EOF: the warden stops whatever is still registered (nothing, normally) and exits."""
        self.shutdown()
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.wait(self.grace + 3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
