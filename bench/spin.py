"""Spin one task against resuming the run from it, in a warm Jupyter kernel (nbclient).

A pipeline `prep -> train` runs once; then, alternately, `%kfp spin RUN train` and
`kfp_notebook.run(pipeline, run_id=RUN, from_task="train")` (the resume KFP users reach for),
each shown with its live widget. The time measured is from the call to the task's first log
line: `train` prints `time.time()` first thing, read back from its log. Medians of N each,
after a warm-up of both. Usage: python bench/spin.py [--repeat N]
"""

import argparse
import json
import statistics
import tempfile

import nbformat
from nbclient import NotebookClient

SETUP = """
%load_ext kfp_notebook
%kfp init --pipeline-root outputs
from kfp import dsl
from kfp.dsl import Dataset, Input, Output

@dsl.component(base_image="python:3.11")
def prep(data: Output[Dataset]) -> None:
    with open(data.path, "w") as f:
        f.write("3")

@dsl.component(base_image="python:3.11")
def train(data: Input[Dataset]) -> int:
    import time
    print("STAMP", time.time(), flush=True)
    with open(data.path) as f:
        return int(f.read())

@dsl.pipeline(name="spun")
def spun() -> int:
    return train(data=prep().outputs["data"]).output

import kfp_notebook
first = kfp_notebook.run(spun)
"""

TIMED = """
import json, re, time
from IPython import get_ipython

def first_line(run, started):
    stamps = re.findall(r"STAMP ([0-9.]+)", run.logs("train"))
    return float(stamps[-1]) - started

def spin():
    started = time.time()
    run = get_ipython().run_line_magic("kfp", f"spin {{first.run_id}} train")
    return first_line(run, started)

def resume():
    started = time.time()
    run = kfp_notebook.run(spun, run_id=first.run_id, from_task="train")
    return first_line(run, started)

for _ in range({warmup}):
    spin(); resume()
took = {{"spin": [], "resume": []}}
for _ in range({repeat}):
    took["spin"].append(spin())
    took["resume"].append(resume())
print("RESULT " + json.dumps(took))
"""


def measure(repeat: int, warmup: int = 2) -> dict[str, list[float]]:
    cwd = tempfile.mkdtemp(prefix="bench-spin-")
    cells = [SETUP, TIMED.format(repeat=repeat, warmup=warmup)]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": cwd}}
    )
    client.execute()
    text = "".join(
        o.get("text", "") for o in notebook.cells[-1].outputs if o.get("name") == "stdout"
    )
    if "RESULT " not in text:
        raise SystemExit(f"the kernel printed no result:\n{notebook.cells[-1].outputs}")
    result: dict[str, list[float]] = json.loads(text.split("RESULT ", 1)[1].splitlines()[0])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    took = measure(args.repeat)
    spin, resume = (statistics.median(took[k]) for k in ("spin", "resume"))
    print(
        f"call to the task's first log line in a warm kernel, median of {args.repeat}: "
        f"%kfp spin {spin * 1000:.0f} ms, resume from the task {resume * 1000:.0f} ms "
        f"({resume / spin:.2f}x)"
    )


if __name__ == "__main__":
    from scratch import use_scratch

    use_scratch("kfpnb-bench-spin-")
    main()
