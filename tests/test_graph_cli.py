"""`kfp-notebook graph FILE`: a compiled pipeline's graph before it runs, as Mermaid (one node
per task, loops, conditions, exit handlers and nested pipelines as subgraphs holding their
tasks, edges from dependencies and data; the task ids are those `--dry-run` lists) or as a
self-contained HTML page (tests/browser/test_static_graph.py draws it). Real CLI processes on
pipelines compiled by kfp."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from kfp import dsl

CLI = [sys.executable, "-m", "kfp_notebook._cli"]
SEED = Path(__file__).resolve().parent.parent / "examples" / "seed_pipeline.yaml"


def _graph(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "graph", *args], capture_output=True, text=True, timeout=120)


def page_tasks(page: str) -> list[dict]:
    """The tasks a written page draws (the JSON in its data script)."""
    found = re.search(r'<script type="application/json">(.*?)</script>', page, re.S)
    assert found, "the page holds no graph data"
    return json.loads(found.group(1))["tasks"]


@dsl.component(base_image="python:3.11")
def make() -> int:
    return 2


@dsl.component(base_image="python:3.11")
def use(n: int) -> int:
    return n


@dsl.component(base_image="python:3.11")
def cleanup() -> None:
    pass


@dsl.pipeline(name="inner")
def inner(n: int) -> int:
    return use(n=n).output


@dsl.pipeline(name="shapes")
def shapes() -> None:
    done = cleanup()
    with dsl.ExitHandler(done):
        m = make()
        with dsl.ParallelFor([1, 2, 3]) as i:
            use(n=i).after(m)
        with dsl.If(m.output == 2):
            inner(n=m.output)


def test_the_graph_of_a_pipeline_is_mermaid_with_groups_and_edges(tmp_path: Path, compile_to):
    yaml = compile_to(shapes)
    done = subprocess.run([*CLI, "graph", str(yaml)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("flowchart TD\n")
    subgraphs = re.findall(r'subgraph (\w+)\["([^"]*)"\]', text)
    titles = [t for _, t in subgraphs]
    assert any("exit handler" in t for t in titles)
    assert any("loop · for each of [1, 2, 3]" in t for t in titles), titles
    assert any(" condition · if " in t for t in titles), titles
    assert any(t.startswith("inner") and "pipeline" in t for t in titles), titles
    assert text.count("subgraph ") == text.count("\n    end") + text.count("\n  end") + text.count(
        "\n      end"
    )
    nodes = dict(re.findall(r'^\s*(t\d+_\w+)\["([^"]*)"\]$', text, re.M))
    edges = re.findall(r"^\s*(\w+) --> (\w+)$", text, re.M)
    by_label = {label: node for node, label in nodes.items()}
    # make -> the loop (a group: the edge points at the subgraph) and make -> the condition
    loop = next(i for i, t in subgraphs if "loop" in t)
    assert (by_label["make"], loop) in edges
    # the dry run names the same tasks (those a run records)
    planned = subprocess.run(
        [*CLI, "run", str(yaml), "--dry-run", "--pipeline-root", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert planned.returncode == 0, planned.stderr
    count = int(re.search(r"%% shapes: (\d+) task", text).group(1))
    assert f"{count} task(s) would be scheduled" in planned.stdout
    assert re.search(r"exit-handler-1/make +container +comp-make", planned.stdout), planned.stdout
    out = tmp_path / "g.mmd"
    written = subprocess.run(
        [*CLI, "graph", str(yaml), "-o", str(out)], capture_output=True, text=True, timeout=60
    )
    assert written.returncode == 0 and out.read_text() == text


def test_graph_of_a_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [*CLI, "graph", str(tmp_path / "nope.yaml")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_seed_pipeline_as_mermaid_has_its_four_stages_in_a_chain() -> None:
    done = _graph(str(SEED))
    assert done.returncode == 0, done.stderr
    nodes = dict(re.findall(r'^\s*(t\d+_\w+)\["([^"]*)"\]$', done.stdout, re.M))
    assert sorted(nodes.values()) == ["stage-0", "stage-1", "stage-2", "stage-3"]
    by_label = {label: node for node, label in nodes.items()}
    edges = re.findall(r"^\s*(\w+) --> (\w+)$", done.stdout, re.M)
    chain = [(by_label[f"stage-{i}"], by_label[f"stage-{i + 1}"]) for i in range(3)]
    assert sorted(edges) == sorted(chain)


def _self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]*\bsrc=", page, re.I), "a script is loaded, not inlined"
    assert not re.search(r"<link\b", page, re.I), "a stylesheet is loaded, not inlined"
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page, re.I)
    assert len(re.findall(r"<script>", page)) == 1 and len(page) > 100_000  # the renderer


def test_html_page_of_the_seed_pipeline_is_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "seed.html"
    done = _graph(str(SEED), "-o", str(out))  # the suffix chooses the page
    assert done.returncode == 0, done.stderr
    assert "(html)" in done.stderr and done.stdout == ""
    page = out.read_text()
    _self_contained(page)
    tasks = {t["task_id"]: t for t in page_tasks(page)}
    assert sorted(tasks) == ["stage-0", "stage-1", "stage-2", "stage-3"]
    assert tasks["stage-2"]["dependencies"] == ["stage-1"]
    assert {t["status"] for t in tasks.values()} == {"PENDING"}
    # --format wins over the suffix; to stdout without -o
    as_text = _graph(str(SEED), "--format", "mermaid", "-o", str(tmp_path / "g.html"))
    assert (tmp_path / "g.html").read_text().startswith("flowchart TD")
    assert as_text.returncode == 0
    to_stdout = _graph(str(SEED), "--format", "html")
    assert to_stdout.returncode == 0 and to_stdout.stdout == page


def test_html_page_groups_a_loop_a_condition_and_a_nested_pipeline(
    tmp_path: Path, compile_to
) -> None:
    out = tmp_path / "shapes.html"
    done = _graph(str(compile_to(shapes)), "--format", "html", "-o", str(out))
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    _self_contained(page)
    tasks = {t["task_id"]: t for t in page_tasks(page)}
    kinds = sorted(t["kind"] for t in tasks.values())
    assert kinds == sorted(["container"] * 4 + ["exit-handler", "loop", "condition", "dag"])
    loop = next(t for t in tasks.values() if t["kind"] == "loop")
    assert loop["message"] == "for each of [1, 2, 3]" and loop["parent_id"] == "exit-handler-1"
    body = [t for t in tasks.values() if t["parent_id"] == loop["task_id"]]
    assert [t["name"] for t in body] == ["use"] and body[0]["component"] == "comp-use"
    assert loop["dependencies"] == ["exit-handler-1/make"]
    condition = next(t for t in tasks.values() if t["kind"] == "condition")
    assert condition["message"].startswith("if ") and condition["dependencies"] == [
        "exit-handler-1/make"
    ]
    inner_dag = next(t for t in tasks.values() if t["kind"] == "dag")
    assert inner_dag["parent_id"] == condition["task_id"]
    assert [t["name"] for t in tasks.values() if t["parent_id"] == inner_dag["task_id"]] == ["use"]


def _one_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


@pytest.mark.parametrize("form", ["mermaid", "html"])
def test_graph_errors_are_one_line_and_exit_2(tmp_path: Path, form: str) -> None:
    not_pipeline = tmp_path / "config.yaml"
    not_pipeline.write_text("learning_rate: 0.1\n")
    _one_error(_graph(str(not_pipeline), "--format", form), "not a compiled KFP pipeline")
    _one_error(_graph(str(tmp_path / "nope.yaml"), "--format", form), "nope.yaml")
    missing = tmp_path / "no-such-folder" / "g.out"
    _one_error(_graph(str(SEED), "--format", form, "-o", str(missing)), "does not exist")
    under_a_file = not_pipeline / "g.out"  # a file where a folder should be
    _one_error(_graph(str(SEED), "--format", form, "-o", str(under_a_file)), "config.yaml")
    _one_error(_graph(str(SEED), "--format", form, "-o", str(tmp_path)), "is a folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"]


def test_an_unknown_format_is_refused_by_the_parser() -> None:
    done = _graph(str(SEED), "--format", "dot")
    assert done.returncode == 2 and "invalid choice: 'dot'" in done.stderr


def test_the_page_is_not_written_to_a_terminal() -> None:
    import os
    import pty

    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [*CLI, "graph", str(SEED), "--format", "html"],
            stdout=follower, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2 and "-o graph.html" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
