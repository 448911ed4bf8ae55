"""Caching is content-keyed: an input artifact counts by its type, metadata and bytes, never by
where it lies or how its record spells its type. So a run whose tasks were cached, and whose
downstream tasks therefore read artifacts of an earlier run, keys like that earlier run: the
second identical run is fully cached (it used to re-run the seed pipeline's stage-2: "3 cached,
1 succeeded", and only the third was fully cached)."""

import runpy
import subprocess
import sys
from pathlib import Path

from kfp import compiler

from kfp_notebook import RunState, TaskState

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed_pipeline.py"
CLI = [sys.executable, "-m", "kfp_notebook._cli"]


def _compiled_seed(tmp_path: Path) -> Path:
    path = tmp_path / "seed_pipeline.yaml"
    pipeline = runpy.run_path(str(SEED), run_name="seed")["seed_pipeline"]
    compiler.Compiler().compile(pipeline, package_path=str(path))
    return path


def test_second_identical_run_is_fully_cached(tmp_path) -> None:
    seed, root = _compiled_seed(tmp_path), tmp_path / "fresh-root"
    summaries = []
    for _ in range(3):
        done = subprocess.run(
            [*CLI, "run", str(seed), "--pipeline-root", str(root), "--cache"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        summaries.append(next(line for line in done.stdout.splitlines() if "✓ run " in line))
    assert "(4 succeeded)" in summaries[0]
    assert "(4 cached)" in summaries[1], summaries
    assert "(4 cached)" in summaries[2], summaries


def test_same_bytes_elsewhere_hit_the_cache_other_bytes_do_not(tmp_path) -> None:
    """The same input file at two places is one cache entry; changed bytes are another."""
    from kfp import dsl

    from kfp_notebook import Session

    @dsl.component(base_image="python:3.11")
    def count(data: dsl.Input[dsl.Dataset]) -> int:
        with open(data.path) as f:
            return len(f.read())

    @dsl.pipeline
    def imported(uri: str) -> int:
        data = dsl.importer(artifact_uri=uri, artifact_class=dsl.Dataset)
        return count(data=data.output).output

    a, b, c = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt"
    a.write_text("same bytes")
    b.write_text("same bytes")
    c.write_text("other bytes!")
    cached = Session(pipeline_root=tmp_path / "root", cache=True, raise_on_error=False)
    try:
        first = cached.run(imported, {"uri": str(a)})
        second = cached.run(imported, {"uri": str(b)})
        third = cached.run(imported, {"uri": str(c)})
        assert first.status is RunState.SUCCEEDED, first.error
        assert second.tasks["count"].status is TaskState.CACHED
        assert second.output == 10
        assert third.tasks["count"].status is TaskState.SUCCEEDED
        assert third.output == 12
    finally:
        cached.close()
