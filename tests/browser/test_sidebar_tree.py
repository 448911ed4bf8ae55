"""The sidebar's tree in real JupyterLab and Chromium: conditions and loops hold their tasks,
artifact names are never cut (actions show on hover), run ids are cut in the middle with the
full id in the tooltip, "1 run", the ROC preview has labelled axes, and the filter searches
every root and hides roots without a match."""

from typing import Any

import pytest
from kfp import dsl
from kfp.dsl import ClassificationMetrics, Output


@dsl.component(base_image="python:3.11")
def train(quality: Output[ClassificationMetrics]) -> float:
    quality.log_roc_curve([0.0, 0.2, 1.0], [0.0, 0.8, 1.0], [1.0, 0.5, 0.0])
    quality.log_confusion_matrix(["no", "yes"], [[8, 2], [1, 9]])
    return 0.85


@dsl.component(base_image="python:3.11")
def score(threshold: float) -> str:
    return f"t={threshold}"


@dsl.pipeline
def tree_pipeline(thresholds: list = [0.3, 0.7]) -> None:  # noqa: B006 - KFP reads the default
    trained = train()
    with dsl.If(trained.outputs["Output"] > 0.5), dsl.ParallelFor(thresholds) as t:
        score(threshold=t)


@dsl.component(base_image="python:3.11")
def hello() -> str:
    return "hi"


@pytest.fixture(scope="module")
def two_roots(jupyterlab: Any) -> dict[str, str]:
    """One run in each of two roots, made by this process (they register their roots)."""
    from kfp_notebook import RunState, Session, SubprocessRunner

    runs = {}
    for name, pipeline in (("tree_outputs", tree_pipeline), ("other_outputs", hello)):
        session = Session(
            pipeline_root=jupyterlab.root_dir / name, runner=SubprocessRunner(use_venv=False)
        )
        try:
            run = session.run(pipeline)
            assert run.status is RunState.SUCCEEDED
            runs[name] = run.run_id
        finally:
            session.close()
    return runs


def _open_sidebar(jupyterlab: Any, page: Any) -> Any:
    jupyterlab.open(page, "notebooks/compiled_yaml.ipynb")
    page.locator("li[data-id='kfp-notebook-sidebar']").click()
    sidebar = page.locator("#kfp-notebook-sidebar")
    sidebar.locator(".kfpsb-root", has_text="tree_outputs").wait_for(timeout=15_000)
    return sidebar


def _fits(locator: Any) -> bool:
    return locator.evaluate("e => e.scrollWidth <= e.clientWidth")


def test_tree_names_and_preview(jupyterlab, page, screenshot, two_roots) -> None:
    sidebar = _open_sidebar(jupyterlab, page)
    root = sidebar.locator(".kfpsb-root", has_text="tree_outputs")
    assert root.locator(".kfpsb-meta").inner_text() == "1 run"
    root.click()
    run_id = two_roots["tree_outputs"]
    run = sidebar.locator(f".kfpsb-run[data-run-id='{run_id}']")
    label = run.locator(".kfpsb-label")
    shown = label.inner_text()
    assert "…" in shown and shown != run_id and run_id.startswith(shown.split("…")[0])
    assert run_id.endswith(shown.split("…")[1]) and _fits(label)
    assert run_id in (run.get_attribute("title") or "")
    run.click()

    train = sidebar.locator(".kfpsb-task[data-task-id='train']")
    train.wait_for(timeout=15_000)
    train.click()  # its artifacts open under it; the condition still follows at depth 0
    quality = sidebar.locator(".kfpsb-artifact[data-artifact='quality']")
    quality.wait_for()
    rows = sidebar.locator(".kfpsb-task, .kfpsb-artifact").evaluate_all(
        "rs => rs.map(r => [r.dataset.taskId || '', r.dataset.depth || '', "
        "r.dataset.parentId || '', r.dataset.artifact || ''])"
    )
    tasks = [(t, int(d), p) for t, d, p, a in rows if not a]
    assert ("condition-1", 0, "") in tasks
    for i, (task_id, depth, parent) in enumerate(tasks):
        if parent:  # the nearest row above one level up is its parent
            above = next(t for t, d, _ in reversed(tasks[:i]) if d == depth - 1)
            assert above == parent, (task_id, tasks)
    scores = [t for t, _, _ in tasks if t.endswith("/score")]
    assert len(scores) == 2 and all(t.startswith("condition-1/") for t in scores)

    name = quality.locator(".kfpsb-label")
    assert name.inner_text() == "quality" and _fits(name)
    actions = quality.locator(".kfpsb-actions")
    assert not actions.is_visible()
    quality.hover()
    assert actions.is_visible()
    screenshot(sidebar, "sidebar-tree")

    quality.click()
    roc = page.locator(".kfpsb-preview-body .kfpnb-roc")
    roc.wait_for(timeout=15_000)
    labels = roc.locator(".kfpnb-axis-label")
    assert labels.all_text_contents() == ["false positive rate", "true positive rate"]
    box = roc.bounding_box()
    for i in range(2):
        b = labels.nth(i).bounding_box()
        assert b and box and b["width"] > 0 and b["x"] >= box["x"] - 1
        assert b["y"] + b["height"] <= box["y"] + box["height"] + 1
    screenshot(page, "sidebar-roc-preview")


def test_filter_searches_every_root(jupyterlab, page, screenshot, two_roots) -> None:
    sidebar = _open_sidebar(jupyterlab, page)
    sidebar.locator(".kfpsb-filter").fill("hello")
    other = sidebar.locator(f".kfpsb-run[data-run-id='{two_roots['other_outputs']}']")
    other.wait_for(timeout=15_000)  # found in a root that was never opened
    assert sidebar.locator(".kfpsb-root", has_text="tree_outputs").count() == 0
    assert sidebar.locator(".kfpsb-run").count() == 1
    screenshot(sidebar, "sidebar-filtered")
    sidebar.locator(".kfpsb-filter").fill("")
    sidebar.locator(".kfpsb-root", has_text="tree_outputs").wait_for(timeout=15_000)
