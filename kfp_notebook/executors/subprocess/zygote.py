"""Engine side of the pre-forked task launcher (`scripts/_kfpnb_task_zygote.py`), one per env.

A task forked from a zygote that has already imported KFP's executor and the environment's
packages starts in a few milliseconds instead of paying the interpreter start and the imports
again. Whatever goes wrong with a zygote, the caller falls back to a fresh process.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import threading
from pathlib import Path
from typing import IO, Any

__all__ = ["ForkedTask", "Zygote", "ZygoteUnavailable"]

_SCRIPT = str(Path(__file__).resolve().parent / "scripts" / "_kfpnb_task_zygote.py")
_MAX_REQUEST = 60_000  # one packet; larger requests (huge inputs) use a fresh process


class ZygoteUnavailable(Exception):
    """The zygote cannot take this task (gone, or the request is too large)."""


class Zygote:
    """A running zygote process and the thread that reads its replies."""

    def __init__(
        self,
        python: str,
        env: dict[str, str],
        distributions: list[str],
        cache_bytecode: bool = False,
    ) -> None:
        """`cache_bytecode`: `python` is a cached environment's, where the preloaded modules'
        bytecode is written even under PYTHONDONTWRITEBYTECODE."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv = [python, _SCRIPT, str(theirs.fileno()), json.dumps(distributions)]
        if cache_bytecode:
            argv.append("cache-bytecode")
        try:
            self.process = subprocess.Popen(
                argv,
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._socket = ours
        self._changed = threading.Condition()
        self._next_id = 0
        self._started: dict[int, int] = {}
        self._exits: dict[int, int] = {}
        self._alive = True
        threading.Thread(target=self._read_replies, name="kfpnb-zygote", daemon=True).start()

    @property
    def alive(self) -> bool:
        return self._alive

    def _read_replies(self) -> None:
        try:
            while True:
                data = self._socket.recv(1 << 16)
                if not data:
                    break
                reply: dict[str, Any] = json.loads(data)
                with self._changed:
                    if "exited" in reply:
                        self._exits[int(reply["exited"])] = int(reply["code"])
                    else:
                        self._started[int(reply["id"])] = int(reply["pid"])
                    self._changed.notify_all()
        except (OSError, ValueError):
            pass
        with self._changed:
            self._alive = False
            self._changed.notify_all()

    def spawn(self, args: list[str], cwd: Path) -> ForkedTask:
        """Fork a task running `kfp.dsl.executor_main args` in `cwd`; its output is a pipe."""
        with self._changed:
            if not self._alive:
                raise ZygoteUnavailable("the zygote has exited")
            self._next_id += 1
            request_id = self._next_id
        payload = json.dumps({"id": request_id, "cwd": str(cwd), "args": args}).encode()
        if len(payload) > _MAX_REQUEST:
            raise ZygoteUnavailable("request too large for one packet")
        read_end, write_end = os.pipe()
        try:
            socket.send_fds(self._socket, [payload], [write_end])
        except OSError as exc:
            os.close(read_end)
            raise ZygoteUnavailable(str(exc)) from exc
        finally:
            os.close(write_end)
        with self._changed:
            self._changed.wait_for(lambda: request_id in self._started or not self._alive)
            pid = self._started.pop(request_id, None)
        if pid is None:
            os.close(read_end)
            raise ZygoteUnavailable("the zygote exited before starting the task")
        return ForkedTask(self, pid, os.fdopen(read_end, "rb"))

    def exit_code(self, pid: int, timeout: float | None = None) -> int | None:
        """The task's exit code once it has ended; SIGKILL's if the zygote died under it."""
        with self._changed:
            self._changed.wait_for(lambda: pid in self._exits or not self._alive, timeout)
            if pid in self._exits:
                return self._exits.pop(pid)
            return None if self._alive else -9

    def shutdown(self) -> None:
        """Tell the zygote to stop its tasks and exit (EOF on its socket), without waiting."""
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)

    def close(self, timeout: float = 5.0) -> None:
        """Tell the zygote to stop its tasks and exit, and wait until it has."""
        self.shutdown()
        self._socket.close()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ForkedTask:
    """What the executor needs of a task process: pid, output stream, exit code."""

    def __init__(self, zygote: Zygote, pid: int, stdout: IO[bytes]) -> None:
        self.zygote, self.pid, self.stdout = zygote, pid, stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.zygote.exit_code(self.pid, timeout=0)
        return self.returncode

    def wait(self) -> int:
        while self.returncode is None:
            self.returncode = self.zygote.exit_code(self.pid)
        return self.returncode
