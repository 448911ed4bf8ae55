"""`run.timeline()`: one row per task that runs something, earliest first, with start and end
in seconds from the run's start, so the chain, the parallel iterations and the cached tasks
show; a DataFrame with pandas, the rows without it. Real runs of a real pipeline."""

import sys
from pathlib import Path

import pytest
from kfp import dsl

from kfp_notebook import Session


@dsl.component(base_image="python:3.11")
def first() -> int:
    import time

    time.sleep(0.3)
    return 3


@dsl.component(base_image="python:3.11")
def nap(i: int) -> None:
    import time

    time.sleep(0.5)


@dsl.pipeline(name="timed")
def timed() -> None:
    n = first().set_caching_options(True)
    with dsl.ParallelFor([1, 2, 3]) as i:
        nap(i=i).after(n).set_caching_options(False)


def test_a_timeline_shows_the_chain_the_parallel_iterations_and_the_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = Session(pipeline_root=tmp_path / "outputs", max_workers=3, cache=True)
    try:
        run = session.run(timed)
        frame = run.timeline()
        monkeypatch.setitem(sys.modules, "pandas", None)  # as where pandas is not installed
        rows = run.timeline()
        again = session.run(timed).timeline()
    finally:
        session.close()
    assert [r["name"] for r in rows] == ["first", "nap", "nap", "nap"]
    head, naps = rows[0], rows[1:]
    assert head["start"] is not None and 0 <= head["start"] < head["end"]
    assert all(r["start"] >= head["end"] for r in naps)  # the loop waits for `first`
    assert max(r["start"] for r in naps) < min(r["end"] for r in naps)  # the naps overlap
    assert all(r["status"] == "SUCCEEDED" and not r["cached"] for r in rows)
    assert {r["task_id"] for r in naps} == {f"for-loop-2[{i}]/nap" for i in range(3)}
    assert list(frame.index) == [r["task_id"] for r in rows]
    assert list(frame.columns)[:3] == ["name", "component", "status"]
    assert frame.loc["first", "duration"] == pytest.approx(head["duration"], abs=0.05)
    assert again[0]["task_id"] == "first" and again[0]["cached"] is True
    assert again[0]["duration"] == 0.0 and again[0]["start"] == again[0]["end"]


@dsl.component(base_image="python:3.11")
def tick(i: int) -> int:
    return i


@dsl.pipeline(name="ticks")
def ticks() -> None:
    with dsl.ParallelFor(list(range(40))) as i:
        tick(i=i).set_caching_options(False)


def test_no_more_tasks_overlap_than_there_are_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task ends when its worker has it back, before that worker starts the next one: the
    timeline never shows more tasks at once than there are workers (ends were stamped when the
    scheduler thread came to them, after the worker had started the next)."""
    monkeypatch.setitem(sys.modules, "pandas", None)  # the rows, not a DataFrame
    session = Session(pipeline_root=tmp_path / "outputs", max_workers=2)
    try:
        rows = session.run(ticks).timeline()
    finally:
        session.close()
    moments = sorted([(r["start"], 1) for r in rows] + [(r["end"], -1) for r in rows])
    running = peak = 0
    for _, change in moments:  # an end before a start at the same moment
        running += change
        peak = max(peak, running)
    assert len(rows) == 40 and peak <= 2, peak
