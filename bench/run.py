"""Side-by-side benchmark: kfp-notebook vs kfp.local (SubprocessRunner), in one run.

Each measurement is a fresh process, timed from outside (interpreter start included), repeated
and reported as the median (with the spread). Measured:
  (a) the seed 004 pipeline (numpy, 4 chained tasks) from the CLI, warm and cold;
  (b) eight independent 1 s sleeps then a join, `--workers 8`;
  (c) a ParallelFor of 1,000 trivial tasks with the default worker bound: tasks/s, the
      engine's peak resident memory (and the same for 100 tasks: memory stays flat) and the
      CPU time per task of the engine and of the task processes; kfp.local on the 100;
  (d) a trivial component called directly in a warm Jupyter kernel (bench/kernel.py);
  and kfp.local `use_venv=False` (and `use_venv=True` unless --skip-venv) on (a), (b), (d).
Prints the git commit, the load average before and after, every median and the ratios.
Usage: python bench/run.py [--repeat 5] [--skip-venv] [--skip-kernel]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "examples"))
sys.path.insert(0, str(HERE))

from scratch import use_scratch  # noqa: E402 (bench/ is on sys.path)

use_scratch("kfpnb-bench-run-")  # every temporary folder below is made in it, and removed
_HOME = tempfile.mkdtemp(prefix="bench-home-")
# As on a user's machine, Python caches bytecode: with PYTHONDONTWRITEBYTECODE set (containers
# often set it), every module changed since its last .pyc would be compiled again in every run
# measured, ours and kfp.local's alike.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

# The engine process reports its own peak RSS (KiB on Linux) and the CPU seconds it and its
# task processes (zygotes and the tasks they fork, all reaped by then) used, on stderr.
_ENGINE = (
    "import resource, sys\n"
    "from kfp_notebook._cli import main\n"
    "code = main(sys.argv[1:])\n"
    "me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
    "print(f'PEAK_RSS_KB {me.ru_maxrss} CPU {me.ru_utime + me.ru_stime} '\n"
    "      f'{kids.ru_utime + kids.ru_stime}', file=sys.stderr)\n"
    "import atexit, os\n"  # then it ends as the `kfp-notebook` command does (_cli.entry)
    "atexit._run_exitfuncs(); sys.stdout.flush(); sys.stderr.flush(); os._exit(code)\n"
)


def _check(done: "subprocess.CompletedProcess[str]", what: str) -> None:
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def _wall(command: list[str], what: str, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=HERE, capture_output=True, text=True, env=env)
    took = time.perf_counter() - start
    _check(done, what)
    return took


def kfp_local(target: str, use_venv: bool) -> float:
    module, func = target.split(":")
    root = tempfile.mkdtemp(prefix="bench-kfplocal-")
    code = textwrap.dedent(f"""
        import sys, warnings
        warnings.filterwarnings("ignore")
        sys.path[:0] = [{str(ROOT / "examples")!r}, {str(HERE)!r}]
        from kfp import local
        from {module} import {func}
        local.init(runner=local.SubprocessRunner(use_venv={use_venv}), pipeline_root={root!r})
        {func}()
    """)
    return _wall([sys.executable, "-c", code], f"kfp.local {target}")


_CPU: list[tuple[float, float]] = []  # (engine, task processes) CPU seconds of the last run


def ours(yaml_path: Path, *extra: str, env_dir: str | None = None) -> tuple[float, int]:
    """Wall seconds of `kfp-notebook run` and the engine's peak RSS in KiB."""
    env = {**os.environ, "KFP_NOTEBOOK_HOME": _HOME}  # the user's roots registry stays as it was
    if env_dir:
        env["KFP_NOTEBOOK_ENV_DIR"] = env_dir
    root = tempfile.mkdtemp(prefix="bench-ours-")
    command = [sys.executable, "-c", _ENGINE, "run", str(yaml_path), "--pipeline-root", root]
    start = time.perf_counter()
    done = subprocess.run([*command, "--quiet", *extra], capture_output=True, text=True, env=env)
    took = time.perf_counter() - start
    _check(done, f"kfp-notebook run {yaml_path.name}")
    fields = done.stderr.rsplit("PEAK_RSS_KB ", 1)[1].split()
    _CPU[:] = [(float(fields[2]), float(fields[3]))]
    return took, int(fields[0])


def median_of(repeat: int, measure: Callable[[], float]) -> tuple[float, float, float]:
    """(median, min, max) of `repeat` measurements."""
    values = [measure() for _ in range(repeat)]
    return statistics.median(values), min(values), max(values)


def compile_all(tmp: Path) -> dict[str, Path]:
    from kfp import compiler
    from pipelines import eight_sleeps, many_tasks
    from seed_pipeline import seed_pipeline

    paths = {}
    funcs = [("seed", seed_pipeline), ("sleeps", eight_sleeps)]
    funcs += [("tasks100", many_tasks(100)), ("tasks1000", many_tasks(1000))]
    for name, func in funcs:
        paths[name] = tmp / f"{name}.yaml"
        compiler.Compiler().compile(func, str(paths[name]))
    return paths


_TASK_IMPORTS = "import numpy, kfp.dsl.executor"
_RUNTIME = {**os.environ, "_KFP_RUNTIME": "true"}


def _environment_python(seed: Path) -> str:
    """The interpreter of the seed pipeline's cached environment (built here if missing)."""
    from kfp_notebook._spec.ir import load_pipeline
    from kfp_notebook.executors.subprocess.executor import SubprocessExecutor

    executor = SubprocessExecutor(prefork=False)
    container = next(iter(load_pipeline(seed).executors.values()))["container"]
    identity = executor.prepare(container, lambda line: None)
    executor.close()
    return str(executor.envs.root / identity.removeprefix("env:") / "bin" / "python")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty", "--abbrev=10"],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--skip-venv", action="store_true", help="skip kfp.local use_venv=True")
    parser.add_argument("--skip-kernel", action="store_true", help="skip the kernel measurement")
    args = parser.parse_args()
    n = args.repeat
    n_local = max(3, n // 2)  # kfp.local takes seconds per run: fewer runs, still a median
    print(f"commit {_commit()}, {os.cpu_count()} CPUs, load average before: {_load()}")
    paths = compile_all(Path(tempfile.mkdtemp(prefix="bench-")))
    rows: list[tuple[str, tuple[float, float, float], str]] = []

    def row(name: str, stats: tuple[float, float, float], unit: str = "s") -> float:
        rows.append((name, stats, unit))
        print(f"  {name:<60} {stats[0]:9.3f} {unit}", flush=True)
        return stats[0]

    floor = row(
        "interpreter start (python -c pass)",
        median_of(n, lambda: _wall([sys.executable, "-c", "pass"], "python")),
    )
    env_python = _environment_python(paths["seed"])
    imports = row(
        "seed's task environment: python -c 'import numpy, kfp.dsl.executor'",
        median_of(n, lambda: _wall([env_python, "-c", _TASK_IMPORTS], "imports", _RUNTIME)),
    )
    cold = row(
        "(a) seed, kfp-notebook cold (env not built, uv cache warm)",
        median_of(1, lambda: ours(paths["seed"], env_dir=tempfile.mkdtemp())[0]),
    )
    ours(paths["seed"])  # warm: the environment exists
    warm = row("(a) seed, kfp-notebook warm", median_of(n, lambda: ours(paths["seed"])[0]))
    seed_local = row(
        "(a) seed, kfp.local use_venv=False",
        median_of(n_local, lambda: kfp_local("seed_pipeline:seed_pipeline", False)),
    )
    seed_venv = None
    if not args.skip_venv:
        seed_venv = row(
            "(a) seed, kfp.local use_venv=True",
            median_of(1, lambda: kfp_local("seed_pipeline:seed_pipeline", True)),
        )
    ours(paths["sleeps"], "--workers", "8")
    sleeps = row(
        "(b) 8 x 1 s sleeps + join, kfp-notebook --workers 8",
        median_of(n, lambda: ours(paths["sleeps"], "--workers", "8")[0]),
    )
    sleeps_local = row(
        "(b) 8 x 1 s sleeps + join, kfp.local use_venv=False",
        median_of(n_local, lambda: kfp_local("pipelines:eight_sleeps", False)),
    )
    peaks: dict[str, list[int]] = {"tasks100": [], "tasks1000": []}
    cpu: list[tuple[float, float]] = []

    def many(name: str) -> float:
        took, peak = ours(paths[name])
        peaks[name].append(peak)
        if name == "tasks1000":
            cpu.extend(_CPU)
        return took

    many("tasks100")
    hundred = row(
        "(c) 100 trivial tasks, kfp-notebook, default workers",
        median_of(n_local, lambda: many("tasks100")),
    )
    hundred_local = row(  # one task at a time, 1-2 s each: one run (1,000 would take 20 min)
        "(c) 100 trivial tasks, kfp.local use_venv=False (one run)",
        median_of(1, lambda: kfp_local("pipelines:hundred_tasks", False)),
    )
    thousand = row(
        "(c) 1,000 trivial tasks, kfp-notebook, default workers",
        median_of(n_local, lambda: many("tasks1000")),
    )
    kernel = kernel_local = None
    if not args.skip_kernel:
        from kernel import call_times

        kernel = row(
            "(d) trivial component in a warm kernel, kfp-notebook (widget)",
            (lambda t: (statistics.median(t), min(t), max(t)))(call_times("kfp-notebook", 60)),
        )
        kernel_local = row(
            "(d) trivial component in a warm kernel, kfp.local use_venv=False",
            (lambda t: (statistics.median(t), min(t), max(t)))(call_times("kfp.local", 10)),
        )
    print(
        f"\nload average after: {_load()}; commit {_commit()}; medians of {n} "
        f"(kfp.local: {n_local}) fresh processes\n"
    )
    print(f"{'measurement':<66} {'median':>9} {'min':>9} {'max':>9}")
    for name, (med, lo, hi), unit in rows:
        print(f"{name:<66} {med:>8.3f}{unit} {lo:>8.3f}{unit} {hi:>8.3f}{unit}")
    print("\nratios and targets:")
    print(
        f"  (a) warm: {warm:.2f} s = {warm / (floor + imports):.1f}x the floor ({floor:.2f} s "
        f"interpreter start + {imports:.2f} s the environment's imports, once); "
        f"{seed_local / warm:.1f}x faster than kfp.local use_venv=False (target >= 10x)"
    )
    if seed_venv is not None:
        print(
            f"  (a) warm vs use_venv=True: {seed_venv / warm:.1f}x; "
            f"cold vs use_venv=True: {seed_venv / cold:.1f}x"
        )
    print(
        f"  (b) {sleeps:.2f} s (target < 1.3 s); {sleeps_local / sleeps:.1f}x faster than "
        "kfp.local use_venv=False"
    )
    print(
        f"  (c) {1000 / thousand:.0f} tasks/s for 1,000 tasks in {thousand:.2f} s "
        f"(target < 5 s); engine peak RSS {statistics.median(peaks['tasks100']) / 1024:.0f} MB "
        f"with 100 tasks, {statistics.median(peaks['tasks1000']) / 1024:.0f} MB with 1,000"
    )
    print(f"      100 tasks: {hundred_local / hundred:.0f}x faster than kfp.local use_venv=False")
    engine_ms = statistics.median(c[0] for c in cpu)  # per 1,000 tasks: seconds = ms per task
    tasks_ms = statistics.median(c[1] for c in cpu)
    cores = os.cpu_count() or 1
    print(
        f"      CPU per task: engine {engine_ms:.1f} ms, task processes (fork + KFP's executor) "
        f"{tasks_ms:.1f} ms; on {cores} cores no schedule beats "
        f"{(engine_ms + tasks_ms) / cores:.1f} s for 1,000 tasks"
    )
    if kernel is not None and kernel_local is not None:
        print(
            f"  (d) {kernel * 1000:.1f} ms per call (target <= 25 ms); "
            f"{kernel_local / kernel:.0f}x faster than kfp.local use_venv=False (target >= 40x)"
        )


if __name__ == "__main__":
    main()
