"""The run widget's timeline in real JupyterLab and Chromium.

- a fan-out pipeline (prep, then left and right on the 2 workers, then report): the "Timeline"
  switch in the header shows one bar per task instead of the graph; a running bar grows; the
  parallel two overlap, each dependent task starts after its upstream ends; a click on a bar
  selects its task as a click on its graph node does (the log and task panes), as Enter on a
  focused row does; labels and axis follow JupyterLab's dark theme; screenshots
  test-artifacts/screenshots/timeline.png (docs/timeline.png is a copy) and timeline-dark.png;
- a loop of 200 iterations: one band for its task with the counts, not 200 rows, and the
  widget's DOM stays small."""

from typing import Any

from playwright.sync_api import expect

from tests.browser.notebooks import write_notebook

INIT = (
    "import kfp_notebook\n"
    "from kfp import dsl\n"
    "kfp_notebook.init(pipeline_root='timeline_outputs', max_workers=2)"
)

FAN_OUT = """
@dsl.component(base_image='python:3.11')
def prep() -> int:
    print('preparing', flush=True)
    return 1

@dsl.component(base_image='python:3.11')
def left(x: int) -> int:
    import time
    print('left working', flush=True)
    time.sleep(4)
    return x + 1

@dsl.component(base_image='python:3.11')
def right(x: int) -> int:
    import time
    print('right working', flush=True)
    time.sleep(4)
    return x + 1

@dsl.component(base_image='python:3.11')
def report(a: int, b: int) -> int:
    print(f'reporting {a + b}', flush=True)
    return a + b

@dsl.pipeline(name='fan-out')
def fan_out() -> int:
    p = prep()
    a, b = left(x=p.output), right(x=p.output)
    return report(a=a.output, b=b.output).output

run = kfp_notebook.run(fan_out)
"""

LOOP = """
@dsl.component(base_image='python:3.11')
def tick(x: int) -> int:
    return x

@dsl.component(base_image='python:3.11')
def gather(xs: list) -> int:
    return len(xs)

@dsl.pipeline(name='two-hundred-ticks')
def two_hundred() -> int:
    with dsl.ParallelFor(list(range(200))) as x:
        t = tick(x=x)
    return gather(xs=dsl.Collected(t.output)).output

run = kfp_notebook.run(two_hundred)
"""

MAX_ELEMENTS = 2500  # the whole widget's bound at 1,000 iterations (test_widget_at_scale.py)

BARS = """rows => rows.map(r => {
  const el = r.querySelector('.kfpnb-tl-bar');
  const bar = el.getBoundingClientRect();
  // the time a bar stands for: its style width (the CSS min-width draws a short task wider)
  const track = el.parentElement.getBoundingClientRect().width;
  const end = bar.left + (parseFloat(el.style.width || '0') * track) / 100;
  return { key: r.getAttribute('data-key'), status: r.getAttribute('data-status'),
           left: bar.left, right: bar.right, width: bar.width, end };
})"""


def _bars(widget: Any) -> dict[str, dict[str, Any]]:
    rows = widget.locator(".kfpnb-tl-row").evaluate_all(BARS)
    return {r["key"]: r for r in rows}


def test_timeline_of_a_fan_out(jupyterlab, page, screenshot) -> None:
    write_notebook(jupyterlab.root_dir / "timeline.ipynb", [INIT, FAN_OUT])
    jupyterlab.open(page, "timeline.ipynb")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    widget = page.locator(".kfpnb-root").first
    widget.wait_for(timeout=180_000)
    toggle = widget.locator(".kfpnb-view[data-view='timeline']")
    assert widget.locator(".kfpnb-view[data-view='graph']").get_attribute("aria-pressed") == "true"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    expect(widget.locator(".kfpnb-graph")).to_be_hidden()
    expect(widget.locator(".kfpnb-timeline")).to_be_visible()

    # a running task's bar grows to now
    running = widget.locator(".kfpnb-tl-row[data-key='left'][data-status='RUNNING']")
    running.wait_for(timeout=180_000)
    before = running.locator(".kfpnb-tl-bar").bounding_box()
    page.wait_for_timeout(1200)
    after = running.locator(".kfpnb-tl-bar").bounding_box() if running.count() else None
    if before and after:  # still running (a loaded machine may be slower than the sleep)
        assert after["width"] > before["width"], (before, after)

    widget.locator(".kfpnb-badge[data-status='SUCCEEDED']").wait_for(timeout=180_000)
    page.wait_for_timeout(600)  # the last refresh
    bars = _bars(widget)
    assert set(bars) == {"prep", "left", "right", "report"}, bars
    assert {b["status"] for b in bars.values()} == {"SUCCEEDED"}, bars
    prep, left, right, last = bars["prep"], bars["left"], bars["right"], bars["report"]
    keys = widget.locator(".kfpnb-tl-row").evaluate_all("rs => rs.map(r => r.dataset.key)")
    assert keys[0] == "prep" and keys[-1] == "report", keys  # earliest start first
    # pixels of the same track: the parallel two overlap, dependents start after upstream ends
    assert max(left["left"], right["left"]) < min(left["right"], right["right"]), bars
    assert min(left["left"], right["left"]) >= prep["end"] - 1, bars
    assert last["left"] >= max(left["end"], right["end"]) - 1, bars
    assert min(left["width"], right["width"]) > prep["width"], bars  # 4 s of sleep
    ticks = widget.locator(".kfpnb-tl-ticks > span").all_inner_texts()
    assert ticks[0] == "0" and len(ticks) >= 3 and ticks[-1].endswith(" s"), ticks

    # a click on a bar selects its task, as a click on its node does
    widget.locator(".kfpnb-tl-row[data-key='report'] .kfpnb-tl-bar").click()
    expect(widget.locator(".kfpnb-tl-row.selected")).to_have_attribute("data-key", "report")
    meta = widget.locator(".kfpnb-outputs .kfpnb-meta", has_text="report · SUCCEEDED")
    meta.first.wait_for(timeout=30_000)
    widget.locator(".kfpnb-log-lines", has_text="reporting 4").wait_for(timeout=30_000)
    page.set_viewport_size({"width": 1100, "height": 900})
    widget.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    screenshot(widget, "timeline")

    # JupyterLab's dark theme: the labels and the axis follow it
    _theme(page, "JupyterLab Dark")
    colours = widget.evaluate(
        "el => ['.kfpnb-tl-row .kfpnb-tl-label', '.kfpnb-tl-ticks > span']"
        ".map(s => getComputedStyle(el.querySelector(s)).color)"
    )
    assert all(_luminance(c) > 0.5 for c in colours), colours
    screenshot(widget, "timeline-dark")
    _theme(page, "JupyterLab Light")

    widget.locator(".kfpnb-view[data-view='graph']").click()
    expect(widget.locator(".kfpnb-timeline")).to_be_hidden()
    widget.locator(".kfpnb-node.selected[data-id='report']").wait_for(timeout=30_000)

    # from the keyboard: a row takes the focus, Enter selects its task
    widget.locator(".kfpnb-view[data-view='timeline']").click()
    widget.locator(".kfpnb-tl-row[data-key='left']").focus()
    page.keyboard.press("Enter")
    expect(widget.locator(".kfpnb-tl-row.selected")).to_have_attribute("data-key", "left")
    widget.locator(".kfpnb-outputs .kfpnb-meta", has_text="left · SUCCEEDED").first.wait_for()


def _theme(page: Any, name: str) -> None:
    page.evaluate("(theme) => window.jupyterapp.commands.execute('apputils:change-theme',"
                  " { theme })", name)  # fmt: skip
    light = "true" if "Light" in name else "false"
    page.wait_for_function("(l) => document.body.dataset.jpThemeLight === l", arg=light)
    page.wait_for_timeout(500)  # the theme's CSS applied


def _luminance(colour: str) -> float:
    """`rgb(r, g, b)` as 0 (black) to 1 (white)."""
    r, g, b = (int(x) for x in colour[colour.index("(") + 1 : -1].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_timeline_of_a_large_loop_is_one_band(jupyterlab, page, screenshot) -> None:
    write_notebook(jupyterlab.root_dir / "timeline_loop.ipynb", [INIT, LOOP])
    jupyterlab.open(page, "timeline_loop.ipynb")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    widget = page.locator(".kfpnb-root").first
    widget.wait_for(timeout=180_000)
    widget.locator(".kfpnb-view[data-view='timeline']").click()
    band = widget.locator(".kfpnb-tl-row[data-band]")
    band.wait_for(timeout=180_000)
    widget.locator(".kfpnb-badge[data-status='SUCCEEDED']").wait_for(timeout=600_000)
    page.wait_for_timeout(600)
    keys = widget.locator(".kfpnb-tl-row").evaluate_all("rs => rs.map(r => r.dataset.key)")
    assert len(keys) == 2 and keys[0].endswith("[*]/tick") and keys[1] == "gather", keys
    assert band.locator(".kfpnb-tl-time").inner_text().startswith("200 of 200 done · ≤"), keys
    assert band.locator(".kfpnb-tl-label").inner_text().endswith("\N{MULTIPLICATION SIGN}200")
    elements = widget.evaluate(
        "el => [el.querySelectorAll('*').length,"
        " el.querySelector('.kfpnb-timeline').querySelectorAll('*').length]"
    )
    print(f"200 iterations: widget elements {elements[0]}, timeline {elements[1]}")
    assert elements[1] < 60 and elements[0] < MAX_ELEMENTS, elements
    band.locator(".kfpnb-tl-bar").click()  # the slowest iteration's task
    meta = widget.locator(".kfpnb-outputs .kfpnb-meta", has_text="/tick · SUCCEEDED")
    meta.first.wait_for(timeout=30_000)
    expect(band).to_have_class("kfpnb-tl-row selected")
    widget.scroll_into_view_if_needed()
    screenshot(widget, "timeline-loop")
