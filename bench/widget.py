"""The run widget's cost, measured in a real kernel (nbclient), side by side in one run.

(1) A 200-task pipeline (a ParallelFor of 199 tasks and a join): run from the CLI, and in one
kernel with the live widget (kfp_notebook.run) and without it (the API's run), alternating.
Target: the widget adds under 10% to the run's wall time.
(2) One task printing 100,000 (and 400,000) log lines with the live widget: the kernel's
resident memory growth, which stays bounded (the widget keeps the last 1,000 lines per task).
Usage: python bench/widget.py
"""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from kfp import compiler
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from pipelines import chatty, two_hundred_tasks  # noqa: E402

KERNEL_CODE = """
import json, os, time
import kfp_notebook
from kfp_notebook._api.session import run as plain_run

kfp_notebook.init(pipeline_root={root!r}, max_workers={workers})

def rss_mb():
    with open("/proc/self/status") as f:
        line = next(l for l in f if l.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024

with_widget, without = [], []
for _ in range({reps}):
    start = time.perf_counter()
    kfp_notebook.run({big!r})
    with_widget.append(time.perf_counter() - start)
    start = time.perf_counter()
    plain_run({big!r})
    without.append(time.perf_counter() - start)
memory = {{}}
for lines in (100_000, 400_000):
    before = rss_mb()
    kfp_notebook.run({chatty!r}, {{"lines": lines}})
    time.sleep(0.5)
    memory[lines] = rss_mb() - before
print("RESULT " + json.dumps({{"with": with_widget, "without": without, "memory": memory}}))
"""


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-widget-"))
    big, chat = tmp / "two_hundred.yaml", tmp / "chatty.yaml"
    compiler.Compiler().compile(two_hundred_tasks, str(big))
    compiler.Compiler().compile(chatty, str(chat))
    workers = 2
    cli = [sys.executable, "-m", "kfp_notebook._cli", "run", str(big), "--quiet"]
    cli += ["--workers", str(workers), "--pipeline-root", str(tmp / "cli")]
    subprocess.run(cli, check=True, capture_output=True)  # warm the environment
    cli_times = []
    for _ in range(2):
        start = time.perf_counter()
        subprocess.run(cli, check=True, capture_output=True)
        cli_times.append(time.perf_counter() - start)
    code = KERNEL_CODE.format(
        root=str(tmp / "nb"), workers=workers, reps=3, big=str(big), chatty=str(chat)
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(notebook, timeout=1800, kernel_name="python3").execute()
    text = "".join(
        o.get("text", "") for o in notebook.cells[0].outputs if o.get("name") == "stdout"
    )
    result = json.loads(text.split("RESULT ", 1)[1].splitlines()[0])
    with_widget, without = min(result["with"]), min(result["without"])
    print(f"\n200-task pipeline, --workers {workers}, best of runs:")
    print(f"  CLI                           {min(cli_times):6.2f} s")
    print(f"  notebook, no widget           {without:6.2f} s")
    print(f"  notebook, live widget         {with_widget:6.2f} s")
    overhead = (with_widget / without - 1) * 100
    print(f"  widget overhead               {overhead:+6.1f} %  (target < 10%)")
    print("\nkernel resident memory growth with the live widget:")
    for lines, grown in result["memory"].items():
        print(f"  {int(lines):>7,} log lines from one task   {grown:+7.1f} MB")
    print("  bound: the widget holds at most 1,000 lines per task; growth stays under 50 MB")


if __name__ == "__main__":
    main()
