"""The sidebar's task tree with a large ParallelFor in real JupyterLab and Chromium: 200
iterations (one fails) are one row with a bar and the counts; opened, 20 iterations at a time
with "Show more", failed first on demand, each opened onto its task; the tree stays small and
keeps its state through the sidebar's polls. A loop of 2 iterations shows as it always did."""

from typing import Any

import pytest
from kfp import dsl

ITERATIONS = 200
UNLUCKY = 137
POLL_S = 1.5  # the sidebar's poll (POLL_MS in sidebar.ts)


@dsl.component(base_image="python:3.11")
def square(x: int) -> int:
    if x == 137:  # UNLUCKY: a component cannot read this module's constants
        raise ValueError("137 is unlucky")
    return x * x


@dsl.component(base_image="python:3.11")
def echo(y: int) -> int:
    return y


@dsl.pipeline
def loops(xs: list = list(range(ITERATIONS))) -> None:  # noqa: B006 - KFP reads the default
    with dsl.ParallelFor(xs) as x:
        square(x=x)
    with dsl.ParallelFor([1, 2]) as y:
        echo(y=y)


@pytest.fixture(scope="module")
def loop_run(jupyterlab: Any) -> str:
    from kfp_notebook import RunState, Session, SubprocessRunner

    session = Session(
        pipeline_root=jupyterlab.root_dir / "loop_outputs",
        runner=SubprocessRunner(use_venv=False),
        raise_on_error=False,
    )
    try:
        run = session.run(loops)
        assert run.status is RunState.FAILED  # iteration UNLUCKY failed, the others ran
        return run.run_id
    finally:
        session.close()


TASK_ROWS = (
    "rs => rs.map(r => [r.dataset.taskId, Number(r.dataset.depth), r.dataset.status,"
    " r.querySelector('.kfpsb-caret').textContent])"
)


def test_large_loop_is_one_row_paged_and_ordered(jupyterlab, page, screenshot, loop_run) -> None:
    jupyterlab.open(page, "notebooks/compiled_yaml.ipynb")
    page.locator("li[data-id='kfp-notebook-sidebar']").click()
    sidebar = page.locator("#kfp-notebook-sidebar")
    sidebar.locator(".kfpsb-root", has_text="loop_outputs").click()
    sidebar.locator(f".kfpsb-run[data-run-id='{loop_run}']").click()
    loop = sidebar.locator(".kfpsb-task.kfpsb-loop-large")
    loop.wait_for(timeout=15_000)
    big = loop.get_attribute("data-task-id") or ""
    assert loop.locator(".kfpsb-loop-counts").inner_text() == "199 of 200 done · 1 failed"
    assert loop.locator(".kfpsb-loop-bar").is_visible()
    tasks = sidebar.locator(".kfpsb-task")

    # closed: the large loop is one row; the small loop (2 iterations) shows as before
    rows = [tuple(r) for r in tasks.evaluate_all(TASK_ROWS)]
    assert len(rows) <= 8, rows  # of 2 * 200 + 2 + 2 * 2 = 406 tasks
    assert (big, 0, "FAILED", "▸") in rows
    assert not [r for r in rows if r[0].startswith(f"{big}[")], rows
    small = [r for r in rows if r[0] != big]
    small_loop = small[0][0]
    assert small == [
        (small_loop, 0, "SUCCEEDED", ""),
        (f"{small_loop}[0]", 1, "SUCCEEDED", ""),
        (f"{small_loop}[0]/echo", 2, "SUCCEEDED", ""),
        (f"{small_loop}[1]", 1, "SUCCEEDED", ""),
        (f"{small_loop}[1]/echo", 2, "SUCCEEDED", ""),
    ], small
    counts = sidebar.locator(f".kfpsb-task[data-task-id='{small_loop}'] .kfpsb-loop-counts")
    assert counts.count() == 0

    # opened: the first 20 iterations in run order, each closed, then "Show more"
    loop.click()
    more = sidebar.locator(".kfpsb-loop-more")
    more.wait_for()
    iterations = [r for r in tasks.evaluate_all(TASK_ROWS) if r[0].startswith(f"{big}[")]
    assert [r[0] for r in iterations] == [f"{big}[{i}]" for i in range(20)]
    assert all(r[1] == 1 and r[3] == "▸" for r in iterations), iterations
    assert "Show 20 more" in more.inner_text()
    assert tasks.count() <= 8 + 20
    page.wait_for_timeout(3 * POLL_S * 1000)  # polls redraw the tree: it stays as it was
    assert sidebar.locator(f".kfpsb-task[data-task-id^='{big}[']").count() == 20

    # failed first: the failed iteration on top, opened onto its failed task
    sidebar.locator(".kfpsb-loop-order").select_option("failed")
    first = sidebar.locator(f".kfpsb-task[data-task-id^='{big}[']").first
    assert first.get_attribute("data-task-id") == f"{big}[{UNLUCKY}]"
    assert first.get_attribute("data-status") == "FAILED"
    first.click()
    inner = sidebar.locator(f".kfpsb-task[data-task-id='{big}[{UNLUCKY}]/square']")
    inner.wait_for()
    assert inner.get_attribute("data-status") == "FAILED"
    assert inner.get_attribute("data-depth") == "2"
    screenshot(sidebar, "sidebar-loop")
    more.click()
    assert sidebar.locator(f".kfpsb-task[data-task-id^='{big}['][data-depth='1']").count() == 40
    page.wait_for_timeout(3 * POLL_S * 1000)
    assert inner.is_visible()
    assert sidebar.locator(".kfpsb-loop-order").input_value() == "failed"
    assert sidebar.locator(f".kfpsb-task[data-task-id^='{big}['][data-depth='1']").count() == 40
