"""The run widget and the sidebar in Notebook 7 (`jupyter notebook`) and real Chromium: the
widget renders with its whole graph inside its pane, `%kfp show` re-displays the run, and the
sidebar opens from View > Left Sidebar, its actions opening their views below the notebook."""

from typing import Any

from notebooks import write_notebook

CELLS = [
    """\
%load_ext kfp_notebook
import kfp_notebook
from kfp import dsl

@dsl.component(base_image="python:3.11")
def part(i: int) -> int:
    print(f"part {i}", flush=True)
    return i * i

@dsl.component(base_image="python:3.11")
def total(values: list) -> int:
    return sum(values)

@dsl.pipeline
def fan(n: list = [1, 2, 3, 4, 5]) -> int:
    with dsl.ParallelFor(n) as i:
        squared = part(i=i)
    return total(values=dsl.Collected(squared.output)).output

kfp_notebook.init(runner=kfp_notebook.SubprocessRunner(use_venv=False), pipeline_root="nb7_outputs")
run = kfp_notebook.run(fan)
""",
    "%kfp show {run.run_id}",
]


def _inside(widget: Any) -> list[str]:
    """Ids of the graph's nodes drawn (partly) outside the graph's pane."""
    return widget.evaluate(
        """root => {
          const pane = root.querySelector('.kfpnb-graph').getBoundingClientRect();
          return [...root.querySelectorAll('.kfpnb-node rect')].filter(r => {
            const b = r.getBoundingClientRect();
            return b.top < pane.top || b.bottom > pane.bottom
              || b.left < pane.left || b.right > pane.right;
          }).map(r => r.parentNode.getAttribute('data-id'));
        }"""
    )


def test_widget_and_sidebar_in_notebook_7(notebook7, page, screenshot) -> None:
    write_notebook(notebook7.root_dir / "fan.ipynb", CELLS)
    notebook7.open(page, "fan.ipynb", ui="notebooks")
    assert page.locator("#jp-NotebookPanel, .jp-NotebookPanel").count() >= 1
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    widgets = page.locator(".kfpnb-root")
    first = widgets.first
    first.locator(".kfpnb-badge[data-status='SUCCEEDED']").wait_for(timeout=180_000)
    first.locator(".kfpnb-node[data-id='total']").wait_for()
    assert first.locator(".kfpnb-node").count() == 6
    page.wait_for_timeout(500)  # the layout settles
    assert _inside(first) == []  # nothing clipped: the graph fits its pane
    first.locator(".kfpnb-node[data-id='total']").click()
    first.locator(".kfpnb-outputs", has_text="Output").wait_for(timeout=30_000)
    assert "55" in first.locator(".kfpnb-outputs").inner_text()
    first.scroll_into_view_if_needed()
    screenshot(first, "notebook7-widget")

    # %kfp show RUN: the same run again, from the store
    again = widgets.nth(1)
    again.locator(".kfpnb-badge[data-status='SUCCEEDED']").wait_for(timeout=60_000)
    assert again.locator(".kfpnb-title").inner_text() == first.locator(".kfpnb-title").inner_text()
    assert again.locator(".kfpnb-node").count() == 6

    # the sidebar: View > Left Sidebar > Show Pipeline runs (kfp-notebook)
    page.locator(".lm-MenuBar-itemLabel", has_text="View").click()
    page.locator(".lm-Menu-itemLabel", has_text="Left Sidebar").first.hover()
    page.locator(".lm-Menu-itemLabel", has_text="Show Pipeline runs (kfp-notebook)").click()
    sidebar = page.locator("#kfp-notebook-sidebar")
    sidebar.wait_for(timeout=15_000)
    sidebar.locator(".kfpsb-root", has_text="nb7_outputs").wait_for(timeout=15_000)
    row = sidebar.locator(".kfpsb-root", has_text="nb7_outputs")
    assert row.locator(".kfpsb-meta").inner_text() == "1 run"
    screenshot(page, "notebook7-sidebar")

    # its actions open views: Notebook 7's main area holds the notebook, so they go below it
    row.click()
    run_row = sidebar.locator(".kfpsb-run").first
    run_row.wait_for(timeout=15_000)
    run_row.hover()
    run_row.locator("button[title='Open the run log']").click()
    log = page.locator("#jp-down-stack .kfpsb-logview")
    log.wait_for(timeout=15_000)
    page.locator("#jp-down-stack .kfpsb-log", has_text="part 3").wait_for(timeout=15_000)
    assert page.locator(".jp-NotebookPanel").count() >= 1  # the notebook stays where it was
    assert log.bounding_box()["height"] > 200  # room to read it, not a sliver
    screenshot(page, "notebook7-sidebar-log")
