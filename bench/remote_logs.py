"""How late a task's log line reaches the notebook: the same pipeline run locally and on a
cluster (`kfp-notebook serve`, KFP's REST API, followed by the Kubeflow runner as a real cluster
is: run polling, and each task's log from `/apis/v1alpha1/runs/{run}/nodes/{node}/log`). The
task prints its clock every 0.25 s; the listener the widget uses (the session's event bus)
takes the difference on arrival. Prints the median and 90th percentile per side and what
the cluster's route adds (a ratio would mean little: a local line arrives in under a ms).
Usage: python bench/remote_logs.py [--lines 40] [--repeat 3]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def _pipeline(lines: int) -> Any:
    from kfp import dsl

    @dsl.component(base_image="python:3.11")
    def ticker(lines: int) -> None:
        import time

        for _ in range(lines):
            print(f"tick {time.time():.6f}", flush=True)
            time.sleep(0.25)

    @dsl.pipeline(name="log-latency")
    def log_latency(lines: int = lines) -> None:
        ticker(lines=lines)

    return log_latency


def _delays(session: Any, pipeline: Any) -> list[float]:
    from kfp_notebook._model.events import LogLine

    delays: list[float] = []

    def listener(event: Any) -> None:
        if isinstance(event, LogLine) and event.text.startswith("tick "):
            delays.append(time.time() - float(event.text.split()[1]))

    unsubscribe = session.subscribe(listener)
    try:
        run = session.run(pipeline)
        assert run.status.value == "SUCCEEDED", run.error
    finally:
        unsubscribe()
    return delays


def _report(label: str, delays: list[float]) -> float:
    ordered = sorted(delays)
    med = statistics.median(ordered)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    print(f"{label:8} {len(ordered):4} lines: median {med * 1e3:7.1f} ms, p90 {p90 * 1e3:7.1f} ms")
    return med


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kfpnb-bench-logs-") as tmp:
        os.environ["KFP_NOTEBOOK_HOME"] = str(Path(tmp) / "home")
        from serve_helper import TOKEN, serving

        from kfp_notebook import KubeflowRunner, Session

        pipeline = _pipeline(args.lines)
        (Path(tmp) / "cluster").mkdir()
        local, remote = [], []
        with serving(Path(tmp) / "cluster" / "outputs") as url:
            here = Session("subprocess", pipeline_root=Path(tmp) / "local")
            there = Session(KubeflowRunner(endpoint=url, existing_token=TOKEN),
                            pipeline_root=Path(tmp) / "followed")  # fmt: skip
            try:
                for _ in range(args.repeat):  # alternated: both sides see the same load
                    local += _delays(here, pipeline)
                    remote += _delays(there, pipeline)
            finally:
                here.close()
                there.close()
    a, b = _report("local", local), _report("cluster", remote)
    print(f"the cluster's route adds {(b - a) * 1e3:.0f} ms (medians; the follower polls logs)")
    return 0


if __name__ == "__main__":
    from scratch import use_scratch

    use_scratch("kfpnb-bench-remote-logs-")
    sys.exit(main())
