"""Benchmark pipelines: (b) eight independent 1 s sleeps then a join; a chain of trivial tasks."""

from typing import Any

from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def sleep_one(i: int) -> int:
    import time

    time.sleep(1)
    return i


@dsl.component(base_image=IMAGE)
def join(xs: list) -> int:
    return len(xs)


@dsl.pipeline(name="eight-sleeps")
def eight_sleeps() -> int:
    tasks = [sleep_one(i=i) for i in range(8)]
    return join(xs=[t.output for t in tasks]).output


@dsl.component(base_image=IMAGE)
def trivial(x: int) -> int:
    return x + 1


@dsl.pipeline(name="trivial-chain")
def trivial_chain() -> int:
    t = trivial(x=0)
    for _ in range(9):
        t = trivial(x=t.output)
    return t.output


@dsl.component(base_image=IMAGE)
def square(x: int) -> int:
    print(f"squaring {x}")
    return x * x


@dsl.pipeline(name="two-hundred-tasks")
def two_hundred_tasks() -> int:
    with dsl.ParallelFor(list(range(199))) as x:
        sq = square(x=x)
    return join(xs=dsl.Collected(sq.output)).output


@dsl.component(base_image=IMAGE)
def chatty(lines: int) -> int:
    for i in range(lines):
        print(f"log line {i} of a chatty task")
    return lines


@dsl.component(base_image=IMAGE)
def noop(x: int) -> int:
    return x


def many_tasks(count: int) -> Any:
    """One ParallelFor of `count` trivial tasks."""

    @dsl.pipeline(name=f"tasks-{count}")
    def pipeline() -> None:
        with dsl.ParallelFor(list(range(count))) as x:
            noop(x=x)

    return pipeline


hundred_tasks = many_tasks(100)  # importable by name, for kfp.local in a subprocess
