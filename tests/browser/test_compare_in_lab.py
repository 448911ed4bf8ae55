"""Run comparison in real JupyterLab and Chromium: runs picked in the sidebar (checkbox, then
shift-click for a range) open a Compare tab with 3 ROC curves overlaid and the best metrics
marked; the experiment filter and its trend; and the inline widget of `%kfp compare`."""

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.support.compare_pipelines import Runs, make_runs


@pytest.fixture(scope="module")
def runs(jupyterlab: Any) -> Runs:
    """a, b (train v1), c (train v2), 7 more of experiment `sweep`, d in `misc`; in the lab's
    root folder `outputs` (a registered root: the sidebar lists it)."""
    return make_runs((jupyterlab.root_dir / "outputs").resolve())


def _open_sidebar(jupyterlab: Any, page: Any) -> Any:
    page.goto(f"{jupyterlab.url}/lab?reset&token={jupyterlab.token}")
    page.locator("li[data-id='kfp-notebook-sidebar']").click()
    sidebar = page.locator("#kfp-notebook-sidebar")
    root = sidebar.locator(".kfpsb-root", has_text="outputs")
    root.wait_for(timeout=30_000)
    return sidebar


def _tags(document: str) -> list[tuple[str, dict[str, str]]]:
    """Every start tag of an HTML document with its attributes (attribute values stay text)."""
    found: list[tuple[str, dict[str, str]]] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, {k: v or "" for k, v in attrs}))

    Tags().feed(document)
    return found


def _metric_cells(view: Any, key: str) -> list[str]:
    row = view.locator(f"tr[data-metric='{key}'] td")
    return [str(c) for c in row.evaluate_all("tds => tds.map(td => td.className)")]


def test_select_runs_in_the_sidebar_and_compare(jupyterlab, runs, page, screenshot) -> None:
    sidebar = _open_sidebar(jupyterlab, page)
    sidebar.locator(".kfpsb-root", has_text="outputs").click()
    button = sidebar.locator(".kfpsb-compare-button")
    assert button.is_disabled()

    def pick(key: str, **kwargs: Any) -> None:
        row = sidebar.locator(f".kfpsb-run[data-run-id='{runs.ids[key]}']")
        row.locator("input.kfpsb-pick").click(**kwargs)

    pick("a")
    assert button.is_disabled()  # one run is no comparison
    pick("c", modifiers=["Shift"])  # the range a..c of the list (newest first: c, b, a)
    assert button.inner_text() == "Compare 3"
    # picking did not expand the rows
    assert sidebar.locator(".kfpsb-task").count() == 0
    button.click()

    view = page.locator(".kfpsb-compare .kfpc-root")
    view.wait_for(timeout=30_000)
    heads = view.locator(".kfpc-runs tbody tr").first.locator("td").all_inner_texts()
    assert heads == [runs.ids["a"], runs.ids["b"], runs.ids["c"]]  # oldest first

    curves = view.locator("svg.kfpc-roc path.kfpc-curve")
    assert curves.count() == 3
    strokes = curves.evaluate_all("ps => ps.map(p => p.getAttribute('stroke'))")
    assert len(set(strokes)) == 3
    legend = view.locator("svg.kfpc-roc .kfpc-legend").all_text_contents()
    assert legend == [f"#{i + 1} {runs.ids[k]}" for i, k in enumerate("abc")]

    # accuracy: a 0.9, b 0.8, c 0.95 (higher is better); loss: a 0.3, b 0.6, c 0.2 (lower)
    assert _metric_cells(view, "fit/accuracy") == ["", "", "kfpc-best"]
    assert _metric_cells(view, "fit/loss") == ["", "", "kfpc-best"]
    view.locator("tr[data-metric='fit/loss'] button.kfpc-direction").click()
    assert _metric_cells(view, "fit/loss") == ["", "kfpc-best", ""]
    view.locator("tr[data-metric='fit/loss'] button.kfpc-direction").click()

    lr = view.locator("tr[data-param='lr']")
    assert lr.get_attribute("class") == "kfpc-differs"
    screenshot(page, "compare-lab")
    assert view.locator(".kfpnb-confusion").count() == 3
    assert view.locator("iframe").count() == 0  # reports are drawn when scrolled to
    view.locator(".kfpc-section").last.scroll_into_view_if_needed()
    view.locator(".kfpnb-markdown h1").nth(2).wait_for()
    frames = view.locator("iframe.kfpnb-html")
    frames.nth(2).wait_for(state="attached")
    assert frames.count() == 3
    assert {frames.nth(i).get_attribute("sandbox") for i in range(3)} == {"allow-scripts"}
    assert view.locator(".kfpnb-markdown script, .kfpnb-markdown img[onerror]").count() == 0

    view.locator("button.kfpc-button", has_text="Copy CSV").click()
    page.get_by_text("Copied the tables as CSV").first.wait_for()
    with page.expect_download() as download:
        view.locator("button.kfpc-button", has_text="Save HTML").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert saved.startswith("<!DOCTYPE html>")
    tags = _tags(saved)
    assert "script" not in {tag for tag, _ in tags}
    assert [attrs.get("sandbox") for tag, attrs in tags if tag == "iframe"] == ["", "", ""]
    assert not [a for _, attrs in tags for a in attrs if a.startswith("on")]
    assert saved.count('class="kfpc-curve"') == 3


def test_experiment_filter_and_trend(jupyterlab, runs, page, screenshot) -> None:
    sidebar = _open_sidebar(jupyterlab, page)
    select = sidebar.locator("select.kfpsb-experiment-filter")
    select.locator("option[value='sweep']").wait_for(state="attached", timeout=15_000)
    assert "misc (1)" in select.inner_text()
    select.select_option("sweep")
    root = sidebar.locator(".kfpsb-root", has_text="outputs")
    root.click()
    sidebar.locator(f".kfpsb-run[data-run-id='{runs.ids['a']}']").wait_for(timeout=15_000)
    listed = sidebar.locator(".kfpsb-run").evaluate_all("rs => rs.map(r => r.dataset.runId)")
    assert len(listed) == 10 and runs.ids["d"] not in listed

    root.locator("button", has_text="trend").click()
    chart = page.locator(".kfpsb-compare svg.kfpc-trend")
    chart.wait_for(timeout=30_000)
    points = chart.locator("circle.kfpc-point")
    assert points.count() == 10
    order = points.evaluate_all("ps => ps.map(p => p.getAttribute('data-run'))")
    assert order[:3] == [runs.ids["a"], runs.ids["b"], runs.ids["c"]]  # time order
    assert chart.locator(".kfpc-y-label").text_content() == "fit/accuracy"
    # another metric through the picker: the server's trend of fit/loss
    page.locator(".kfpsb-compare select.kfpc-trend-pick").select_option("fit/loss")
    page.locator(".kfpsb-compare svg.kfpc-trend .kfpc-y-label", has_text="fit/loss").wait_for()
    page.locator(".kfpsb-compare .kfpc-trend-box").scroll_into_view_if_needed()
    screenshot(page, "compare-trend")


def _notebook(path: Path, cells: list[str]) -> None:
    code = [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c}
        for c in cells
    ]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    metadata = {"kernelspec": kernel, "language_info": {"name": "python"}}
    notebook = {"cells": code, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook))


def test_inline_widget_of_kfp_compare(jupyterlab, runs, page, screenshot) -> None:
    _notebook(
        jupyterlab.root_dir / "compare.ipynb",
        [
            "%load_ext kfp_notebook\nimport kfp_notebook\n"
            "kfp_notebook.init(pipeline_root='outputs')",
            f"%kfp compare {runs.ids['a']} {runs.ids['b']} {runs.ids['c']}",
            "kfp_notebook.compare(experiment='sweep', last=3, trend_metric='accuracy')",
        ],
    )
    jupyterlab.open(page, "compare.ipynb")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    widgets = page.locator(".jp-OutputArea-output .kfpc-widget")
    widgets.nth(1).wait_for(timeout=120_000)
    first = widgets.nth(0)
    assert first.locator("svg.kfpc-roc path.kfpc-curve").count() == 3
    assert _metric_cells(first, "fit/accuracy") == ["", "", "kfpc-best"]
    first.locator("tr[data-metric='fit/accuracy'] button.kfpc-direction").click()
    assert _metric_cells(first, "fit/accuracy") == ["", "kfpc-best", ""]
    first.locator("tr[data-metric='fit/accuracy'] button.kfpc-direction").click()
    # the static HTML fallback is in the same output, not shown next to the widget
    assert page.locator(".jp-OutputArea-output .kfpc:visible").count() == 0

    second = widgets.nth(1)
    assert second.locator("svg.kfpc-trend circle.kfpc-point").count() == 10
    assert second.locator("svg.kfpc-roc path.kfpc-curve").count() == 3
    first.evaluate("el => el.scrollIntoView({block: 'start'})")
    screenshot(page, "compare-widget")
    screenshot(second.locator(".kfpc-trend-box"), "compare-widget-trend")

    # saved and reopened without its kernel: the widget is gone, the line says how to get it back
    hint = f"%kfp compare {runs.ids['a']} {runs.ids['b']} {runs.ids['c']}"
    assert page.locator(".kfpc-hint", has_text=hint).count() == 1
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_timeout(1000)
    page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    page.reload()
    page.locator(".kfpc-hint", has_text=hint).wait_for(timeout=60_000)
