"""Side-by-side benchmark of the docker runners: kfp-notebook's against kfp.local's
DockerRunner, on the seed 004 pipeline (numpy, 4 chained tasks) and the same local image.

Warm: our derived image exists (kfp and numpy installed once). Cold: it is removed first, so
our run builds it. kfp.local pip-installs kfp and numpy inside every task's container, every
run. Each measurement is a fresh process; wall times include interpreter start.
Usage: python bench/docker_runners.py  (runs ci/setup_docker.sh first)
"""

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from scratch import use_scratch  # noqa: E402 (bench/ is on sys.path)

use_scratch("kfpnb-bench-docker-")  # every temporary folder below is made in it, and removed
SEED = Path(tempfile.mkdtemp(prefix="bench-docker-")) / "seed_pipeline.yaml"  # compiled here


def timed(argv: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env or os.environ.copy())
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return took


def ours(*extra: str) -> float:
    root = tempfile.mkdtemp(prefix="bench-docker-ours-")
    cli = [sys.executable, "-m", "kfp_notebook._cli", "run", str(SEED), "--runner", "docker"]
    return timed([*cli, "--pipeline-root", root, "--quiet", *extra])


def remove_derived_images() -> None:
    env = {**os.environ, "KFP_NOTEBOOK_ENV_DIR": tempfile.mkdtemp(prefix="bench-no-envs-")}
    timed([sys.executable, "-m", "kfp_notebook._cli", "gc", "--images"], env=env)


def kfp_local() -> float:
    root = tempfile.mkdtemp(prefix="bench-docker-kfplocal-")
    code = f"""
        import sys, warnings
        warnings.filterwarnings("ignore")
        sys.path.insert(0, {str(ROOT / "examples")!r})
        from kfp import local
        from seed_pipeline import seed_pipeline
        local.init(runner=local.DockerRunner(), pipeline_root={root!r})
        seed_pipeline()
    """
    return timed([sys.executable, "-c", textwrap.dedent(code)])


def main() -> None:
    subprocess.run(["bash", str(ROOT / "ci" / "setup_docker.sh")], check=True)
    script = ROOT / "examples" / "seed_pipeline.py"  # compiled into a temporary folder: the
    subprocess.run([sys.executable, str(script), str(SEED)], check=True)  # repo stays as it is
    remove_derived_images()
    cold = ours()
    ours()
    warm = min(ours() for _ in range(3))
    local_runs = [kfp_local() for _ in range(2)]
    local = min(local_runs)
    rows = [
        ("seed, kfp-notebook docker cold (derived image built in the run)", cold),
        ("seed, kfp-notebook docker warm (best of 3)", warm),
        ("seed, kfp.local DockerRunner (best of 2; pip-installs in every task)", local),
    ]
    print(f"\n{'measurement':<72} {'wall':>8}")
    for name, seconds in rows:
        print(f"{name:<72} {seconds:>7.2f}s")
    print("\nratios (kfp.local / kfp-notebook):")
    print(f"  warm: {local / warm:5.1f}x   (target >= 3x)")
    print(f"  cold: {local / cold:5.1f}x   (target >= 1x: no slower)")


if __name__ == "__main__":
    main()
