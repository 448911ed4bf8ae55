"""A `\\r` progress bar through the log pump: the CPU the pump spends reading a 40,000-update
bar that rewrites one line (then ends it), against the same updates written as 40,000 lines.

A child process writes the updates, flushing each one and taking `--pace` microseconds per
update (a bar's formatting and the work it reports on), so the pump reads them about one by
one as it reads a real bar's; the pump runs in this process and its CPU is this process's CPU
time (the main thread only waits). Prints the medians of `--repeat` runs and their ratio, with
the lines and progress states the pump handed on.
Usage: python bench/progress_bar.py [--updates 40000] [--pace 50] [--repeat 5]
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kfp_notebook.executors.subprocess.logpump import LogPump  # noqa: E402

WRITER = """
import sys, time
n, pace, bar = int(sys.argv[1]), float(sys.argv[2]) / 1e6, sys.argv[3] == "bar"
start, end = ("\\r", "") if bar else ("", "\\n")
for i in range(1, n + 1):
    t = time.perf_counter()
    while time.perf_counter() - t < pace:
        pass
    sys.stdout.write(f"{start}{i * 100 // n:3d}%|{'#' * (i * 40 // n):<40}| {i}/{n}{end}")
    sys.stdout.flush()
if bar:
    sys.stdout.write("\\n")
"""


def pumped(pump: LogPump, updates: int, pace: float, kind: str) -> tuple[float, int, int]:
    """The pump's CPU seconds for one child's output, the lines and progress states it sent."""
    lines: list[str] = []
    states: list[str] = []
    argv = [sys.executable, "-c", WRITER, str(updates), str(pace), kind]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    started = time.process_time()
    done = pump.add(proc.stdout, lines.append, states.append)
    if proc.wait() != 0 or not done.wait(120):
        raise SystemExit(f"the {kind} writer failed")
    return time.process_time() - started, len(lines), len(states)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=40_000)
    parser.add_argument("--pace", type=float, default=50.0, help="microseconds per update")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    pump = LogPump()
    results: dict[str, list[tuple[float, int, int]]] = {"bar": [], "lines": []}
    try:
        for _ in range(args.repeat):  # interleaved: a load change hits both alike
            for kind in results:
                results[kind].append(pumped(pump, args.updates, args.pace, kind))
    finally:
        pump.close()
    cpu = {kind: statistics.median(r[0] for r in runs) for kind, runs in results.items()}
    print(f"{args.updates} updates, {args.pace:g} us each, median of {args.repeat}:")
    for kind, runs in results.items():
        print(
            f"  {kind:<5}  pump CPU {cpu[kind]:6.3f} s   "
            f"{runs[-1][1]:6d} line(s)   {runs[-1][2]:3d} progress state(s)"
        )
    print(f"  ratio  bar / lines = {cpu['bar'] / cpu['lines']:.2f}")


if __name__ == "__main__":
    from scratch import use_scratch

    use_scratch("kfpnb-bench-progress-bar-")
    main()
