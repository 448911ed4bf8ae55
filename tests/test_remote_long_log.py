"""A cluster task's long log is streamed, never held: `logs --endpoint` and the follower read it
in blocks (the deployment's log routes answer a log whole, from its start, each time), so their
memory does not grow with the log. Against `kfp-notebook serve` with the real kfp.Client.

Peak memory is each command's own (its maximum resident set, read by a wrapper process that
runs only it), against the same command on a log of a few lines in the same test."""

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import kfp
import pytest
from kfp import compiler, dsl
from serve_helper import TOKEN, serving

from kfp_notebook._store.reader import StoreReader

CLI = [sys.executable, "-m", "kfp_notebook._cli"]
LINES = 800_000  # of 100 bytes: an 80 MB log
_PEAK = (
    "import resource, subprocess, sys\n"
    "with open(sys.argv[1], 'wb') as out:\n"
    "    code = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.PIPE).returncode\n"
    "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)\n"
)


@dsl.component
def chatty(lines: int) -> None:
    import sys

    line = "x" * 90
    for start in range(0, lines, 10_000):
        block = range(start, min(start + 10_000, lines))
        sys.stdout.write("".join(f"{i:08d} {line}\n" for i in block))
    sys.stdout.write(f"done after {lines}\n")


@dsl.pipeline(name="chatter")
def chatter(lines: int = 3) -> None:
    chatty(lines=lines)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory):
    with serving(tmp_path_factory.mktemp("cluster") / "outputs") as served:
        yield served


def _made(url: str, lines: int, folder: Path) -> str:
    package = folder / "chatter.yaml"
    compiler.Compiler().compile(chatter, str(package))
    client = kfp.Client(host=url, existing_token=TOKEN)
    run = client.create_run_from_pipeline_package(str(package), {"lines": lines})
    assert client.wait_for_run_completion(run.run_id, timeout=300).state == "SUCCEEDED"
    return run.run_id


def _peak(out: Path, *args: str) -> int:
    """The command's exit status asserted 0; its peak resident memory in MiB."""
    done = subprocess.run([sys.executable, "-c", _PEAK, str(out), *CLI, *args],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    code, peak = done.stdout.split()
    assert code == "0", done.stderr
    return int(peak)


def test_logs_with_an_endpoint_stream_a_long_log(url, tmp_path) -> None:
    short, long = _made(url, 3, tmp_path), _made(url, LINES, tmp_path)
    on = ("--endpoint", url, "--token", TOKEN)
    base = _peak(tmp_path / "short.txt", "logs", short, "chatty", *on)
    peak = _peak(tmp_path / "long.txt", "logs", long, "chatty", *on)
    size = (tmp_path / "long.txt").stat().st_size
    print(f"logs --endpoint: {size / 2**20:.0f} MiB log, peak {peak} MiB, short log {base} MiB")
    with open(tmp_path / "long.txt", "rb") as f:
        assert sum(1 for _ in f) == LINES + 1
    assert (tmp_path / "long.txt").read_bytes().endswith(b"x\ndone after 800000\n")
    assert peak < base + 40, (peak, base)  # holding the log would take well over 80 MiB more
    tail = _peak(tmp_path / "tail.txt", "logs", long, "chatty", "--tail", "2", *on)
    # the last two lines of the log, KFP's boilerplate among them folded as in a local log
    assert (tmp_path / "tail.txt").read_text().splitlines()[-1] == f"done after {LINES}"
    assert tail < base + 40, (tail, base)


def test_the_node_route_answers_a_log_it_has_not_as_the_api_server_does(url, tmp_path) -> None:
    """Status 200 (run_log_server.go writes it before reading) and the error as JSON: no log
    line, for the follower and the reader."""
    run_id = _made(url, 3, tmp_path)
    request = urllib.request.Request(f"{url}/apis/v1alpha1/runs/{run_id}/nodes/nobody-1/log",
                                     headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200
        body = json.loads(answer.read())
    assert set(body) == {"error_message", "error_details"}
    assert 'pods "nobody-1" not found' in body["error_message"]


def test_the_follower_records_a_long_log_once_in_bounded_memory(url, tmp_path) -> None:
    package, root = tmp_path / "chatter.yaml", tmp_path / "here"
    compiler.Compiler().compile(chatter, str(package))
    on = ("--endpoint", url, "--token", TOKEN, "--pipeline-root", str(root))
    base = _peak(tmp_path / "short.txt", "run", str(package), "--param", "lines=3", *on)
    peak = _peak(tmp_path / "long.txt", "run", str(package), "--param", f"lines={LINES}", *on)
    print(f"run --endpoint: peak {peak} MiB, short log {base} MiB")
    store = StoreReader(root)
    run = max(store.list_runs(), key=lambda r: r.created)
    numbered = 0
    with open(store.log_path(run.run_id, "chatty"), "rb") as f:
        for line in f:  # each line once, in order (KFP's executor lines around them)
            if line[:1].isdigit():
                assert line.startswith(b"%08d " % numbered), (numbered, line[:20])
                numbered += 1
    assert numbered == LINES
    assert peak < base + 60, (peak, base)
