"""The Kubeflow bridge, timed: `kfp-notebook serve` driven by kfp.Client, and the same pipeline
followed by the Kubeflow runner (submit, poll, map, emit) against it.

python bench/kfp_bridge.py   (tasks run in this interpreter: --no-venv)"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

import kfp
from kfp import compiler, dsl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from serve_helper import TOKEN, serving

from kfp_notebook import KubeflowRunner, Session, SubprocessRunner


@dsl.component
def step(x: int) -> int:
    return x + 1


@dsl.pipeline(name="chain")
def chain(x: int = 0):
    a = step(x=x)
    b = step(x=a.output)
    step(x=b.output)


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    package = tmp / "chain.yaml"
    compiler.Compiler().compile(chain, str(package))
    with serving(tmp / "served") as url:
        client = kfp.Client(host=url, existing_token=TOKEN)
        walls = []
        for _ in range(3):
            start = time.perf_counter()
            run = client.create_run_from_pipeline_package(str(package), arguments={"x": 1})
            client.wait_for_run_completion(run.run_id, timeout=300, sleep_duration=0.1)
            walls.append(time.perf_counter() - start)
        gets = []
        for _ in range(50):
            start = time.perf_counter()
            client.get_run(run.run_id)
            gets.append(time.perf_counter() - start)
        runner = KubeflowRunner(endpoint=url, existing_token=TOKEN, poll_interval=0.2)
        session = Session(runner, pipeline_root=tmp / "local", raise_on_error=False)
        followed = []
        for _ in range(3):
            start = time.perf_counter()
            session.run(chain, {"x": 1})
            followed.append(time.perf_counter() - start)
        session.close()
    here = Session(SubprocessRunner(use_venv=False), pipeline_root=tmp / "here")
    local = []
    for _ in range(3):
        start = time.perf_counter()
        here.run(chain, {"x": 1})
        local.append(time.perf_counter() - start)
    here.close()
    print(
        f"the same run locally in this process (reference): "
        f"median {statistics.median(local):.2f}s of {[round(w, 2) for w in local]}"
    )
    print(
        f"kfp.Client -> serve, 3-task chain, create to SUCCEEDED: "
        f"median {statistics.median(walls):.2f}s of {[round(w, 2) for w in walls]}"
    )
    print(f"GET run with task_details: median {statistics.median(gets) * 1000:.1f} ms")
    print(
        f"KubeflowRunner followed run, submit to RunFinished: "
        f"median {statistics.median(followed):.2f}s of {[round(w, 2) for w in followed]}"
    )


if __name__ == "__main__":
    from scratch import use_scratch

    use_scratch("kfpnb-bench-kfp-bridge-")
    main()
