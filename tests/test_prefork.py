"""Tasks forked from a per-environment zygote: fresh state per task, same guarantees as a fresh
interpreter (a task's own env vars apply, nothing outlives the engine)."""

import os
import signal
import subprocess
import sys
import textwrap
import time

from kfp import dsl

from kfp_notebook import RunState, Session, SubprocessRunner
from kfp_notebook._procs import same_process_alive

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE, packages_to_install=["numpy"])
def probe(tag: str) -> str:
    import json
    import os
    import random

    import numpy

    seen = hasattr(json, "KFPNB_MARK")
    json.KFPNB_MARK = tag  # a later task must not see this
    values = [os.getppid(), random.random(), float(numpy.random.rand()), seen]
    values.append(os.environ.get("GREETING", ""))
    return json.dumps(values)


@dsl.pipeline
def three_probes() -> None:
    first = probe(tag="a")
    probe(tag="b").after(first)
    probe(tag="c").after(first).set_env_variable("GREETING", "hi")


def _outputs(run) -> dict[str, list]:
    import json

    return {t.inputs["tag"]: json.loads(t.outputs["Output"]) for t in run.tasks.values()}


def test_tasks_fork_from_one_zygote_with_fresh_state(session) -> None:
    run = session.run(three_probes)
    assert run.status is RunState.SUCCEEDED, run.error
    out = _outputs(run)
    zygote = out["a"][0]
    assert zygote != os.getpid() and out["b"][0] == zygote
    assert not out["a"][3] and not out["b"][3], "module state leaked from one task to the next"
    assert out["a"][1] != out["b"][1], "tasks share the zygote's random seed"
    assert out["a"][2] != out["b"][2], "tasks share the zygote's numpy seed"
    # a task with its own environment variables gets a fresh interpreter, so they apply to imports
    assert out["c"][0] == os.getpid() and out["c"][4] == "hi"
    session.close()
    _wait_for(lambda: not same_process_alive(zygote, None))


def test_prefork_false_starts_every_task_fresh(pipeline_root) -> None:
    session = Session(SubprocessRunner(prefork=False), pipeline_root, raise_on_error=False)
    run = session.run(three_probes)
    assert run.status is RunState.SUCCEEDED, run.error
    assert {values[0] for values in _outputs(run).values()} == {os.getpid()}
    session.close()


def test_zygote_and_its_tasks_end_with_a_killed_engine(pipeline_root, tmp_path) -> None:
    pids = tmp_path / "pids"
    script = tmp_path / "engine.py"
    script.write_text(
        textwrap.dedent(f"""
        from kfp import dsl
        from kfp_notebook import Session

        @dsl.component(base_image="python:3.11")
        def sleeper(pids: str) -> None:
            import os, time
            with open(pids, "w") as f:
                f.write(f"{{os.getpid()}} {{os.getppid()}}")
            time.sleep(600)

        Session(pipeline_root={str(pipeline_root)!r}).run(sleeper, {{"pids": {str(pids)!r}}})
    """)
    )
    engine = subprocess.Popen([sys.executable, str(script)])
    _wait_for(lambda: pids.exists() and len(pids.read_text().split()) == 2, timeout=60)
    task, zygote = map(int, pids.read_text().split())
    assert zygote != engine.pid
    engine.send_signal(signal.SIGKILL)
    engine.wait()
    _wait_for(lambda: not same_process_alive(task, None) and not same_process_alive(zygote, None))


def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def _environment_with_a_package(root) -> str:
    """A bare venv holding one installed distribution, `probe-pkg` (module `probe_pkg`)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    site = next(root.glob("lib/python*/site-packages"))
    (site / "probe_pkg").mkdir()
    (site / "probe_pkg" / "__init__.py").write_text("VALUE = 1\n")
    info = site / "probe_pkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: probe-pkg\nVersion: 1.0\n")
    (info / "top_level.txt").write_text("probe_pkg\n")
    return str(root / "bin" / "python")


def test_a_cached_environment_keeps_the_bytecode_of_what_its_zygote_preloads(tmp_path) -> None:
    """Under PYTHONDONTWRITEBYTECODE (containers often set it) a zygote of an environment this
    project built writes the bytecode of what it preloads there, so the next zygote does not
    compile KFP and the packages again; a zygote of any other interpreter writes none."""
    from kfp_notebook.executors.subprocess.zygote import Zygote

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for cache, name in ((True, "cached"), (False, "other")):
        python = _environment_with_a_package(tmp_path / name)
        zygote = Zygote(python, env, ["probe-pkg"], cache_bytecode=cache)
        try:
            (tmp_path / f"{name}-task").mkdir()
            task = zygote.spawn([], tmp_path / f"{name}-task")  # answered after the preload
            task.wait()
            task.stdout.close()
        finally:
            zygote.close()
        written = list((tmp_path / name).glob("lib/python*/site-packages/probe_pkg/__pycache__"))
        assert bool(written) is cache, (name, written)
