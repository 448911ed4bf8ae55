"""The docker runner against a real Docker engine (made ready by ci/setup_docker.sh, which the
test command runs): all component kinds, derived images, failures, cancel, ownership, options."""

import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

import pytest
from kfp import dsl
from kfp.dsl import Artifact, Dataset, Output

from kfp_notebook import DockerRunner, KfpNotebookError, RunState, Session, TaskState
from kfp_notebook._store.layout import PARTIAL_DIR

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.docker
IMAGE = "python:3.11"


@pytest.fixture(scope="module")
def docker_client():
    import docker

    try:
        client = docker.from_env()
        client.ping()
        client.images.get(IMAGE)
    except Exception as exc:
        pytest.fail(
            f"Docker is not ready ({exc}); run `bash ci/setup_docker.sh` (the test command does)."
        )
    return client


@pytest.fixture
def docker_session(docker_client, pipeline_root):
    session = Session(DockerRunner(), pipeline_root, raise_on_error=False)
    yield session
    session.close()


def _our_containers(client, run_id: str) -> list:
    return client.containers.list(all=True, filters={"label": f"kfp-notebook.run={run_id}"})


def test_seed_pipeline_runs_in_containers_from_the_cli(docker_client, tmp_path) -> None:
    seed = tmp_path / "seed_pipeline.yaml"
    script = str(ROOT / "examples" / "seed_pipeline.py")
    subprocess.run([sys.executable, script, str(seed)], check=True)
    cli = [sys.executable, "-m", "kfp_notebook._cli", "run", "--runner", "docker"]
    args = [str(seed), "--pipeline-root", str(tmp_path)]
    done = subprocess.run([*cli, *args, "--param", "n=50"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "x_average=" in done.stdout
    assert "SUCCEEDED" in done.stdout.splitlines()[-1]
    derived = docker_client.images.list(filters={"label": "kfp-notebook.image=1"})
    assert derived, "lightweight components run from a derived, labelled image"
    started = time.perf_counter()
    again = subprocess.run([*cli, *args, "--quiet"], capture_output=True, text=True)
    assert again.returncode == 0, again.stdout[-3000:]
    assert "building image" not in again.stdout
    assert time.perf_counter() - started < 30
    assert not docker_client.containers.list(all=True, filters={"label": "kfp-notebook.run"})


@dsl.container_component
def greet(
    name: str,
    greeting: dsl.OutputPath(str),
    report: Output[Artifact],
    suffix: Optional[str] = None,
):
    return dsl.ContainerSpec(
        image=IMAGE,
        command=["sh", "-c", 'printf "%s" "$1" > "$2"; printf "%s|%s" "$4" "$5" > "$3"', "--"],
        args=[
            dsl.ConcatPlaceholder(["hello ", name]),
            greeting,
            report.path,
            report.uri,
            dsl.IfPresentPlaceholder(input_name="suffix", then=[suffix], else_=["no-suffix"]),
        ],
    )


@dsl.pipeline
def greetings() -> str:
    greet(name="docker")
    return greet(name="again", suffix="!").outputs["greeting"]


def test_container_component_with_placeholders(docker_session) -> None:
    run = docker_session.run(greetings)
    assert run.status is RunState.SUCCEEDED, run.error
    tasks = {t.task_id: t for t in run.tasks.values()}
    assert tasks["greet"].outputs["greeting"] == "hello docker"
    assert tasks["greet-2"].outputs["greeting"] == "hello again"
    report = tasks["greet"].artifacts[0]
    final = Path(report.uri)  # the task wrote to its staging path; moved here on success
    staged = final.parent / PARTIAL_DIR / final.name
    assert final.read_text() == f"{staged}|no-suffix"
    assert Path(tasks["greet-2"].artifacts[0].uri).read_text().endswith("|!")


@dsl.container_component
def exit_fast():
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", "echo going down >&2; exit 3"])


@dsl.component(base_image=IMAGE)
def raises() -> None:
    raise ValueError("broken on purpose")


def test_failing_tasks_are_failed_never_succeeded(docker_session) -> None:
    run = docker_session.run(exit_fast)
    assert run.status is RunState.FAILED
    task = next(iter(run.tasks.values()))
    assert task.status is TaskState.FAILED
    assert "exit status 3" in task.message and "going down" in task.message
    run = docker_session.run(raises)
    assert run.status is RunState.FAILED
    assert "broken on purpose" in next(iter(run.tasks.values())).message
    assert not _our_containers(docker_session.engine.executor.client, run.run_id)


@dsl.component(base_image=IMAGE)
def sleeps_long() -> None:
    import time

    print("sleeping", flush=True)
    time.sleep(600)


def test_cancel_removes_the_container_within_5_seconds(docker_session, docker_client) -> None:
    run = docker_session.run(sleeps_long, wait=False)
    deadline = time.monotonic() + 60
    while "sleeping" not in run.logs() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _our_containers(docker_client, run.run_id), "the task runs as a labelled container"
    started = time.monotonic()
    run.cancel()
    while _our_containers(docker_client, run.run_id) and time.monotonic() - started < 5:
        time.sleep(0.1)
    assert not _our_containers(docker_client, run.run_id)
    assert run.status is RunState.CANCELLED


@dsl.component(base_image=IMAGE)
def who_am_i(data: Output[Dataset]) -> str:
    import os
    from pathlib import Path

    Path(os.environ["HOME"], "scratch").write_text("home is writable")
    Path(data.path).write_text("rows")
    lines = Path("/proc/self/status").read_text().splitlines()
    status = dict(line.split(":\t", 1) for line in lines if ":\t" in line)
    return f"{os.getuid()}:{os.getgid()}|{status['CapEff'].strip()}|{status['NoNewPrivs'].strip()}"


def test_tasks_run_as_the_host_user_unprivileged(docker_session) -> None:
    import os

    run = docker_session.run(who_am_i)
    assert run.status is RunState.SUCCEEDED, run.error
    user, caps, no_new_privs = run.output.split("|")
    assert user == f"{os.getuid()}:{os.getgid()}"
    assert int(caps, 16) == 0 and no_new_privs == "1"
    written = Path(run.outputs["data"].path)
    assert written.read_text() == "rows"
    assert (written.stat().st_uid, written.stat().st_gid) == (os.getuid(), os.getgid())


def test_unsafe_options_are_refused_before_anything_runs(docker_client, pipeline_root) -> None:
    for options, match in (
        ({"privileged": True}, "full control of the host"),
        ({"volumes": {"/var/run/docker.sock": {"bind": "/s", "mode": "rw"}}}, "engine socket"),
        ({"command": ["x"]}, "set by the Docker runner"),
        ({"no_such_option": 1}, "unknown Docker runner option"),
    ):
        with pytest.raises(KfpNotebookError, match=match):
            Session(DockerRunner(**options), pipeline_root)
    session = Session(DockerRunner(environment={"GREETING": "from options"}), pipeline_root)
    try:
        with pytest.raises(KfpNotebookError, match="not on this machine and could not be pulled"):
            session.run(missing_image)
    finally:
        session.close()


@dsl.container_component
def missing_image():
    return dsl.ContainerSpec(image="kfp-notebook-test/does-not-exist:1", command=["true"])


def test_unreachable_engine_says_how_to_start_it(monkeypatch, pipeline_root) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(KfpNotebookError, match=r"dockerd.*runner='subprocess'"):
        Session("docker", pipeline_root)


def test_a_new_engine_removes_containers_of_a_killed_one(docker_client, tmp_path) -> None:
    import signal
    import textwrap

    root = tmp_path / "outputs"
    script = tmp_path / "engine.py"
    script.write_text(
        textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_docker_executor import sleeps_long
        from kfp_notebook import DockerRunner, Session
        Session(DockerRunner(), {str(root)!r}).run(sleeps_long)
    """)
    )
    engine = subprocess.Popen([sys.executable, str(script)])
    deadline = time.monotonic() + 60
    left: list = []
    while not left and time.monotonic() < deadline:
        left = docker_client.containers.list(filters={"label": "kfp-notebook.run"})
        time.sleep(0.2)
    assert left, "the task container did not start"
    engine.send_signal(signal.SIGKILL)
    engine.wait()
    assert docker_client.containers.list(all=True, filters={"label": "kfp-notebook.run"})
    Session(DockerRunner(), root).close()  # a new engine cleans up when it starts
    assert not docker_client.containers.list(all=True, filters={"label": "kfp-notebook.run"})
    runs = Session(pipeline_root=root).store.list_runs()
    assert [r.status for r in runs] == [RunState.INTERRUPTED]


def test_gc_lists_and_removes_derived_images(docker_client, docker_session, tmp_path) -> None:
    import os

    assert docker_session.run(who_am_i).status is RunState.SUCCEEDED
    derived = {
        t
        for i in docker_client.images.list(filters={"label": "kfp-notebook.image=1"})
        for t in i.tags
    }
    assert derived
    cli = [sys.executable, "-m", "kfp_notebook._cli", "gc", "--images"]
    env = {**os.environ, "KFP_NOTEBOOK_ENV_DIR": str(tmp_path / "envs")}  # leave envs alone
    dry = subprocess.run([*cli, "--dry-run"], capture_output=True, text=True, check=True, env=env)
    assert all(f"would remove image {tag}" in dry.stdout for tag in derived), dry.stdout
    subprocess.run(cli, capture_output=True, text=True, check=True, env=env)
    # what this test saw is gone (another process on the machine may derive images meanwhile)
    left = {
        t
        for i in docker_client.images.list(filters={"label": "kfp-notebook.image=1"})
        for t in i.tags
    }
    assert not left & derived, left
    docker_client.images.get(IMAGE)  # base images are not ours to remove


@dsl.container_component
def inspect_limits(report: dsl.OutputPath(str)):
    return dsl.ContainerSpec(
        image=IMAGE,
        command=[
            "sh",
            "-c",
            'mkdir -p "$(dirname "$0")"; '
            'printf "%s|%s|%s" "$(cat /mnt/extra/note.txt)" "$GREETING" '
            '"$(cat /sys/fs/cgroup/memory.max 2>/dev/null'
            ' || cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" > "$0"',
        ],
        args=[report],
    )


def test_user_options_pass_through(docker_client, pipeline_root, tmp_path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "note.txt").write_text("mounted")
    runner = DockerRunner(
        environment={"GREETING": "from options"},
        volumes={str(extra): {"bind": "/mnt/extra", "mode": "ro"}},
        mem_limit="256m",
        network_mode="none",
    )
    session = Session(runner, pipeline_root, raise_on_error=False)
    try:
        run = session.run(inspect_limits)
        assert run.status is RunState.SUCCEEDED, run.error
        note, greeting, memory = run.output.split("|")
        assert (note, greeting) == ("mounted", "from options")
        assert memory == str(256 * 1024 * 1024), memory  # cgroup v2 or v1 file
    finally:
        session.close()


_AS_OTHER_USER = """
import os, sys
import difflib, docker, kfp_notebook, kfp_notebook._cli, kfp_notebook.executors.docker.executor
import kfp_notebook._api.session, kfp_notebook._spec.arguments, kfp_notebook._views.printer
from kfp_notebook._spec.ir import load_pipeline
load_pipeline(sys.argv[1])  # imports what the run needs while /root is still readable
os.setgroups([int(sys.argv[3])])
os.setgid(int(sys.argv[4]))
os.setuid(int(sys.argv[4]))
sys.exit(kfp_notebook._cli.main(
    ["run", sys.argv[1], "--runner", "docker", "--pipeline-root", sys.argv[2], "--quiet"]
))
"""


def test_files_written_by_tasks_belong_to_the_host_user(docker_client, tmp_path) -> None:
    """Run as root here, the engine drops to `nobody` (with the Docker socket's group), so a task
    container left running as root would show in the owner of the files it writes."""
    import os
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="kfpnb-owner-", dir="/tmp"))
    try:
        uid = os.getuid() if os.getuid() != 0 else 65534
        os.chown(base, uid, uid if os.getuid() == 0 else os.getgid())
        base.chmod(0o755)
        seed = base / "seed.yaml"
        script = str(ROOT / "examples" / "seed_pipeline.py")
        subprocess.run([sys.executable, script, str(seed)], check=True)
        env = {**os.environ, "KFP_NOTEBOOK_HOME": str(base / "home")}
        if os.getuid() == 0:
            socket_gid = os.stat("/var/run/docker.sock").st_gid
            argv = [sys.executable, "-c", _AS_OTHER_USER, str(seed), str(base / "out")]
            argv += [str(socket_gid), str(uid)]
        else:
            argv = [sys.executable, "-m", "kfp_notebook._cli", "run", str(seed), "--quiet"]
            argv += ["--runner", "docker", "--pipeline-root", str(base / "out")]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env, cwd=base)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        written = [p for p in (base / "out").rglob("*") if p.parent.name.startswith("stage-")]
        assert any(p.name == "executor_output.json" for p in written)
        assert {p.stat().st_uid for p in written} == {uid}
    finally:
        subprocess.run(["rm", "-rf", str(base)], check=False)
