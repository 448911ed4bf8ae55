"""The runner registry: a user's own TaskExecutor named by its dotted path runs a pipeline from
the CLI and through `serve` (the real kfp.Client), is recorded with the run, and a name that
cannot be built is refused at once with exit 2, before anything is written."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kfp import compiler, dsl

from kfp_notebook._errors import ExecutorUnavailableError
from kfp_notebook._runners import check_runner, load_runner

REPO = Path(__file__).resolve().parents[1]
CUSTOM = "tests.support.inprocess:InProcessExecutor"  # writes every output as 0, runs no code


@dsl.component(base_image="python:3.11")
def add(a: int, b: int) -> int:
    return a + b


@dsl.pipeline(name="adder")
def adder(a: int = 2, b: int = 3) -> int:
    return add(a=a, b=b).output


@pytest.fixture
def package(tmp_path: Path) -> Path:
    path = tmp_path / "adder.yaml"
    compiler.Compiler().compile(adder, str(path))
    return path


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "kfp_notebook._cli", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=120,
    )  # fmt: skip


def _recorded(root: Path, cwd: Path) -> list[dict]:
    listed = _cli("runs", "--json", "--pipeline-root", str(root), cwd=cwd)
    assert listed.returncode == 0, listed.stderr
    runs: list[dict] = json.loads(listed.stdout)
    return runs


def test_a_custom_executor_named_by_its_dotted_path_runs_from_the_cli(
    package: Path, tmp_path: Path
) -> None:
    root = tmp_path / "outputs"
    done = _cli("run", str(package), "--runner", CUSTOM, "--pipeline-root", str(root), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    (run,) = _recorded(root, tmp_path)
    assert (run["status"], run["runner"]) == ("SUCCEEDED", CUSTOM)
    # the subprocess runner would have computed 5: 0 is what the custom executor wrote
    assert run["outputs"]["parameters"]["Output"] == 0


@pytest.mark.parametrize(
    ("runner", "said"),
    [
        ("k8s", "unknown runner 'k8s'"),
        ("no_such_module:Executor", "no module 'no_such_module'"),
        ("kubeflow", "--endpoint"),
    ],
)
def test_a_runner_that_cannot_be_built_exits_2_before_anything_runs(
    package: Path, tmp_path: Path, runner: str, said: str
) -> None:
    root = tmp_path / "outputs"
    done = _cli("run", str(package), "--runner", runner, "--pipeline-root", str(root), cwd=tmp_path)
    assert done.returncode == 2 and said in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not root.exists()
    served = _cli("serve", "--port", "0", "--runner", runner, cwd=tmp_path)
    assert served.returncode == 2 and said in served.stderr, served.stderr


def test_a_class_that_is_no_task_executor_is_refused_by_name(tmp_path: Path) -> None:
    from kfp_notebook import Session

    with pytest.raises(ExecutorUnavailableError, match="not a TaskExecutor"):
        Session(runner="pathlib:PurePosixPath", pipeline_root=tmp_path)
    assert check_runner("docker") == "docker"  # known without importing Docker
    assert load_runner("subprocess").__name__ == "SubprocessExecutor"


def test_a_custom_executor_runs_the_runs_serve_starts(package: Path, tmp_path: Path) -> None:
    import kfp
    from serve_helper import TOKEN, serving

    root = tmp_path / "served"
    with serving(root, "--runner", CUSTOM) as url:
        client = kfp.Client(host=url, existing_token=TOKEN)
        created = client.create_run_from_pipeline_package(str(package), arguments={"a": 7})
        finished = client.wait_for_run_completion(created.run_id, timeout=120)
        assert finished.state == "SUCCEEDED", finished
    (run,) = _recorded(root, tmp_path)
    assert (run["runner"], run["arguments"]) == (CUSTOM, {"a": 7, "b": 3})
    assert run["outputs"]["parameters"]["Output"] == 0


def test_extension_types_have_one_public_home() -> None:
    import kfp_notebook.extend as extend
    from kfp_notebook.executors import ContainerSpec
    from tests.support.inprocess import InProcessExecutor

    assert isinstance(InProcessExecutor(), extend.TaskExecutor)
    assert not isinstance(object(), extend.TaskExecutor)
    assert extend.ContainerSpec is ContainerSpec
    assert extend.RUNNER_ENTRY_POINTS == "kfp_notebook.runners"
    missing = [name for name in extend.__all__ if not hasattr(extend, name)]
    assert not missing


def test_a_runner_registered_under_the_entry_point_group_is_named_by_its_name(
    package: Path, tmp_path: Path
) -> None:
    """A package's `[project.entry-points."kfp_notebook.runners"]` (here: an installed
    distribution's metadata on the path, as pip writes it)."""
    site = tmp_path / "site"
    info = site / "my_runners-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-runners\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[kfp_notebook.runners]\nscripted = {CUSTOM}\n")
    root = tmp_path / "outputs"
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{REPO}"}
    done = subprocess.run(
        [sys.executable, "-m", "kfp_notebook._cli", "run", str(package), "--runner", "scripted",
         "--pipeline-root", str(root)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (run,) = _recorded(root, tmp_path)
    assert (run["runner"], run["outputs"]["parameters"]["Output"]) == ("scripted", 0)
