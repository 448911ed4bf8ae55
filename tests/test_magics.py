"""%%component and %kfp through a real IPython shell (no kernel, no browser)."""

import subprocess
import sys
from pathlib import Path

import pytest
from IPython import get_ipython
from IPython.core.error import UsageError
from IPython.testing.globalipapp import start_ipython

import kfp_notebook
from kfp_notebook import RunState


@pytest.fixture(scope="module")
def ip():
    shell = start_ipython() or get_ipython()  # once per process
    shell.run_line_magic("load_ext", "kfp_notebook")
    yield shell
    shell.run_line_magic("unload_ext", "kfp_notebook")


@pytest.fixture
def root(ip, tmp_path: Path) -> Path:
    ip.run_line_magic("kfp", f"init --pipeline-root {tmp_path / 'outputs'}")
    return tmp_path / "outputs"


def test_importing_the_package_stays_cheap() -> None:
    code = (
        "import sys, kfp_notebook; "
        "print(any(m in sys.modules"
        " for m in ('anywidget', 'IPython', 'kfp_notebook._notebook.widget')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


CELL = '''
import json

def summarize(xs: List[int], out: Output[Dataset]) -> NamedTuple("S", [("n", int), ("total", int)]):
    """Count and add up xs; write them as JSON."""
    with open(out.path, "w") as f:
        json.dump(xs, f)
    return (len(xs), sum(xs))
'''


def test_cell_becomes_a_component_usable_everywhere(ip, root, tmp_path) -> None:
    ip.run_cell_magic("component", "", CELL)
    comp = ip.user_ns["summarize"]
    task = comp(xs=[1, 2, 3])  # a direct call runs through kfp-notebook, like kfp.local
    assert task.outputs["n"] == 3 and task.outputs["total"] == 6
    assert Path(task.outputs["out"].path).read_text() == "[1, 2, 3]"
    ip.run_cell(
        "from kfp import dsl\n"
        "@dsl.pipeline\n"
        "def twice(xs: list = [4, 5]) -> int:\n"
        "    first = summarize(xs=xs)\n"
        "    return summarize(xs=[first.outputs['n'], first.outputs['total']]).outputs['total']\n"
    )
    out = tmp_path / "twice.yaml"
    ip.run_line_magic("kfp", f"compile twice {out}")
    assert "summarize" in out.read_text()
    run = kfp_notebook.run(str(out))
    assert run.status is RunState.SUCCEEDED and run.output == 2 + 9
    assert len(kfp_notebook.list_runs()) == 2


def test_run_option_redefinition_and_options(ip, root) -> None:
    task = ip.run_cell_magic(
        "component", "--run a=2 b=5", "def add(a: int, b: int) -> int:\n    return a + b\n"
    )
    assert task.output == 7
    ip.run_cell_magic(
        "component",
        "--packages six --name plus --run a=1 b=1",
        "import six\ndef add(a: int, b: int) -> int:\n    return a + b + len(six.__name__)\n",
    )
    assert ip.user_ns["plus"].component_spec.implementation.container.command[2].count("six")
    again = ip.user_ns["plus"](a=1, b=1)
    assert again.output == 5


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("x = 1\n", "line 1: only imports and one function"),
        ("import os\n", "define one function"),
        (
            "def a(x: int) -> int:\n    return x\n\ndef b(x: int) -> int:\n    return x\n",
            "line 4: the cell defines 2 functions",
        ),
        ("def a(x: int) -> int\n    return x\n", "line 1: syntax error"),
        ("def a(x) -> int:\n    return x\n", "line 1: parameter 'x' has no type annotation"),
        ("def a(x: set) -> int:\n    return 1\n", "KFP cannot make a component of 'a'"),
    ],
)
def test_cell_mistakes_get_one_short_message(ip, cell: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        ip.run_cell_magic("component", "", cell)


def test_kfp_runs_show_logs_cancel(ip, root, capsys) -> None:
    ip.run_cell_magic(
        "component", "", "def hello(name: str) -> str:\n    print('hi', name)\n    return name\n"
    )
    run = kfp_notebook.run(ip.user_ns["hello"], {"name": "there"})
    capsys.readouterr()
    ip.run_line_magic("kfp", "runs")
    assert run.run_id in capsys.readouterr().out
    ip.run_line_magic("kfp", f"logs {run.run_id} hello")
    assert "hi there" in capsys.readouterr().out
    widget = ip.run_line_magic("kfp", f"show {run.run_id}")
    assert widget.run["status"] == "SUCCEEDED" and widget.run["task_counts"] == {"SUCCEEDED": 1}
    assert any("hi there" in line for line in widget.logs["hello"])
    ip.run_line_magic("kfp", f"cancel {run.run_id}")
    assert "SUCCEEDED" in capsys.readouterr().out  # a finished run stays as it was
    with pytest.raises(UsageError, match="no run 'nope'"):
        ip.run_line_magic("kfp", "show nope")
    with pytest.raises(UsageError, match="define the pipeline first"):
        ip.run_line_magic("kfp", "compile missing out.yaml")


def test_kfp_compare_and_experiments(ip, tmp_path, capsys) -> None:
    ip.run_line_magic("kfp", f"init --pipeline-root {tmp_path / 'outputs'} --experiment tuned")
    assert "experiment=tuned" in capsys.readouterr().out
    ip.run_cell_magic("component", "", "def twice(n: int) -> int:\n    return 2 * n\n")
    first = kfp_notebook.run(ip.user_ns["twice"], {"n": 1})
    second = kfp_notebook.run(ip.user_ns["twice"], {"n": 2})
    other = kfp_notebook.run(ip.user_ns["twice"], {"n": 3}, experiment="elsewhere")
    assert [first.record.experiment, other.record.experiment] == ["tuned", "elsewhere"]
    shown = ip.run_line_magic("kfp", f"compare {first.run_id} {second.run_id}")
    assert shown.run_ids == [first.run_id, second.run_id]
    assert shown.data["parameters"][0] == {
        "name": "n", "values": [1, 2], "text": ["1", "2"], "differs": True
    }  # fmt: skip
    assert "<table>" in shown._repr_html_()
    latest = ip.run_line_magic("kfp", "compare --experiment tuned --last 2")
    assert latest.run_ids == [first.run_id, second.run_id]
    capsys.readouterr()
    ip.run_line_magic("kfp", "runs --experiment elsewhere")
    listed = capsys.readouterr().out
    assert other.run_id in listed and first.run_id not in listed
    with pytest.raises(UsageError, match="2 to 10"):
        ip.run_line_magic("kfp", f"compare {first.run_id}")
    with pytest.raises(UsageError, match="not both"):
        ip.run_line_magic("kfp", f"compare {first.run_id} {second.run_id} --experiment tuned")
    ip.run_line_magic("kfp", f"init --pipeline-root {tmp_path / 'outputs'}")  # no experiment


def test_kfp_spin_in_kernel_raises_and_the_edited_cell_is_spun(
    ip, root, tmp_path, monkeypatch
) -> None:
    """`%kfp spin RUN TASK --in-kernel` raises the task's own exception in the cell, with
    sys.last_traceback in the component's function; after the cell is fixed and run again,
    `%kfp spin` runs the edited component with the run's inputs."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # unrecorded spins write here
    ip.run_cell_magic(
        "component", "", "def halve(n: int) -> int:\n    raise ValueError(f'odd {n}')\n"
    )
    ip.run_cell("from kfp import dsl\n@dsl.pipeline\ndef halving() -> None:\n    halve(n=7)\n")
    with pytest.raises(kfp_notebook.RunFailedError):
        kfp_notebook.run(ip.user_ns["halving"])
    (failed,) = kfp_notebook.list_runs(limit=1)
    result = ip.run_cell(f"%kfp spin {failed.run_id} halve --in-kernel")
    assert isinstance(result.error_in_exec, ValueError)
    assert str(result.error_in_exec) == "odd 7"
    innermost = sys.last_traceback
    while innermost.tb_next is not None:
        innermost = innermost.tb_next
    assert innermost.tb_frame.f_code.co_name == "halve"
    ip.run_cell_magic("component", "", "def halve(n: int) -> int:\n    return n // 2\n")
    spun = ip.run_line_magic("kfp", f"spin {failed.run_id} halve")
    assert spun.status is RunState.SUCCEEDED and spun.output == 3
    assert kfp_notebook.list_runs()[0].run_id == failed.run_id  # not recorded
    kept = ip.run_line_magic("kfp", f"spin {failed.run_id} halve --persist")
    assert kfp_notebook.list_runs()[0].run_id == kept.run_id != failed.run_id
