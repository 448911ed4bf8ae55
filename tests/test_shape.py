"""One JSON shape for a run, a task and an artifact: the CLI's --json, the widget's traits and
the server's answers all carry it, and the TypeScript copy is generated from it."""

import json
import subprocess
import sys
from pathlib import Path

from kfp import dsl

from kfp_notebook._views.shape import ArtifactJSON, RunJSON, TaskJSON
from kfp_notebook._views.typescript import generate

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "packages" / "shared" / "src" / "model.generated.ts"
IMAGE = "python:3.11"


def test_the_comparisons_the_typescript_tests_draw_are_current() -> None:
    from compare_fixtures import text

    path = ROOT / "packages" / "shared" / "src" / "compare.fixtures.generated.json"
    assert path.read_text() == text(), f"regenerate: python tests/compare_fixtures.py > {path}"


def test_typescript_copy_of_the_shape_is_current() -> None:
    assert GENERATED.read_text() == generate(), (
        "regenerate: python -m kfp_notebook._views.typescript > " + str(GENERATED)
    )


@dsl.component(base_image=IMAGE)
def make(n: int, data: dsl.Output[dsl.Dataset]) -> int:
    with open(data.path, "w") as f:
        f.write("a,b\n1,2\n")
    return n + 1


@dsl.component(base_image=IMAGE)
def use(data: dsl.Input[dsl.Dataset], m: int) -> str:
    return open(data.path).read()[:3] + str(m)


@dsl.pipeline
def shaped(n: int = 1) -> None:
    first = make(n=n)
    with dsl.If(first.outputs["Output"] == 2):
        use(data=first.outputs["data"], m=first.outputs["Output"])


def _cli(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "kfp_notebook._cli", *args], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_every_view_sends_the_one_shape(session, pipeline_root: Path) -> None:
    from kfp_notebook._notebook.display import start_with_widget

    run, widget = start_with_widget(shaped, {}, session)
    run.wait()
    widget.flush()
    widget.close()
    runs = json.loads(_cli("runs", "--json", "--pipeline-root", str(pipeline_root)))
    shown = json.loads(_cli("show", run.run_id, "--json", "--pipeline-root", str(pipeline_root)))

    assert [set(r) for r in runs] == [set(RunJSON.__annotations__)]
    assert set(shown["run"]) == set(RunJSON.__annotations__) == set(widget.run)
    assert shown["run"]["runner"] == "subprocess" and shown["run"]["status"] == "SUCCEEDED"
    by_id = {t["task_id"]: t for t in shown["tasks"]}
    live = {t["task_id"]: t for t in widget.view.tasks.values()}  # the full live state
    assert all(set(t) == set(TaskJSON.__annotations__) for t in widget.tasks)  # synced: slim
    assert set(by_id) == set(live) == {"make", "condition-1", "condition-1/use"}
    for task_id, task in by_id.items():
        assert set(task) == set(TaskJSON.__annotations__) == set(live[task_id])
        for key in ("name", "parent_id", "kind", "dependencies", "status", "outputs"):
            assert task[key] == live[task_id][key], (task_id, key)
        for artifact, seen in zip(task["artifacts"], live[task_id]["artifacts"], strict=True):
            assert set(artifact) == set(ArtifactJSON.__annotations__)
            assert {k: artifact[k] for k in ("name", "uri", "type", "path", "task_id")} == {
                k: seen[k] for k in ("name", "uri", "type", "path", "task_id")
            }
    assert by_id["condition-1/use"]["parent_id"] == "condition-1"
    assert by_id["condition-1"]["kind"] == "condition"
    assert by_id["make"]["outputs"] == {"Output": 2}
    assert by_id["make"]["artifacts"][0]["path"] == f"{run.run_id}/make/data"


def test_cli_show_prints_the_task_tree(session, pipeline_root: Path) -> None:
    run = session.run(shaped, {"n": 5})
    text = _cli("show", run.run_id, "--pipeline-root", str(pipeline_root))
    assert run.run_id in text and "SUCCEEDED" in text
    assert "make" in text and "SKIPPED" in text  # the condition was false
    assert "-> data (system.Dataset)" in text
