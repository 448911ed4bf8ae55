"""Container components on the subprocess runner, which has no images: refused by default with a
message that names the option; with SubprocessRunner(containers="local") one whose image is a
Python image and whose command is `python ...` or `sh -c ...` runs as a local process (this
interpreter is `python`), with a warning that the image is not used, and its outputs flow on."""

import pytest
from kfp import dsl

from kfp_notebook import RunState, Session, SubprocessRunner
from kfp_notebook._errors import ExecutorUnavailableError
from kfp_notebook.executors.subprocess.local_container import ContainerImageIgnored


@dsl.container_component
def shout(text: str, out: dsl.OutputPath(str), report: dsl.Output[dsl.Artifact]):
    return dsl.ContainerSpec(
        image="python:3.11",
        command=["sh", "-c"],
        args=[
            'mkdir -p "$(dirname "$1")" "$(dirname "$2")" && '
            'printf "%s!" "$0" > "$1" && echo "report of $0" > "$2" && echo "shouted $0"',
            text,
            out,
            report.path,
        ],
    )


@dsl.container_component
def py_len(text: str, n: dsl.OutputPath(int)):
    return dsl.ContainerSpec(
        image="docker.io/library/python:3.11-slim",
        command=["python3", "-c"],
        args=[
            "import sys, os; os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True); "
            "open(sys.argv[2], 'w').write(str(len(sys.argv[1])))",
            text,
            n,
        ],
    )


@dsl.component(base_image="python:3.11")
def read_report(report: dsl.Input[dsl.Artifact], n: int) -> str:
    with open(report.path) as f:
        return f"{f.read().strip()} ({n})"


@dsl.pipeline
def containers(text: str = "hey") -> str:
    s = shout(text=text)
    n = py_len(text=s.outputs["out"])
    return read_report(report=s.outputs["report"], n=n.output).output


def test_container_components_are_refused_by_default(session) -> None:
    with pytest.raises(ExecutorUnavailableError) as err:
        session.run(containers)
    message = str(err.value)
    assert "is a container component" in message and "'py-len'" in message
    assert 'SubprocessRunner(containers="local")' in message and "docker" in message
    assert not session.store.list_runs()  # refused before anything ran


def test_opted_in_they_run_locally_with_a_warning(tmp_path) -> None:
    local = Session(
        runner=SubprocessRunner(containers="local"),
        pipeline_root=tmp_path / "root",
        raise_on_error=False,
    )
    try:
        with pytest.warns(ContainerImageIgnored) as warned:
            run = local.run(containers, {"text": "hello"})
        said = sorted(str(w.message) for w in warned if w.category is ContainerImageIgnored)
        assert len(said) == 2
        assert (
            "'py-len'" in said[0] and "'docker.io/library/python:3.11-slim' is not used" in said[0]
        )
        assert "'shout'" in said[1] and "'python:3.11' is not used" in said[1]
        assert run.status is RunState.SUCCEEDED, run.error
        assert run.output == "report of hello (6)"  # "hello!" has 6 characters
        assert run.tasks["shout"].outputs["out"] == "hello!"
        log = run.logs("shout")
        assert "image python:3.11 not used" in log and "shouted hello" in log
    finally:
        local.close()


@dsl.container_component
def alpine_echo():
    return dsl.ContainerSpec(image="alpine:3.19", command=["sh", "-c", "echo hi"])


@dsl.container_component
def python_entrypoint():
    return dsl.ContainerSpec(image="python:3.11", command=["/opt/tool", "--run"])


@pytest.mark.parametrize(
    ("component", "why"),
    [
        (alpine_echo, "image 'alpine:3.19' is not a Python image"),
        (python_entrypoint, "command ['/opt/tool', '--run'] is not `python ...` or `sh -c ...`"),
    ],
)
def test_opted_in_other_containers_are_still_refused(tmp_path, component, why) -> None:
    local = Session(runner=SubprocessRunner(containers="local"), pipeline_root=tmp_path)
    try:
        with pytest.raises(ExecutorUnavailableError, match="cannot run as a local process") as err:
            local.run(component)
        assert why in str(err.value) and "runner='docker'" in str(err.value)
    finally:
        local.close()


def test_an_unknown_mode_is_refused(tmp_path) -> None:
    with pytest.raises(ExecutorUnavailableError, match=r"'refuse' .* or 'local'"):
        Session(runner=SubprocessRunner(containers="docker"), pipeline_root=tmp_path)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("image", "python"),
    [
        ("python:3.11", True),
        ("docker.io/library/python:3.12-slim", True),
        ("registry.access.redhat.com/ubi9/python-311:latest", True),  # KFP's test data uses it
        ("python@sha256:0123", True),
        ("alpine:3.19", False),
        ("pythonista:1", False),
        ("my/python-ml:1", False),
    ],
)
def test_what_counts_as_a_python_image(image, python) -> None:
    from kfp_notebook.executors.subprocess.local_container import _is_python_image

    assert _is_python_image(image) is python
