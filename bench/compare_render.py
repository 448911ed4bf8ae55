"""The comparison view's rendering in a real Chromium: the built widget bundle
(kfp_notebook/static/compare.js, what the notebook and the sidebar tab draw) over a real
`ComparisonJSON` of 10 runs, each logging 6 metrics, a 500-point ROC curve, a 3x3 confusion
matrix, a Markdown and an HTML report.

Times `render()` until the next animation frame (DOM built, styled, laid out), first and median
of 20, in fresh elements of one 1400x1000 page. The Markdown and HTML reports lie below the fold
there: the view draws them when scrolled to (IntersectionObserver), so they are not counted;
the last line renders without them at all, for comparison. The data comes from `compare_runs`
in this process; fetching it over HTTP is `bench/compare.py`'s part.
Usage: python bench/compare_render.py [--runs 10]
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from kfp import dsl
from kfp.dsl import HTML, ClassificationMetrics, Markdown, Metrics, Output

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from kfp_notebook import RunState, Session  # noqa: E402
from kfp_notebook._store.reader import StoreReader  # noqa: E402
from kfp_notebook._views.compare.model import compare_runs  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
BUNDLE = ROOT / "kfp_notebook" / "static" / "compare.js"


@dsl.component(base_image="python:3.11")
def evaluate(
    seed: int,
    metrics: Output[Metrics],
    quality: Output[ClassificationMetrics],
    notes: Output[Markdown],
    page: Output[HTML],
) -> None:
    import math

    for name in ("accuracy", "precision", "recall", "f1", "loss", "latency_ms"):
        metrics.log_metric(name, round(0.5 + ((seed * 7 + len(name)) % 10) / 21, 4))
    fpr = [i / 499 for i in range(500)]
    tpr = [min(1.0, x ** (1 / (1.5 + seed / 4))) for x in fpr]
    quality.log_roc_curve(fpr, tpr, [1 - x for x in fpr])
    quality.log_confusion_matrix(["a", "b", "c"], [[9, 1, 0], [2, 7, 1], [0, 1, 9 + seed]])
    with open(notes.path, "w") as f:
        f.write(
            f"# Run {seed}\n\n" + "".join(f"- item {i}: {math.sqrt(i):.3f}\n" for i in range(50))
        )
    with open(page.path, "w") as f:
        f.write(f"<html><body><h1>Report {seed}</h1><p>{'text ' * 200}</p></body></html>")


@dsl.pipeline(name="scored")
def scored(seed: int = 0) -> None:
    evaluate(seed=seed)


PAGE_JS = """
async ([url, data]) => {
  const mod = await import(url);
  const model = { get: (k) => data[k], on() {}, off() {} };
  const times = [];
  const sync = [];
  for (let i = 0; i < 21; i++) {
    const el = document.createElement("div");
    document.body.replaceChildren(el);
    const start = performance.now();
    mod.default.render({ model, el });
    sync.push(performance.now() - start);
    await new Promise((done) => requestAnimationFrame(() => done()));
    el.getBoundingClientRect();
    times.push(performance.now() - start);
  }
  const nodes = document.body.querySelectorAll("*").length;
  const curves = document.body.querySelectorAll("path.kfpc-curve").length;
  return { times, sync, nodes, curves };
}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-compare-render-") as tmp:
        root = (Path(tmp) / "root").resolve()
        session = Session(pipeline_root=root, raise_on_error=False, experiment="bench")
        try:
            ids = []
            for seed in range(args.runs):
                run = session.run(scored, {"seed": seed})
                assert run.status is RunState.SUCCEEDED, run.error
                ids.append(run.run_id)
        finally:
            session.close()
        data = compare_runs(StoreReader(root), ids)
    body = json.dumps(data)
    print(f"ComparisonJSON of {len(ids)} runs: {len(body):,} bytes")

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route(
            "http://bench.local/**",
            lambda route: route.fulfill(
                body=BUNDLE.read_bytes() if route.request.url.endswith(".js") else b"<body>",
                content_type="text/javascript"
                if route.request.url.endswith(".js")
                else "text/html",
            ),
        )
        page.goto("http://bench.local/")
        url = "http://bench.local/compare.js"
        start = time.perf_counter()
        found = page.evaluate(PAGE_JS, [url, {"comparison": data, "trend": {}}])
        wall = time.perf_counter() - start
        bare = page.evaluate(PAGE_JS, [url, {"comparison": {**data, "documents": []}, "trend": {}}])
        browser.close()
    times = found["times"]
    assert found["curves"] == len(ids), found
    print(f"  {found['nodes']:,} elements, {found['curves']} ROC curves overlaid")
    print(
        f"  render to the next frame: first {times[0]:.1f} ms (includes the module's first run), "
        f"median of the other 20 {statistics.median(times[1:]):.1f} ms "
        f"(21 renders in {wall:.1f} s wall); of which the script "
        f"{statistics.median(found['sync'][1:]):.1f} ms"
    )
    print(
        f"  with no Markdown and HTML reports in the data: median "
        f"{statistics.median(bare['times'][1:]):.1f} ms"
    )


if __name__ == "__main__":
    from scratch import use_scratch

    use_scratch("kfpnb-bench-compare-render-")
    main()
