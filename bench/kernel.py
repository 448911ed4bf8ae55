"""A trivial component called directly in a warm Jupyter kernel (nbclient), timed inside it.

kfp-notebook: `%load_ext kfp_notebook`, then `add(a=1, b=2)` as a notebook user calls it: the
live widget is displayed and the run recorded. kfp.local: `local.init(SubprocessRunner(
use_venv=False))`, then the same call. Each in its own kernel; after a warm-up, the median of
many calls. Usage: python bench/kernel.py [--calls N]
"""

import argparse
import json
import statistics
import tempfile

import nbformat
from nbclient import NotebookClient

SETUP = {
    "kfp-notebook": "%load_ext kfp_notebook",
    "kfp.local": (
        "import warnings\n"
        "warnings.filterwarnings('ignore')\n"
        "from kfp import local\n"
        "local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root='kfp-local')"
    ),
}

COMPONENT = """
from kfp import dsl

@dsl.component(base_image="python:3.11")
def add(a: int, b: int) -> int:
    return a + b
"""

TIMED = """
import json, time
for _ in range({warmup}):
    assert add(a=1, b=2).output == 3
took = []
for _ in range({calls}):
    start = time.perf_counter()
    result = add(a=1, b=2).output
    took.append(time.perf_counter() - start)
    assert result == 3
print("RESULT " + json.dumps(took))
"""


def call_times(which: str, calls: int = 40, warmup: int = 5) -> list[float]:
    """Seconds per direct call of a trivial component in a fresh, then warmed, kernel."""
    cwd = tempfile.mkdtemp(prefix=f"bench-kernel-{which.replace('.', '-')}-")
    cells = [SETUP[which], COMPONENT, TIMED.format(calls=calls, warmup=warmup)]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": cwd}}
    )
    client.execute()
    text = "".join(
        o.get("text", "") for o in notebook.cells[-1].outputs if o.get("name") == "stdout"
    )
    if "RESULT " not in text:
        raise SystemExit(f"{which}: the kernel printed no result:\n{notebook.cells[-1].outputs}")
    took: list[float] = json.loads(text.split("RESULT ", 1)[1].splitlines()[0])
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    ours = statistics.median(call_times("kfp-notebook", args.calls))
    theirs = statistics.median(call_times("kfp.local", max(5, args.calls // 4)))
    print(
        f"trivial component in a warm kernel, median: kfp-notebook {ours * 1000:.1f} ms, "
        f"kfp.local use_venv=False {theirs * 1000:.0f} ms ({theirs / ours:.0f}x)"
    )


if __name__ == "__main__":
    from scratch import use_scratch

    use_scratch("kfpnb-bench-kernel-")
    main()
