"""The four-stage numpy pipeline of "Local Pipelines for Local People" (seed 004).

Run `python examples/seed_pipeline.py` to compile it to `examples/seed_pipeline.yaml`, then
`kfp-notebook run examples/seed_pipeline.yaml`.
"""

import sys
from pathlib import Path
from typing import Any, Dict, List

from kfp import compiler, dsl

PACKAGES = ["numpy"]
IMAGE = "python:3.11"


@dsl.component(packages_to_install=PACKAGES, base_image=IMAGE)
def stage_0(config: Dict[str, Any], messages: List[str], run_id: str = "42") -> int:
    """Stage 0."""
    from numpy import random

    print(f"RUN_ID = {run_id}")
    for n, msg in enumerate(messages):
        print(f"|- message-{n}: {msg}")
    return int(random.randint(config["seed_low"], config["seed_high"]))


@dsl.component(packages_to_install=PACKAGES, base_image=IMAGE)
def stage_1(n: int, data: dsl.Output[dsl.Dataset], seed: int) -> None:
    """Stage 1."""
    from numpy import random

    random.seed(seed)
    x = random.standard_normal(n)
    with open(data.path, "w") as file:
        x.tofile(file)


@dsl.component(packages_to_install=PACKAGES, base_image=IMAGE)
def stage_2(data: dsl.Input[dsl.Dataset]) -> Dict[str, Any]:
    """Stage 2."""
    import numpy as np

    x = np.fromfile(data.path)
    return {"average": float(x.mean()), "std": float(x.std())}


@dsl.component(packages_to_install=PACKAGES, base_image=IMAGE)
def stage_3(aggs: Dict[str, float]) -> None:
    """Stage 3."""
    print(f"x_average={aggs['average']}")
    print(f"x_std={aggs['std']}")


@dsl.pipeline(name="seed-pipeline")
def seed_pipeline(
    config: Dict[str, Any] = {"seed_low": 0, "seed_high": 42},  # noqa: B006
    messages: List[str] = ["foo", "bar"],  # noqa: B006
    run_id: str = "001",
    n: int = 1000,
) -> None:
    s0 = stage_0(config=config, messages=messages, run_id=run_id)
    s1 = stage_1(n=n, seed=s0.output)
    s2 = stage_2(data=s1.outputs["data"])
    stage_3(aggs=s2.output)


if __name__ == "__main__":
    # `python examples/seed_pipeline.py [OUT.yaml]`; by default next to this file.
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("seed_pipeline.yaml")
    compiler.Compiler().compile(seed_pipeline, package_path=str(out))
    print(f"wrote {out}")
