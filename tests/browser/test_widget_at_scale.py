"""The run widget at scale in real JupyterLab and Chromium: a ParallelFor of 1,000 trivial tasks
and a join, run in a notebook with the live widget and from the CLI, alternating, in this test.

- the cell's time (measured in the kernel around `kfp_notebook.run`) stays within a bound of
  the CLI's time for the same pipeline (medians of REPS runs each; see BOUND);
- no frame of the page is longer than 200 ms while the cell runs (requestAnimationFrame deltas
  sampled in the page); what the page received over its websockets meanwhile (the kernel's
  batches: bytes in all, the largest message) is printed;
- the widget's output holds under 2,500 DOM elements, also with the timeline shown (the loop's
  task one band);
- saved with widget state (as JupyterLab saves it: the front end's models), the notebook keeps
  the last run's widget with its whole task list in its final state, once;
- screenshots: the loop node mid-run, then the loop opened and one iteration's task selected.

The figures are printed (`pytest -s`) and written to test-artifacts/widget-at-scale.json.
`KFPNB_SCALE_ITERATIONS=5000 KFPNB_SCALE_REPS=2 pytest -s ...` measures another size."""

import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kfp import compiler, dsl

from kfp_notebook._views.packed_tasks import unpack_tasks
from tests.browser.conftest import ROOT
from tests.browser.notebooks import write_notebook

ITERATIONS = int(os.environ.get("KFPNB_SCALE_ITERATIONS", "1000"))
REPS = int(os.environ.get("KFPNB_SCALE_REPS", "3"))
# The target is 1.3x. The page and the kernel share this machine's 2 cores with the
# CLI-less run; BOUND leaves room for a loaded machine (other jobs), the figures say the rest.
TARGET = 1.3
BOUND = 1.6
MAX_FRAME_MS = 200
MAX_ELEMENTS = 2500


@dsl.component(base_image="python:3.11")
def tick(x: int) -> int:
    return x


@dsl.component(base_image="python:3.11")
def gather(xs: list) -> int:
    return len(xs)


@dsl.pipeline(name="thousand-ticks")
def thousand_ticks() -> int:
    with dsl.ParallelFor(list(range(ITERATIONS))) as x:
        t = tick(x=x)
    return gather(xs=dsl.Collected(t.output)).output


RUN_CELL = (
    "import time\n"
    "_start = time.perf_counter()\n"
    "run = kfp_notebook.run('thousand.yaml')\n"
    "print(f'CELL {time.perf_counter() - _start:.3f} {run.status.name} {run.run_id}')"
)

# requestAnimationFrame deltas while `window.kfpFrames.on`: the longest, and those over 50 ms.
SAMPLER = """() => {
  const f = { on: true, last: null, max: 0, long: [], count: 0 };
  window.kfpFrames = f;
  const tick = (t) => {
    if (f.last !== null) {
      const d = t - f.last;
      f.max = Math.max(f.max, d);
      f.count++;
      if (d > 50) f.long.push(Math.round(d));
    }
    f.last = t;
    if (f.on) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""

STOP_SAMPLER = "() => { window.kfpFrames.on = false; return window.kfpFrames; }"

OUTPUT_ELEMENTS = """() => {
  const root = document.querySelector('.kfpnb-root');
  const child = root && root.closest('.jp-OutputArea-child');
  const area = root && root.closest('.jp-OutputArea');
  return {
    widget: root ? root.querySelectorAll('*').length + 1 : -1,
    widget_output: child ? child.querySelectorAll('*').length + 1 : -1,
    cell_outputs: area ? area.querySelectorAll('*').length + 1 : -1,
  };
}"""


def _cli_run(yaml: Path, root: Path) -> float:
    cli = [sys.executable, "-m", "kfp_notebook._cli", "run", str(yaml), "--quiet"]
    start = time.perf_counter()
    subprocess.run([*cli, "--pipeline-root", str(root)], check=True, capture_output=True)
    return time.perf_counter() - start


CELL_LINE = """(before) => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[1];
  const out = cell.node.querySelector('.jp-OutputArea');
  const m = out && /CELL [0-9.]+ \\w+ \\S+/.exec(out.textContent);
  return m && m[0] !== before ? m[0] : null;
}"""


def _cell_line(page: Any, before: str | None, wait_ms: int = 600_000) -> str:
    """The run cell's printed line once it differs from `before` (a new run's)."""
    found = page.wait_for_function(CELL_LINE, arg=before, timeout=wait_ms, polling=250)
    return str(found.json_value())


def _run_cell(page: Any, before: str) -> tuple[float, str]:
    """Runs the notebook's second cell again; the seconds it printed (the run in the kernel)
    and its line."""
    page.evaluate(
        "() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 1;"
        " window.jupyterapp.commands.execute('notebook:run-cell'); }"
    )
    line = _cell_line(page, before)
    _, seconds, status, _run_id = line.split()
    assert status == "SUCCEEDED", line
    return float(seconds), line


class Received:
    """What the page receives over its websockets (the kernel's messages among them)."""

    def __init__(self) -> None:
        self.reset()

    def watch(self, socket: Any) -> None:
        socket.on("framereceived", self._frame)

    def _frame(self, payload: Any) -> None:
        self.bytes += len(payload)
        self.largest = max(self.largest, len(payload))
        self.messages += 1

    def reset(self) -> None:
        self.bytes, self.largest, self.messages = 0, 0, 0

    def figures(self) -> dict[str, int]:
        return {"bytes": self.bytes, "largest": self.largest, "messages": self.messages}


def _saved(page: Any, path: Path, run_id: str) -> dict[str, int]:
    """Saves the notebook; its size and the run widget's saved state's, which holds the run's
    whole task list in its final state (the notebook also keeps the earlier runs' widgets)."""
    before = path.stat().st_mtime_ns
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    deadline = time.monotonic() + 60
    while path.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.2)
    saved = json.loads(path.read_text())
    models = saved["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    [widget] = [
        m for m in models.values()
        if m["model_name"] == "AnyModel" and m["state"].get("run", {}).get("run_id") == run_id
    ]  # fmt: skip
    tasks, _ = unpack_tasks(widget["state"]["packed_tasks"])
    ticks = [t for t in tasks if t["kind"] == "container"]
    assert len(ticks) == ITERATIONS + 1 and {t["status"] for t in ticks} == {"SUCCEEDED"}
    runs = sum(m["model_name"] == "AnyModel" for m in models.values())
    return {
        "saved_notebook_bytes": path.stat().st_size,
        "saved_run_widgets": runs,
        "saved_run_widget_bytes": len(json.dumps(widget)),
    }


def test_thousand_iterations_live_widget(jupyterlab, page, screenshot) -> None:
    lab = jupyterlab.root_dir
    yaml = lab / "thousand.yaml"
    compiler.Compiler().compile(thousand_ticks, str(yaml))
    write_notebook(
        lab / "scale.ipynb",
        ["import kfp_notebook\nkfp_notebook.init(pipeline_root='scale_outputs')", RUN_CELL],
    )
    _cli_run(yaml, lab / "cli_outputs")  # builds the tasks' environment once for both

    received = Received()
    page.on("websocket", received.watch)
    jupyterlab.open(page, "scale.ipynb")
    # not awaited (a command's promise settles when its cell has run)
    page.evaluate(SAMPLER)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    # an unmeasured run first (the kernel's imports): the loop node mid-run
    loop = page.locator(".kfpnb-root .kfpnb-loop[data-kind='loop']").first
    loop.wait_for(timeout=180_000)
    counts = loop.locator(".kfpnb-loop-counts")
    page.wait_for_function(
        "() => { const c = document.querySelector('.kfpnb-root .kfpnb-loop-counts');"
        " const m = c && /^(\\d+) of (\\d+) done/.exec(c.textContent);"
        " return m && +m[1] >= 100 && +m[1] < +m[2] - 100; }",
        timeout=180_000,
        polling=100,
    )
    first = page.evaluate(STOP_SAMPLER)  # the widget's first view: the layout engine loads
    layout_ran_in = page.locator(".kfpnb-root .kfpnb-graph").first.get_attribute("data-layout")
    assert layout_ran_in == "worker"  # off the page's main thread
    screenshot(page.locator(".kfpnb-root").first, "widget-loop-running")
    mid = counts.text_content() or ""
    assert f"of {ITERATIONS} done" in mid, mid
    # those with a task started on one of the 2 workers and not yet recorded as ended: the
    # scheduler's thread records an end after the worker has taken the next task, so a loaded
    # machine shows a few more than 2 (seen: 5); started iterations waiting count as pending
    running = re.search(r"(\d+) running", mid)
    assert running is None or int(running.group(1)) <= 10, mid
    page.locator(".kfpnb-root .kfpnb-badge[data-status='SUCCEEDED']").wait_for(timeout=600_000)
    line = _cell_line(page, None)

    cli_times, cell_times, frames, elements, sizes = [], [], [], [], []
    for rep in range(REPS):
        cli_times.append(_cli_run(yaml, lab / "cli_outputs"))
        page.evaluate(SAMPLER)
        received.reset()
        seconds, line = _run_cell(page, line)
        cell_times.append(seconds)
        page.wait_for_timeout(300)  # the last batch drawn
        frames.append(page.evaluate(STOP_SAMPLER))
        sizes.append(received.figures())
        page.locator(".kfpnb-root .kfpnb-badge[data-status='SUCCEEDED']").wait_for()
        elements.append(page.evaluate(OUTPUT_ELEMENTS))
        print(f"rep {rep}: CLI {cli_times[-1]:.2f} s, cell {cell_times[-1]:.2f} s, "
              f"longest frame {frames[-1]['max']:.0f} ms, {elements[-1]}, {sizes[-1]}")  # fmt: skip

    saved = _saved(page, lab / "scale.ipynb", line.split()[3])
    cli, cell = statistics.median(cli_times), statistics.median(cell_times)
    longest = max(f["max"] for f in [first, *frames])
    figures = {
        "iterations": ITERATIONS,
        "cli_s": cli_times,
        "cell_s": cell_times,
        "ratio_of_medians": cell / cli,
        "longest_frame_ms": [f["max"] for f in frames],
        "frames_over_50ms": [f["long"] for f in frames],
        "frames_sampled": [f["count"] for f in frames],
        "received": sizes,
        "first_view_longest_frame_ms": first["max"],
        "first_view_frames_over_50ms": first["long"],
        "elements": elements,
        **saved,
    }
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "widget-at-scale.json").write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures))

    # the timeline: the loop's task is one band, not 1,000 rows; then back to the graph
    root = page.locator(".kfpnb-root").first
    root.locator(".kfpnb-view[data-view='timeline']").click()
    root.locator(".kfpnb-tl-row[data-band]").wait_for()
    rows = root.locator(".kfpnb-tl-row").evaluate_all("rs => rs.map(r => r.dataset.key)")
    assert len(rows) == 2 and rows[0].endswith("[*]/tick"), rows
    band = root.locator(".kfpnb-tl-row[data-band] .kfpnb-tl-time").inner_text()
    assert band.startswith(f"{ITERATIONS} of {ITERATIONS} done"), band
    timeline = page.evaluate(OUTPUT_ELEMENTS)
    print(f"timeline shown: {timeline}")
    root.locator(".kfpnb-view[data-view='graph']").click()

    # one iteration opened: the loop's first page, an iteration's task selected
    loop.click()
    iteration = page.locator(".kfpnb-root .kfpnb-group[data-kind='iteration']").first
    iteration.wait_for(timeout=60_000)
    assert page.locator(".kfpnb-root .kfpnb-group[data-kind='iteration']").count() == 10
    page_text = page.locator(".kfpnb-root .kfpnb-loop-page").text_content() or ""
    assert page_text == f"1\N{EN DASH}10 of {ITERATIONS}", page_text
    inside = f"{iteration.get_attribute('data-id')}/"  # nodes are drawn over the groups
    task = page.locator(f".kfpnb-root .kfpnb-node[data-id^='{inside}']").first
    task_id = task.get_attribute("data-id") or ""
    task.click()
    meta = page.locator(".kfpnb-root .kfpnb-outputs .kfpnb-meta", has_text="SUCCEEDED")
    meta.first.wait_for(timeout=30_000)
    assert page.locator(f".kfpnb-root .kfpnb-node.selected[data-id='{task_id}']").count() == 1
    opened = page.evaluate(OUTPUT_ELEMENTS)
    page.locator(".kfpnb-root").first.scroll_into_view_if_needed()
    screenshot(page.locator(".kfpnb-root").first, "widget-loop-iteration-open")

    shown = [*elements, opened, timeline]
    assert all(e["widget_output"] < MAX_ELEMENTS for e in shown), shown
    long_frames = [first["long"], *figures["frames_over_50ms"]]
    assert longest <= MAX_FRAME_MS, long_frames
    assert cell <= BOUND * cli, f"cell {cell:.2f} s vs CLI {cli:.2f} s (target {TARGET}x)"
