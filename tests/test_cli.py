"""The `kfp-notebook` CLI, run as a real process on compiled YAML (the seed 004 pipeline)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from kfp import compiler, dsl

from kfp_notebook import RunState
from kfp_notebook._store.store import RunStore

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed_pipeline.py"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kfp_notebook._cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ.copy(),
    )


def test_seed_pipeline_compiled_to_yaml_runs_from_the_cli(tmp_path) -> None:
    yaml_path = tmp_path / "seed_pipeline.yaml"
    subprocess.run([sys.executable, str(SEED), str(yaml_path)], check=True, capture_output=True)
    done = cli("run", str(yaml_path), "--param", "run_id=007", "--param", "n=500", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "stage-0      | RUN_ID = 007" in done.stdout
    assert "x_average=" in done.stdout
    for stage in range(4):
        assert f"✓ stage-{stage} SUCCEEDED" in done.stdout
    assert "SUCCEEDED in" in done.stdout
    store = RunStore(tmp_path / "local_outputs")
    (run,) = store.list_runs()
    assert run.status is RunState.SUCCEEDED
    assert run.arguments["n"] == 500
    listing = cli("runs", cwd=tmp_path)
    assert run.run_id in listing.stdout and "SUCCEEDED" in listing.stdout
    logs = cli("logs", run.run_id, "stage-3", cwd=tmp_path)
    assert "x_std=" in logs.stdout
    followed = cli("logs", run.run_id, "--follow", cwd=tmp_path)
    assert "stage-0 | RUN_ID = 007" in followed.stdout
    dry = cli("run", str(yaml_path), "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0 and "stage-3" in dry.stdout
    assert len(store.list_runs()) == 1


def test_output_to_a_reader_that_has_gone_is_not_an_error(tmp_path) -> None:
    """`kfp-notebook runs | head -1`: once the reader has gone, the command stops quietly."""
    RunStore(tmp_path / "local_outputs").new_run_id("x")  # the root exists, with no runs
    for command in (["runs"], ["runs", "--json"], ["--help"]):
        read_end, write_end = os.pipe()
        os.close(read_end)  # every write now fails with EPIPE
        try:
            done = subprocess.run(
                [sys.executable, "-m", "kfp_notebook", *command],
                cwd=tmp_path,
                stdout=write_end,
                stderr=subprocess.PIPE,
                text=True,
                timeout=60,
            )
        finally:
            os.close(write_end)
        assert done.returncode in (0, 141), (command, done.returncode, done.stderr)
        assert done.stderr == "", (command, done.stderr)


def test_user_mistakes_get_one_clear_error_and_exit_2(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("root: [unclosed")
    done = cli("run", str(bad), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "not valid YAML" in done.stderr
    assert "Traceback" not in done.stderr
    missing = cli("run", str(tmp_path / "nope.yaml"), cwd=tmp_path)
    assert missing.returncode == 2 and "cannot read pipeline file" in missing.stderr
    yaml_path = SEED.with_suffix(".yaml")
    unknown = cli("run", str(yaml_path), "--param", "nn=3", cwd=tmp_path)
    assert unknown.returncode == 2 and "Did you mean 'n'" in unknown.stderr
    typed = cli("run", str(yaml_path), "--param", "n=many", cwd=tmp_path)
    assert typed.returncode == 2 and "integer" in typed.stderr
    assert (
        not (tmp_path / "local_outputs").exists()
        or not RunStore(tmp_path / "local_outputs").list_runs()
    )


def test_an_endpoint_that_is_no_url_and_a_port_out_of_range_are_user_mistakes(tmp_path) -> None:
    for endpoint in ("ftp://host:21", "http://", "https://:8888"):
        done = cli("show", "some-run", "--endpoint", endpoint, cwd=tmp_path)
        assert done.returncode == 2, (endpoint, done.stderr)
        assert done.stderr.startswith("error: ") and "not an http:// or https:// URL" in (
            done.stderr
        ), (endpoint, done.stderr)
        assert "bug" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    for port in ("65536", "99999", "-1"):  # a socket takes 99999 as 34463, without a word
        done = cli("serve", "--port", port, cwd=tmp_path)
        assert done.returncode == 2 and "--port" in done.stderr, (port, done.stderr)
    assert not (tmp_path / "local_outputs").exists()


def test_an_endpoint_without_a_scheme_is_https_as_kfp_client_takes_it() -> None:
    from kfp_notebook import KubeflowRunner

    runner = KubeflowRunner("pipelines.example.com:8888/")
    assert runner.resolved_endpoint() == "https://pipelines.example.com:8888"
    assert KubeflowRunner("http://localhost:8888").resolved_endpoint() == "http://localhost:8888"


@dsl.component(base_image="python:3.11")
def fails() -> None:
    raise ValueError("boom from the component")


@dsl.component(base_image="python:3.11")
def sleeps() -> None:
    import time

    print("sleeping", flush=True)
    time.sleep(300)


@dsl.pipeline
def failing():
    fails()


@dsl.pipeline
def sleeping():
    sleeps()


def test_failed_run_exits_1_with_the_error_tail(tmp_path) -> None:
    path = tmp_path / "failing.yaml"
    compiler.Compiler().compile(failing, str(path))
    done = cli("run", str(path), cwd=tmp_path)
    assert done.returncode == 1
    assert "ValueError: boom from the component" in done.stdout
    assert "task 'fails' failed with exit status 1" in done.stdout
    assert "full log: " in done.stdout
    # Read once: the traceback is in the task's log lines, not quoted again below them.
    assert done.stdout.count("ValueError: boom from the component") == 1
    assert "last log lines" not in done.stdout
    quiet = cli("run", str(path), "--quiet", cwd=tmp_path)  # no log lines: the tail, once
    assert quiet.returncode == 1 and "last log lines" in quiet.stdout
    assert quiet.stdout.count("ValueError: boom from the component") == 1


def _sleeping_cli_run(tmp_path) -> subprocess.Popen:
    """`kfp-notebook run` of the sleeping pipeline, returned once its task prints."""
    path = tmp_path / "sleeping.yaml"
    compiler.Compiler().compile(sleeping, str(path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "kfp_notebook._cli", "run", str(path)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "sleeping" in line and "|" in line:
            break
    return proc


def test_ctrl_c_cancels_the_run(tmp_path) -> None:
    proc = _sleeping_cli_run(tmp_path)
    proc.send_signal(signal.SIGINT)
    start = time.monotonic()
    assert proc.wait(timeout=30) == 130
    assert time.monotonic() - start < 10
    (run,) = RunStore(tmp_path / "local_outputs").list_runs()
    assert run.status is RunState.CANCELLED
    pids = subprocess.run(["pgrep", "-f", "sleeps_"], capture_output=True, text=True).stdout
    assert pids.strip() == ""


def test_cancel_from_another_terminal(tmp_path) -> None:
    proc = _sleeping_cli_run(tmp_path)
    (run,) = RunStore(tmp_path / "local_outputs").list_runs()
    done = cli("cancel", run.run_id, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{run.run_id} CANCELLED" in done.stdout
    assert proc.wait(timeout=30) == 1
    again = cli("cancel", run.run_id, cwd=tmp_path)
    assert again.returncode == 1 and "not running" in again.stdout
    assert cli("cancel", "no-such-run", cwd=tmp_path).returncode == 2


def test_run_cancel_reaches_a_run_of_another_process(tmp_path) -> None:
    from kfp_notebook._api.run import Run

    proc = _sleeping_cli_run(tmp_path)
    store = RunStore(tmp_path / "local_outputs")
    (record,) = store.list_runs()
    run = Run(store, record.run_id)  # not live here: the CLI process runs it
    run.cancel()
    assert run.status is RunState.CANCELLED
    assert proc.wait(timeout=30) == 1
