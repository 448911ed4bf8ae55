"""`kfp-notebook graph FILE`: a compiled pipeline's graph before it runs, as Mermaid: one node
per task, loops, conditions, exit handlers and nested pipelines as subgraphs holding their
tasks, edges from dependencies and data; the task ids are those `--dry-run` lists. Real CLI
processes on pipelines compiled by kfp."""

import re
import subprocess
import sys
from pathlib import Path

from kfp import dsl

CLI = [sys.executable, "-m", "kfp_notebook._cli"]


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
