"""The detached starter: a run asked again while its previous process is still closing (the
run is recorded as ended a moment before the process exits; `kfp.Client` retries at once)
waits for that process and starts, rather than refusing. Real `kfp-notebook run` processes."""

import time
from pathlib import Path

from kfp import compiler, dsl

from kfp_notebook._detached import DetachedRun, DetachedStarter
from kfp_notebook._store.reader import StoreReader


@dsl.component(base_image="python:3.11")
def short_nap() -> None:
    import time

    time.sleep(1.0)


@dsl.pipeline(name="short-nap")
def napping() -> None:
    short_nap()


def test_a_run_started_again_while_its_process_closes_waits_for_it(tmp_path: Path) -> None:
    spec = tmp_path / "nap.yaml"
    compiler.Compiler().compile(napping, str(spec))
    root = tmp_path / "outputs"
    starter = DetachedStarter()
    ended: list[int] = []
    run = DetachedRun(root, "nap-1", spec)
    starter.start(run, lambda code, tail: ended.append(code))
    started = time.monotonic()
    again = DetachedRun(root, "nap-1", spec, from_task="short-nap")
    starter.start(again, lambda code, tail: ended.append(code))  # once the first has exited
    assert time.monotonic() - started < 60
    deadline = time.monotonic() + 60
    while len(ended) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ended == [0, 0]
    record = StoreReader(root).get_run("nap-1")
    assert record is not None and record.status.value == "SUCCEEDED"


def test_a_spin_is_described_as_a_spin_command_of_the_new_run(tmp_path: Path) -> None:
    from kfp_notebook._detached import RunnerSettings

    run = DetachedRun(
        tmp_path, "gate-spin-check-1", tmp_path / "src" / "pipeline.yaml",
        RunnerSettings("subprocess", workers=4, use_venv=False),
        spin_task="check", spin_source="src",
    )  # fmt: skip
    cmd = run.command(None)
    assert cmd[cmd.index("spin") :] == [
        "spin", "src", "check", "--persist", "--run-id", "gate-spin-check-1",
        "--pipeline-root", str(tmp_path), "--quiet", "--runner", "subprocess", "--no-venv",
    ]  # fmt: skip
