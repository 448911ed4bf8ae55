"""Issue 11: a wheel of this repository, installed where Node is unreachable, runs a pipeline
with the Docker runner.

The wheel is built from a temporary copy of the working tree's files (tracked, plus untracked
ones git does not ignore), so the repository gains no build/, dist/ or front-end output; its
build hook (hatch-jupyter-builder) builds the front ends with jlpm, the one step that needs
Node. From then on every command runs with a PATH whose `node`, `npm`, `jlpm`, ... are stubs
that fail and leave a marker: a fresh venv pip-installs the wheel and its dependencies, the
installed files hold the built notebook widget and JupyterLab sidebar, and the venv's
`kfp-notebook` runs examples/seed_pipeline.yaml in containers, every task succeeding and no
container left behind. The marker never written proves that neither installing nor running
needs Node."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed_pipeline.yaml"
DISTRIBUTION = "kfp-notebook-runner"
IMAGE = "python:3.11"  # the seed pipeline's base image, built by ci/setup_docker.sh
LABEXTENSION = "share/jupyter/labextensions/kfp-notebook-labextension"
NODE_TOOLS = ("node", "nodejs", "npm", "npx", "yarn", "jlpm")
STAGES = {"stage-0", "stage-1", "stage-2", "stage-3"}

pytestmark = pytest.mark.docker


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def _copy_working_tree(dest: Path) -> None:
    """The files a build of the checkout would see, as they are on disk (uncommitted edits
    included, deleted files left out), without ignored outputs such as node_modules."""
    listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree, not yet committed
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)


def _build_wheel(source: Path, out: Path) -> Path:
    """`uv build` (uv is one of the package's dependencies): the build requirements in an
    isolated environment, as `pip wheel` makes it, but installed from uv's cache in seconds
    (pip took about 50 s for jupyterlab's tree). jlpm takes the JavaScript packages from the
    checkout's own yarn cache (`make test-ts` fills it), not from the network or a cache in
    the user's home."""
    env = {
        **os.environ,
        "YARN_ENABLE_GLOBAL_CACHE": "0",
        "YARN_CACHE_FOLDER": str(ROOT / ".yarn" / "cache"),
    }
    command = [sys.executable, "-m", "uv", "build", "--wheel", "--python", sys.executable]
    done = subprocess.run(
        [*command, "--out-dir", str(out), str(source)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    wheels = list(out.glob("kfp_notebook_runner-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _node_stubs(folder: Path, marker: Path) -> None:
    folder.mkdir()
    for tool in NODE_TOOLS:
        stub = folder / tool
        stub.write_text(f'#!/bin/sh\necho "$0 $*" >> "{marker}"\nexit 1\n')
        stub.chmod(0o755)


def _without_node(venv: Path, stubs: Path, tmp_path: Path) -> dict[str, str]:
    """The environment for installing and running: the stubs first on PATH, then the venv and
    the system's bin folders; nothing pointing back into the repository or another venv. The
    state home (tests/conftest.py made it a temporary folder) is inherited."""
    assert "KFP_NOTEBOOK_HOME" in os.environ
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "NODE_PATH"}
    }
    env["PATH"] = os.pathsep.join([str(stubs), str(venv / "bin"), "/usr/bin", "/bin"])
    env["KFP_NOTEBOOK_ENV_DIR"] = str(tmp_path / "envs")
    return env


def _call(command: list[str], env: dict[str, str], cwd: Path, timeout: float) -> str:
    done = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _assert_wheel_holds_front_ends(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    data = next(n.split("/")[0] for n in names if n.split("/")[0].endswith(".data"))
    for name in (
        "kfp_notebook/static/widget.js",
        "kfp_notebook/static/widget-standalone.js",
        "kfp_notebook/static/widget.css",
        "kfp_notebook/static/compare.js",
        "kfp_notebook/static/graph-page.js",
        "kfp_notebook/labextension/package.json",
        f"{data}/data/{LABEXTENSION}/package.json",
        f"{data}/data/{LABEXTENSION}/install.json",
        f"{data}/data/etc/jupyter/jupyter_server_config.d/kfp_notebook.json",
    ):
        assert name in names, f"{name} is not in {wheel.name}"
    chunks = [n for n in names if n.startswith("kfp_notebook/static/chunks/elk-")]
    assert chunks, f"the layout engine's chunk is not in {wheel.name}"


def _assert_installed_front_ends(venv: Path, package: Path) -> None:
    assert (package / "static" / "widget.js").stat().st_size > 0
    assert (package / "static" / "compare.js").stat().st_size > 0
    sidebar = venv / LABEXTENSION
    manifest = json.loads((sidebar / "package.json").read_text())
    entry = manifest["jupyterlab"]["_build"]["load"]  # the built remote entry JupyterLab loads
    assert (sidebar / entry).is_file(), f"{entry} named by the sidebar's package.json is missing"
    assert json.loads((sidebar / "install.json").read_text())["packageName"] == DISTRIBUTION
    server = venv / "etc/jupyter/jupyter_server_config.d/kfp_notebook.json"
    assert json.loads(server.read_text())["ServerApp"]["jpserver_extensions"]["kfp_notebook"]


@pytest.mark.timeout(900)
def test_wheel_installed_without_node_runs_the_seed_pipeline_in_docker(tmp_path: Path) -> None:
    import docker

    client = docker.from_env()
    try:
        client.ping()
        client.images.get(IMAGE)
    except Exception as exc:
        pytest.fail(f"Docker is not ready ({exc}); run `bash ci/setup_docker.sh`.")
    status_before = _git("status", "--porcelain")
    outputs_before = {p for p in ("build", "dist") if (ROOT / p).exists()}

    source = tmp_path / "src"
    _copy_working_tree(source)
    wheel = _build_wheel(source, tmp_path / "dist")
    _assert_wheel_holds_front_ends(wheel)

    marker = tmp_path / "node-was-called"
    stubs = tmp_path / "no-node"
    _node_stubs(stubs, marker)
    venv = tmp_path / "venv"
    env = _without_node(venv, stubs, tmp_path)
    for tool in NODE_TOOLS:  # whatever looks a tool up on PATH finds the stub
        assert shutil.which(tool, path=env["PATH"]) == str(stubs / tool)
    work = tmp_path / "work"  # no repository files on sys.path: the wheel's package is run
    work.mkdir()

    def call(*command: str, timeout: float = 60) -> str:
        return _call(list(command), env, work, timeout)

    call(sys.executable, "-m", "venv", str(venv), timeout=120)
    python = str(venv / "bin" / "python")
    call(python, "-m", "pip", "install", "--quiet", str(wheel), timeout=600)
    where = call(python, "-c", "import kfp_notebook; print(kfp_notebook.__file__)")
    package = Path(where.strip()).parent
    assert package.is_relative_to(venv), f"kfp_notebook imported from {package}, not the venv"
    _assert_installed_front_ends(venv, package)

    cli = str(venv / "bin" / "kfp-notebook")
    root = tmp_path / "outputs"
    run_id = "wheel-install-docker"
    run = [cli, "run", str(SEED), "--runner", "docker", "--pipeline-root", str(root)]
    proc = subprocess.Popen(
        [*run, "--run-id", run_id],
        env=env,
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output[-5000:]
    assert "x_average=" in output  # stage-3's log line, printed by the CLI
    assert f"run {run_id} SUCCEEDED" in output.splitlines()[-1]

    runs = json.loads(call(cli, "runs", "--pipeline-root", str(root), "--json"))
    assert [(r["run_id"], r["status"], r["runner"]) for r in runs] == [
        (run_id, "SUCCEEDED", "docker")
    ]
    shown = call(cli, "show", run_id, "--pipeline-root", str(root), "--json")
    tasks = json.loads(shown)["tasks"]
    assert {t["name"]: t["status"] for t in tasks} == dict.fromkeys(STAGES, "SUCCEEDED")
    assert json.loads(shown)["run"]["task_counts"] == {"SUCCEEDED": len(STAGES)}

    # The run's task containers, and any image-build container its engine (the CLI process)
    # started, are gone.
    for label in (f"kfp-notebook.run={run_id}", f"kfp-notebook.engine-pid={proc.pid}"):
        left = client.containers.list(all=True, filters={"label": label})
        assert not left, f"containers left behind ({label}): {[c.name for c in left]}"

    called = marker.read_text() if marker.exists() else ""
    assert not called, f"Node tools were called while installing or running:\n{called}"
    assert _git("status", "--porcelain") == status_before
    assert {p for p in ("build", "dist") if (ROOT / p).exists()} == outputs_before
    for bulky in (source, venv):  # ~700 MB that pytest would keep for three sessions
        shutil.rmtree(bulky)
