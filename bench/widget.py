"""The run widget's cost, measured in real kernels, side by side in one bench run.

(1) A ParallelFor of N-1 tasks and a join (N = 200 and 1,000 by default), alternating in each
round: from the CLI; in one kernel (nbclient, no browser) with the live widget
(kfp_notebook.run) and without it (the API's run); and, with --browser (the default where
Chromium is), in a notebook in real JupyterLab in Chromium (Playwright), the widget drawn. The
kernel's times are measured inside it, around the run. Medians of --reps rounds, ratios against
the CLI's median of the same bench run.
(2) One task printing 100,000 (and 400,000) log lines with the live widget: the kernel's
resident memory growth, which stays bounded (the widget keeps the last 1,000 lines per task).
(3) The saved notebook: a fresh kernel (nbclient) runs a ParallelFor of --saved tasks with the
live widget, and the notebook is written with the widget state nbclient kept (as JupyterLab
does with "Save Widget State Automatically"): its size, and the run widget's state's.
Usage: python bench/widget.py [--tasks 200 1000] [--reps 3] [--no-browser] [--no-memory]
       [--saved 1000 | --saved 0]
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
from kfp import compiler, dsl
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from pipelines import chatty, join, square  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
WORKERS = 2

SETUP = """
import json, time
import kfp_notebook
from kfp_notebook._api.session import run as plain_run
kfp_notebook.init(pipeline_root={root!r}, max_workers={workers})

def rss_mb():
    with open("/proc/self/status") as f:
        line = next(l for l in f if l.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024
"""

TIMED = """
_start = time.perf_counter()
_run = {call}({yaml!r})
print("RESULT", time.perf_counter() - _start, _run.status.name, _run.run_id)
"""

MEMORY = """
memory = {{}}
for lines in (100_000, 400_000):
    before = rss_mb()
    kfp_notebook.run({chatty!r}, {{"lines": lines}})
    time.sleep(0.5)
    memory[lines] = rss_mb() - before
print("RESULT " + json.dumps(memory))
"""


def loop_and_join(count: int) -> Any:
    @dsl.pipeline(name=f"loop-and-join-{count}")
    def pipeline() -> int:
        with dsl.ParallelFor(list(range(count - 1))) as x:
            sq = square(x=x)
        return join(xs=dsl.Collected(sq.output)).output

    return pipeline


def _result(cell: Any) -> str:
    text = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
    return text.split("RESULT ", 1)[1].splitlines()[0]


class Kernel:
    """One nbclient kernel; `timed(code)` runs a cell and returns the seconds it printed."""

    def __init__(self, root: Path) -> None:
        self.notebook = nbformat.v4.new_notebook()
        self.client = NotebookClient(self.notebook, timeout=1800, kernel_name="python3")
        self.context = self.client.setup_kernel()
        self.context.__enter__()
        self.run_code(SETUP.format(root=str(root), workers=WORKERS))

    def saved_sizes(self) -> tuple[int, int]:
        """The notebook's size written with the widget state it kept, and the largest widget
        state's (the run widget's), in bytes."""
        self.client.set_widgets_metadata()
        states = self.notebook.metadata.get("widgets", {})
        found = states.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
        largest = max((len(json.dumps(w)) for w in found.values()), default=0)
        return len(nbformat.writes(self.notebook).encode()), largest

    def run_code(self, code: str) -> Any:
        cell = nbformat.v4.new_code_cell(code)
        self.notebook.cells.append(cell)
        self.client.execute_cell(cell, len(self.notebook.cells) - 1)
        return cell

    def timed(self, call: str, yaml: Path) -> float:
        seconds, status, _ = _result(self.run_code(TIMED.format(call=call, yaml=str(yaml)))).split()
        assert status == "SUCCEEDED", status
        return float(seconds)

    def close(self) -> None:
        self.context.__exit__(None, None, None)


class Lab:
    """JupyterLab (the browser tests' server) and one notebook page in Chromium."""

    def __init__(self, root: Path) -> None:
        from playwright.sync_api import sync_playwright

        from tests.browser.conftest import _serve
        from tests.browser.notebooks import write_notebook

        root.mkdir()
        self.serving = _serve(root, "lab")
        lab = next(self.serving)
        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        self.page = self.browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.set_default_timeout(600_000)
        write_notebook(root / "bench.ipynb", [""])
        lab.open(self.page, "bench.ipynb")
        self.last = ""
        self._run(SETUP.format(root="nb", workers=WORKERS) + "print('RESULT 0 SUCCEEDED -')")

    def _run(self, code: str) -> str:
        """Sets the notebook's cell to `code`, runs it and returns the RESULT line it prints."""
        self.page.evaluate(
            "(code) => { const nb = window.jupyterapp.shell.currentWidget.content;"
            " nb.widgets[0].model.sharedModel.setSource(code); nb.activeCellIndex = 0;"
            " window.jupyterapp.commands.execute('notebook:run-cell'); }",
            code,
        )
        found = self.page.wait_for_function(
            "(last) => { const out = window.jupyterapp.shell.currentWidget.content.widgets[0]"
            ".node.querySelector('.jp-OutputArea'); const m = out"
            " && /RESULT [0-9.]+ [A-Z]+ [\\w-]+/.exec(out.textContent);"
            " return m && m[0] !== last ? m[0] : null; }",
            arg=self.last,
            polling=250,
        )
        self.last = str(found.json_value())
        return self.last

    def timed(self, yaml: Path) -> float:
        line = self._run(TIMED.format(call="kfp_notebook.run", yaml=str(yaml)))
        _, seconds, status, *_ = line.split()
        assert status == "SUCCEEDED", line
        return float(seconds)

    def close(self) -> None:
        self.browser.close()
        self.playwright.stop()
        self.serving.close()


def _cli(yaml: Path, root: Path) -> float:
    cli = [sys.executable, "-m", "kfp_notebook._cli", "run", str(yaml), "--quiet"]
    cli += ["--workers", str(WORKERS), "--pipeline-root", str(root)]
    start = time.perf_counter()
    subprocess.run(cli, check=True, capture_output=True)
    return time.perf_counter() - start


def _saved_sizes(count: int, tmp: Path) -> tuple[int, int]:
    yaml = tmp / f"saved-{count}.yaml"
    compiler.Compiler().compile(loop_and_join(count), str(yaml))
    kernel = Kernel(tmp / "saved")
    try:
        kernel.timed("kfp_notebook.run", yaml)
        return kernel.saved_sizes()
    finally:
        kernel.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--saved", type=int, default=1000, help="tasks of (3); 0: skip it")
    args = parser.parse_args()
    browser = not args.no_browser and CHROMIUM.exists()

    tmp = Path(tempfile.mkdtemp(prefix="bench-widget-"))
    yamls = {}
    for count in args.tasks:
        yamls[count] = tmp / f"tasks-{count}.yaml"
        compiler.Compiler().compile(loop_and_join(count), str(yamls[count]))
    _cli(yamls[args.tasks[0]], tmp / "cli")  # builds the tasks' environment
    kernel = Kernel(tmp / "nb")
    lab = Lab(tmp / "lab") if browser else None
    times: dict[tuple[int, str], list[float]] = {}

    def add(count: int, key: str, seconds: float) -> None:
        times.setdefault((count, key), []).append(seconds)

    try:
        for count, yaml in yamls.items():
            kernel.timed("plain_run", yaml)  # warm: the kernel's imports, the zygote
            if lab:
                lab.timed(yaml)
            for _ in range(args.reps):
                add(count, "cli", _cli(yaml, tmp / "cli"))
                add(count, "widget", kernel.timed("kfp_notebook.run", yaml))
                add(count, "plain", kernel.timed("plain_run", yaml))
                if lab:
                    add(count, "browser", lab.timed(yaml))
        saved = _saved_sizes(args.saved, tmp) if args.saved else None
        memory = None
        if not args.no_memory:
            chat = tmp / "chatty.yaml"
            compiler.Compiler().compile(chatty, str(chat))
            memory = json.loads(_result(kernel.run_code(MEMORY.format(chatty=str(chat)))))
    finally:
        kernel.close()
        if lab:
            lab.close()

    rows = [
        ("cli", "CLI"),
        ("plain", "kernel, no widget (nbclient)"),
        ("widget", "kernel, live widget (nbclient)"),
        ("browser", "JupyterLab in Chromium, widget drawn"),
    ]
    print(f"\nParallelFor and a join, --workers {WORKERS}, medians of {args.reps} rounds:")
    for count in args.tasks:
        cli = statistics.median(times[(count, "cli")])
        print(f"  {count} tasks")
        for key, label in rows:
            if (count, key) not in times:
                continue
            runs = times[(count, key)]
            median = statistics.median(runs)
            spread = ", ".join(f"{t:.2f}" for t in runs)
            print(f"    {label:40} {median:6.2f} s  {median / cli:5.2f}x CLI  ({spread})")
    if saved:
        print(f"\nsaved notebook with widget state, one run of {args.saved} tasks (nbclient):")
        print(f"  notebook {saved[0]:>11,} B   run widget's state {saved[1]:>11,} B")
    if memory:
        print("\nkernel resident memory growth with the live widget:")
        for lines, grown in memory.items():
            print(f"  {int(lines):>7,} log lines from one task   {grown:+7.1f} MB")
        print("  bound: the widget holds at most 1,000 lines per task; growth stays under 50 MB")


if __name__ == "__main__":
    from scratch import use_scratch

    use_scratch("kfpnb-bench-widget-")
    main()
