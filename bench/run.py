"""Side-by-side benchmark: kfp-notebook vs kfp.local (SubprocessRunner, use_venv True/False).

Each measurement runs in a fresh process (kfp.local keeps a global config), on
(a) the seed 004 pipeline (numpy, 4 chained tasks) and (b) eight 1 s sleeps then a join.
Prints wall times and ratios. Usage: python bench/run.py [--skip-venv]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "examples"))
sys.path.insert(0, str(HERE))


def _timed(code: str, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=HERE,
        capture_output=True,
        text=True,
        env=env or os.environ.copy(),
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return took


def kfp_local(target: str, use_venv: bool) -> float:
    module, func = target.split(":")
    root = tempfile.mkdtemp(prefix="bench-kfplocal-")
    return _timed(f"""
        import sys, warnings
        warnings.filterwarnings("ignore")
        sys.path[:0] = [{str(ROOT / "examples")!r}, {str(HERE)!r}]
        from kfp import local
        from {module} import {func}
        local.init(runner=local.SubprocessRunner(use_venv={use_venv}), pipeline_root={root!r})
        {func}()
    """)


def ours_cli(yaml_path: Path, *extra: str, env_dir: str | None = None) -> float:
    env = os.environ.copy()
    if env_dir:
        env["KFP_NOTEBOOK_ENV_DIR"] = env_dir
    root = tempfile.mkdtemp(prefix="bench-ours-")
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kfp_notebook._cli",
            "run",
            str(yaml_path),
            "--pipeline-root",
            root,
            "--quiet",
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"kfp-notebook failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return took


def compile_all(tmp: Path) -> dict[str, Path]:
    from kfp import compiler
    from pipelines import eight_sleeps, trivial_chain
    from seed_pipeline import seed_pipeline

    paths = {}
    for name, func in [("seed", seed_pipeline), ("sleeps", eight_sleeps), ("chain", trivial_chain)]:
        paths[name] = tmp / f"{name}.yaml"
        compiler.Compiler().compile(func, str(paths[name]))
    return paths


def task_overhead(chain_yaml: Path, prefork: bool) -> tuple[float, float]:
    """Mean trivial task wall time (start -> outputs recorded) and the env interpreter start."""
    from kfp_notebook import Session, SubprocessRunner

    session = Session(
        SubprocessRunner(prefork=prefork),
        pipeline_root=tempfile.mkdtemp(prefix="bench-chain-"),
        max_workers=1,
    )
    session.run(chain_yaml)
    run = session.run(chain_yaml)
    durations = [t.duration for t in run.tasks.values() if t.kind == "container"]
    python = next(
        Path(session.engine.executor._pythons[k][0]) for k in session.engine.executor._pythons
    )
    session.close()
    starts = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([str(python), "-c", "pass"], check=True)
        starts.append(time.perf_counter() - t)
    return sum(d for d in durations if d) / len(durations), min(starts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--skip-venv", action="store_true", help="skip kfp.local use_venv=True (slow: minutes)"
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    paths = compile_all(tmp)
    rows: list[tuple[str, float]] = []

    cold_dir = tempfile.mkdtemp(prefix="bench-envs-")
    rows.append(
        ("(a) seed, kfp-notebook cold (env not built)", ours_cli(paths["seed"], env_dir=cold_dir))
    )
    ours_cli(paths["seed"])
    warm = min(ours_cli(paths["seed"]) for _ in range(3))
    rows.append(("(a) seed, kfp-notebook warm", warm))
    local_novenv = kfp_local("seed_pipeline:seed_pipeline", use_venv=False)
    rows.append(("(a) seed, kfp.local use_venv=False", local_novenv))
    local_venv = None
    if not args.skip_venv:
        local_venv = kfp_local("seed_pipeline:seed_pipeline", use_venv=True)
        rows.append(("(a) seed, kfp.local use_venv=True", local_venv))
    ours_cli(paths["sleeps"], "--workers", "8")
    sleeps = min(ours_cli(paths["sleeps"], "--workers", "8") for _ in range(3))
    rows.append(("(b) 8 x 1 s sleeps + join, kfp-notebook --workers 8", sleeps))
    sleeps_local = kfp_local("pipelines:eight_sleeps", use_venv=False)
    rows.append(("(b) 8 x 1 s sleeps + join, kfp.local use_venv=False", sleeps_local))
    sleeps_local_venv = None
    if not args.skip_venv:
        sleeps_local_venv = kfp_local("pipelines:eight_sleeps", use_venv=True)
        rows.append(("(b) 8 x 1 s sleeps + join, kfp.local use_venv=True", sleeps_local_venv))
    per_task, interpreter = task_overhead(paths["chain"], prefork=True)
    per_task_fresh, _ = task_overhead(paths["chain"], prefork=False)

    print(f"\n{'measurement':<58} {'wall':>9}")
    for name, seconds in rows:
        print(f"{name:<58} {seconds:>8.2f}s")
    print("\nratios (kfp.local / kfp-notebook):")
    print(f"  (a) warm vs use_venv=False: {local_novenv / warm:6.1f}x   (target >= 4x)")
    if local_venv is not None:
        print(f"  (a) warm vs use_venv=True:  {local_venv / warm:6.1f}x   (target >= 40x)")
        print(f"  (a) cold vs use_venv=True:  {local_venv / rows[0][1]:6.1f}x   (target >= 3x)")
    print(
        f"  (b) vs use_venv=False:      {sleeps_local / sleeps:6.1f}x   "
        f"(ours {sleeps:.2f}s, target < 2 s)"
    )
    if sleeps_local_venv is not None:
        print(f"  (b) vs use_venv=True:       {sleeps_local_venv / sleeps:6.1f}x")
    print(
        f"\ntrivial task: {per_task * 1000:.0f} ms wall forked from the environment's zygote, "
        f"{per_task_fresh * 1000:.0f} ms with prefork=False; the environment's interpreter "
        f"alone starts in {interpreter * 1000:.0f} ms -> engine overhead "
        f"{(per_task_fresh - interpreter) * 1000:.0f} ms per task in a fresh interpreter "
        "(target < 150 ms)"
    )


if __name__ == "__main__":
    main()
