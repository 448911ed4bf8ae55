"""Comparing 10 runs of a 200-task pipeline must open in under 300 ms over HTTP.

Makes 10 real runs (through a Session, into a temporary pipeline root) of a pipeline of 199
parallel tasks and a join that logs a Metrics artifact, each with a different parameter; then
times the comparison (a) in this process (what the handler computes) and (b) over HTTP against
a real `jupyter server` with the extension: `GET roots/ID/compare?runs=...`, the first request
and the median of 20. Usage: python bench/compare.py [--runs 10]
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, List

from kfp import dsl
from kfp.dsl import Metrics, Output

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from pipelines import IMAGE, square  # noqa: E402
from serve import serve  # noqa: E402

from kfp_notebook import RunState, Session  # noqa: E402
from kfp_notebook._store.reader import StoreReader  # noqa: E402
from kfp_notebook._views.compare.model import compare_runs  # noqa: E402

TARGET_MS = 300.0


@dsl.component(base_image=IMAGE)
def scored_join(xs: list, seed: int, metrics: Output[Metrics]) -> int:
    metrics.log_metric("accuracy", 0.5 + (seed % 7) / 20)
    metrics.log_metric("loss", 1.0 / (seed + 1))
    return len(xs)


@dsl.pipeline(name="two-hundred-scored")
def two_hundred_scored(seed: int = 0) -> int:
    with dsl.ParallelFor(list(range(199))) as x:
        sq = square(x=x)
    return scored_join(xs=dsl.Collected(sq.output), seed=seed).outputs["Output"]


def median_ms(fn: Callable[[], object], repeat: int = 20) -> float:
    times: List[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        work = Path(tmp)
        root = (work / "root").resolve()
        session = Session(pipeline_root=root, raise_on_error=False, experiment="bench")
        start = time.perf_counter()
        try:
            ids = []
            for seed in range(args.runs):
                run = session.run(two_hundred_scored, {"seed": seed})
                assert run.status is RunState.SUCCEEDED, run.error
                ids.append(run.run_id)
        finally:
            session.close()
        leaves = len(StoreReader(root).leaf_summaries(ids[0]))
        took = time.perf_counter() - start
        print(f"made {args.runs} runs of {leaves} tasks (plus loop iterations) in {took:.1f} s")

        reader = StoreReader(root)
        in_process = median_ms(lambda: json.dumps(compare_runs(reader, ids)))
        reader.close()
        body = json.dumps(compare_runs(StoreReader(root), ids))
        print(f"  in process: compare {len(ids)} runs {in_process:7.2f} ms ({len(body):,} bytes)")

        with serve([root], work) as get:
            rid = json.loads(get("/roots"))["roots"][0]["id"]
            url = f"/roots/{rid}/compare?runs={','.join(ids)}"
            cold_start = time.perf_counter()
            first = json.loads(get(url))
            cold = (time.perf_counter() - cold_start) * 1000
            assert len(first["runs"]) == len(ids) and len(first["tasks"]) >= 200
            assert any(m["key"].endswith("/accuracy") for m in first["metrics"])
            warm = median_ms(lambda: get(url))
        print(f"  over HTTP: first request {cold:7.2f} ms, median of 20 {warm:7.2f} ms")
        verdict = "OK" if warm < TARGET_MS else "OVER"
        print(
            f"  compare over HTTP (median): {warm:.1f} ms vs target {TARGET_MS:.0f} ms: {verdict}"
        )


if __name__ == "__main__":
    from scratch import use_scratch

    use_scratch("kfpnb-bench-compare-")
    main()
