"""The graph of a pipeline before it runs, drawn in Chromium: the page `kfp-notebook graph -o`
writes, opened from a file:// URL (it loads nothing else), and the graph widget a pipeline
function displays in JupyterLab. Both are drawn by the run widget's task graph: one node per
task, a group per loop, condition, exit handler and nested pipeline, and an arrow per edge."""

import subprocess
import sys
from pathlib import Path
from typing import Any

from kfp import dsl

from tests.browser.notebooks import write_notebook

CLI = [sys.executable, "-m", "kfp_notebook._cli"]


@dsl.component(base_image="python:3.11")
def load_data() -> int:
    return 3


@dsl.component(base_image="python:3.11")
def train(lr: float, rows: int) -> float:
    return lr * rows


@dsl.component(base_image="python:3.11")
def report(scores: list) -> None:
    print(scores)


@dsl.component(base_image="python:3.11")
def notify() -> None:
    pass


@dsl.pipeline(name="evaluate")
def evaluate(score: float) -> None:
    report(scores=[score])


@dsl.pipeline(name="sweep")
def sweep() -> None:
    done = notify()
    with dsl.ExitHandler(done):
        data = load_data()
        with dsl.ParallelFor([0.1, 0.01, 0.001]) as lr:
            trained = train(lr=lr, rows=data.output)
        report(scores=dsl.Collected(trained.output))
        with dsl.If(data.output > 2):
            evaluate(score=0.5)


LEAVES = 5  # notify, load-data, train, report, and evaluate's report
GROUPS = 4  # the exit handler, the loop, the condition, the nested pipeline


def _drawn(root: Any) -> dict[str, Any]:
    return root.evaluate(
        "el => ({ nodes: el.querySelectorAll('.kfpnb-node').length,"
        " groups: el.querySelectorAll('.kfpnb-group').length,"
        " edges: el.querySelectorAll('.kfpnb-edge').length,"
        " labels: [...el.querySelectorAll('.kfpnb-node .kfpnb-time')].map(t => t.textContent) })"
    )


def test_the_written_page_draws_the_graph_offline(tmp_path: Path, compile_to, page, screenshot):
    out = tmp_path / "sweep.html"
    done = subprocess.run(
        [*CLI, "graph", str(compile_to(sweep)), "-o", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 960, "height": 390})
    page.goto(out.as_uri())
    page.wait_for_function(
        f"() => document.querySelectorAll('.kfpnb-node').length === {LEAVES}", timeout=60_000
    )
    drawn = _drawn(page.locator("[data-kfpnb-graph]"))
    assert drawn["nodes"] == LEAVES and drawn["groups"] == GROUPS, drawn
    assert drawn["edges"] >= 4, drawn  # load-data -> train, -> condition, train -> report, ...
    # each leaf names its component (KFP numbers a second use of one: report-2)
    assert sorted(drawn["labels"]) == ["load-data", "notify", "report", "report-2", "train"]
    titles = page.locator(".kfpnb-group title").all_text_contents()
    assert any("for each of [0.1, 0.01, 0.001]" in t for t in titles), titles
    assert any("\nif " in t for t in titles), titles
    # nothing fetched: the page holds it all; the layout's Web Worker starts from a blob:
    # URL the page made from its own text, so that is the only other request allowed
    fetched = [u for u in requests if not u.startswith("blob:")]
    assert fetched == [out.as_uri()], requests
    page.wait_for_selector("[data-layout='worker']", timeout=30_000)  # that worker laid it out
    assert not errors, errors
    screenshot(page, "static-graph")  # docs/graph.png is a copy of this


def test_a_pipeline_function_displays_its_graph_in_jupyterlab(jupyterlab, page) -> None:
    source = Path(__file__).read_text()
    start, end = source.index("@dsl.component"), source.index("LEAVES =")
    cells = ["%load_ext kfp_notebook\nfrom kfp import dsl", source[start:end], "sweep"]
    write_notebook(jupyterlab.root_dir / "graph.ipynb", cells)
    jupyterlab.open(page, "graph.ipynb")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    widget = page.locator(".kfpnb-static-root")
    widget.wait_for(timeout=120_000)
    page.wait_for_function(
        "(n) => { const w = document.querySelector('.kfpnb-static-root');"
        " return w && w.querySelectorAll('.kfpnb-node').length === n; }",
        arg=LEAVES,
        timeout=120_000,
    )
    drawn = _drawn(widget)
    assert drawn["groups"] == GROUPS, drawn
    assert "sweep · 5 task(s) · before it runs" in widget.locator(".kfpnb-title").inner_text()
