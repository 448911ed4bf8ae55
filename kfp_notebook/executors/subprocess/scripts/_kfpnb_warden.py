"""Started by path (stdlib only): the watchdog that outlives its engine by long enough to stop
the engine's task process groups.

The engine writes one line per change on this process's stdin:
  "+PGID TICKS"  a task leads process group PGID (TICKS: its leader's start time, or "-")
  "-PGID"        that task has ended and its group was stopped
When stdin reaches EOF (the engine closed it, or died however it died: SIGKILL, the OOM killer),
every group still registered gets SIGTERM, then SIGKILL after a grace period, and this exits.
A group whose leader pid now belongs to another process (pid reuse) is left alone.
"""

import contextlib
import os
import signal
import sys
import time


def _start_ticks(pid: int) -> "int | None":
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    try:
        return int(stat[stat.rfind(b")") + 2 :].split()[19])
    except (IndexError, ValueError):
        return None


def _members(pgid: int) -> bool:
    """Whether a process of group `pgid` still runs (zombies do not count)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        rest = stat[stat.rfind(b")") + 2 :].split()
        if len(rest) > 2 and int(rest[2]) == pgid and rest[0] != b"Z":
            return True
    return False


def _stop(groups: dict, grace: float) -> None:
    ours = [g for g, ticks in groups.items() if ticks is None or _start_ticks(g) in (None, ticks)]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pgid in ours:
            with contextlib.suppress(OSError):
                os.killpg(pgid, sig)
        deadline = time.monotonic() + (grace if sig == signal.SIGTERM else 0.0)
        while time.monotonic() < deadline and any(_members(g) for g in ours):
            time.sleep(0.05)


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the engine's to handle
    grace = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    groups: dict = {}
    for line in sys.stdin:
        fields = line.split()
        if not fields:
            continue
        with contextlib.suppress(ValueError):
            if fields[0].startswith("+"):
                ticks = fields[1] if len(fields) > 1 else "-"
                groups[int(fields[0][1:])] = None if ticks == "-" else int(ticks)
            elif fields[0].startswith("-"):
                groups.pop(int(fields[0][1:]), None)
    _stop(groups, grace)


if __name__ == "__main__":
    main()
