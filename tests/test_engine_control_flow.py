"""Control flow with KFP backend semantics: conditions, loops, fan-in, exit handlers, retries."""

from pathlib import Path
from typing import List

from kfp import dsl

from kfp_notebook import RunState, TaskState

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def echo(text: str) -> str:
    print("echo", text)
    return text


@dsl.component(base_image=IMAGE)
def number(n: int) -> int:
    return n


@dsl.component(base_image=IMAGE)
def square(n: int) -> int:
    return n * n


@dsl.component(base_image=IMAGE)
def total(xs: List[int]) -> int:
    assert all(type(x) is int for x in xs), f"not all ints: {xs!r}"
    return sum(xs)


@dsl.component(base_image=IMAGE)
def make_list() -> List[int]:
    return [1, 2, 3]


@dsl.component(base_image=IMAGE)
def fail(code: int = 3) -> None:
    import sys

    print("about to fail")
    sys.exit(code)


@dsl.component(base_image=IMAGE)
def report(status: dsl.PipelineTaskFinalStatus, out: dsl.Output[dsl.Artifact]) -> None:
    with open(out.path, "w") as f:
        f.write(f"{status.state}|{status.pipeline_task_name}")


@dsl.component(base_image=IMAGE)
def flaky(marker_dir: str) -> str:
    import os

    path = os.path.join(marker_dir, "attempts")
    count = int(open(path).read()) if os.path.exists(path) else 0  # noqa: SIM115
    with open(path, "w") as f:
        f.write(str(count + 1))
    if count == 0:
        raise RuntimeError("first attempt fails")
    return f"attempt {count + 1}"


@dsl.component(base_image=IMAGE)
def read_env() -> str:
    import os

    return os.environ["GREETING"]


@dsl.component(base_image=IMAGE)
def files(items: dsl.Input[List[dsl.Dataset]]) -> str:
    return ",".join(sorted(open(a.path).read() for a in items))


@dsl.component(base_image=IMAGE)
def make_file(text: str, out: dsl.Output[dsl.Dataset]) -> None:
    with open(out.path, "w") as f:
        f.write(text)


@dsl.pipeline
def branches(n: int = 7) -> str:
    x = number(n=n)
    with dsl.If(x.output > 5):
        big = echo(text="big")
    with dsl.Elif(x.output > 2):
        mid = echo(text="mid")
    with dsl.Else():
        small = echo(text="small")
    return dsl.OneOf(big.output, mid.output, small.output)


def test_if_elif_else_and_oneof(session, compile_to) -> None:
    path = compile_to(branches)
    run = session.run(path, {"n": 3})
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.output == "mid"
    by_name = {t.task_id: t for t in run.tasks.values()}
    skipped = [t for t in by_name.values() if t.status is TaskState.SKIPPED]
    assert {t.kind for t in skipped} >= {"condition", "container"}
    assert sum(1 for t in skipped if t.kind == "container") == 2
    assert "condition is false" in next(t for t in skipped if t.kind == "condition").message
    assert session.run(path, {"n": 9}).output == "big"
    assert session.run(path, {"n": 1}).output == "small"


@dsl.pipeline
def loops(values: List[int] = [4, 5]) -> int:  # noqa: B006
    with dsl.ParallelFor([1, 2, 3], parallelism=2) as a:
        sq = square(n=a)
    with dsl.ParallelFor(values) as v:
        with dsl.ParallelFor([{"k": 10}, {"k": 20}]) as d:
            number(n=d.k)
        sq2 = square(n=v)
    listed = make_list()
    with dsl.ParallelFor(listed.output) as item:
        sq3 = square(n=item)
    t1 = total(xs=dsl.Collected(sq.output))
    t2 = total(xs=dsl.Collected(sq2.output))
    t3 = total(xs=dsl.Collected(sq3.output))
    return total(xs=[t1.output, t2.output, t3.output]).output


def test_parallel_for_and_collected_keep_ints(session, compile_to) -> None:
    run = session.run(compile_to(loops))
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.output == (1 + 4 + 9) + (16 + 25) + (1 + 4 + 9)
    ids = set(run.tasks)
    assert "for-loop-2[2]/square" in ids
    nested = [i for i in ids if i.count("[") == 2 and i.endswith("/number")]
    assert len(nested) == 4
    collected = next(t for t in run.tasks.values() if t.name == "total")
    assert collected.inputs["xs"] == [1, 4, 9]


@dsl.pipeline
def collected_artifacts() -> str:
    with dsl.ParallelFor(["a", "b"]) as word:
        f = make_file(text=word)
    return files(items=dsl.Collected(f.outputs["out"])).output


def test_collected_artifacts(session) -> None:
    run = session.run(collected_artifacts)
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.output == "a,b"


@dsl.pipeline
def one_collected() -> List[dsl.Dataset]:
    with dsl.ParallelFor(["only"]) as word:
        f = make_file(text=word)
    return dsl.Collected(f.outputs["out"])


def test_a_collected_artifact_list_of_one_stays_a_list(session) -> None:
    run = session.run(one_collected)
    assert run.status is RunState.SUCCEEDED, run.error
    datasets = run.outputs["Output"]
    assert isinstance(datasets, list) and len(datasets) == 1
    assert isinstance(datasets[0], dsl.Dataset)
    assert Path(datasets[0].path).read_text() == "only"


@dsl.pipeline
def exit_handling():
    final = report()
    with dsl.ExitHandler(final):
        fail()
        echo(text="independent")


def test_exit_handler_gets_failed_status_and_nothing_new_starts(session, compile_to) -> None:
    run = session.run(compile_to(exit_handling))
    assert run.status is RunState.FAILED
    tasks = {t.name: t for t in run.tasks.values()}
    assert tasks["fail"].status is TaskState.FAILED
    assert "exit status 3" in tasks["fail"].message
    assert "about to fail" in tasks["fail"].message
    assert "task.log" in tasks["fail"].message
    assert tasks["report"].status is TaskState.SUCCEEDED
    status_text = Path(tasks["report"].artifacts[0].uri).read_text()
    assert status_text == "FAILED|exit-handler-1"
    assert "task 'fail' inside 'exit-handler-1' failed" in run.error


@dsl.pipeline
def retry_env_upstream(marker_dir: str):
    flaky(marker_dir=marker_dir).set_retry(num_retries=2, backoff_duration="0s")
    read_env().set_env_variable("GREETING", "hello")
    broken = fail()
    cleanup = echo(text="cleanup").after(broken).ignore_upstream_failure()
    _ = cleanup


def test_retry_env_and_ignore_upstream_failure(session, compile_to, tmp_path) -> None:
    run = session.run(compile_to(retry_env_upstream), {"marker_dir": str(tmp_path)})
    tasks = {t.name: t for t in run.tasks.values()}
    assert tasks["flaky"].status is TaskState.SUCCEEDED
    assert tasks["flaky"].attempts == 2
    assert tasks["flaky"].outputs == {"Output": "attempt 2"}
    assert tasks["read-env"].outputs == {"Output": "hello"}
    assert tasks["echo"].status is TaskState.SUCCEEDED
    assert run.status is RunState.FAILED


@dsl.component(base_image=IMAGE)
def read_one(data: dsl.Input[dsl.Dataset]) -> str:
    return open(data.path).read()


@dsl.pipeline
def importer_pipeline(path: str) -> str:
    imported = dsl.importer(artifact_uri=path, artifact_class=dsl.Dataset)
    return read_one(data=imported.output).output


def test_importer_of_a_local_file(session, tmp_path) -> None:
    source = tmp_path / "data.txt"
    source.write_text("imported!")
    run = session.run(importer_pipeline, {"path": str(source)})
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.output == "imported!"


@dsl.pipeline
def kubernetes_settings() -> str:
    t = echo(text="k8s")
    t.set_cpu_limit("2").set_memory_limit("1G").add_node_selector_constraint("nvidia-tesla-k80")
    return t.output


def test_kubernetes_only_settings_warn_once_each(session) -> None:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = session.run(kubernetes_settings)
    assert run.output == "k8s"
    texts = [str(w.message) for w in caught if "Kubernetes-only" in str(w.message)]
    assert len(texts) == len(set(texts)) >= 2


@dsl.pipeline
def constant_lists(xs: list = [4, 5]) -> int:  # noqa: B006 - KFP reads the default
    first = total(xs=xs)
    return total(xs=[first.output, 3]).output


def test_whole_numbers_in_compiled_lists_arrive_as_ints(session) -> None:
    # KFP compiles [4, 5] and [.., 3] as 4.0, 5.0, 3.0; the backend hands them over as ints.
    run = session.run(constant_lists)
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.output == 12
