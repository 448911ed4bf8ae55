"""The sidebar's Spin in real JupyterLab and Chromium: on a failed run's task, Spin (beside
Re-run) asks, runs that task alone again as a new run, and the sidebar opens that run."""

from typing import Any

import pytest
from kfp import dsl
from kfp.dsl import Dataset, Input, Output


@dsl.component(base_image="python:3.11")
def make(n: int, data: Output[Dataset]) -> int:
    with open(data.path, "w") as f:
        f.write("row\n" * n)
    return n


@dsl.component(base_image="python:3.11")
def check(data: Input[Dataset], limit: int) -> int:
    with open(data.path) as f:
        rows = len(f.read().splitlines())
    if rows > limit:
        raise ValueError(f"{rows} rows > {limit}")
    return rows


@dsl.pipeline(name="gate")
def gate(n: int = 3, limit: int = 2) -> int:
    made = make(n=n)
    return check(data=made.outputs["data"], limit=limit).output


@pytest.fixture(scope="module")
def failed_run(jupyterlab: Any) -> str:
    from kfp_notebook import RunState, Session, SubprocessRunner

    root = jupyterlab.root_dir / "spin_outputs"
    session = Session(
        pipeline_root=root, runner=SubprocessRunner(use_venv=False), raise_on_error=False
    )
    try:
        run = session.run(gate)
        assert run.status is RunState.FAILED
        return run.run_id
    finally:
        session.close()


def test_spin_a_task_from_the_sidebar(jupyterlab, page, screenshot, failed_run) -> None:
    jupyterlab.open(page, "notebooks/compiled_yaml.ipynb")
    page.locator("li[data-id='kfp-notebook-sidebar']").click()
    sidebar = page.locator("#kfp-notebook-sidebar")
    sidebar.locator(".kfpsb-root", has_text="spin_outputs").click()
    sidebar.locator(f".kfpsb-run[data-run-id='{failed_run}']").click()
    task = sidebar.locator(".kfpsb-task[data-task-id='check']")
    task.wait_for(timeout=15_000)
    task.hover()
    assert task.locator(".kfpsb-action[title^='Re-run']").is_visible()
    task.locator(".kfpsb-action[title^='Spin']").click()
    page.locator(".jp-Dialog").get_by_text("Spin this task?").wait_for()
    page.locator(".jp-Dialog button", has_text="Spin").click()

    spun = sidebar.locator(".kfpsb-run[data-run-id^='gate-spin-check-']")
    spun.wait_for(timeout=60_000)  # listed once the detached process records it
    spun_id = spun.get_attribute("data-run-id")
    spun.locator("xpath=following-sibling::*[1][contains(@class, 'kfpsb-task')]").wait_for(
        timeout=60_000
    )  # opened into its tasks
    sidebar.locator(f".kfpsb-run[data-run-id='{spun_id}'][data-status='FAILED']").wait_for(
        timeout=120_000
    )  # the same inputs: the same failure
    assert sidebar.locator(f".kfpsb-run[data-run-id='{failed_run}']").count() == 1
    screenshot(sidebar, "sidebar-spin")
