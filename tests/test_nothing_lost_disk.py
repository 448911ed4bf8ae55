"""Property 6: a full disk, a read-only disk and a root that cannot be made. On real mounts: a
size-limited tmpfs, and a read-only bind mount (tests run as root; without mount they skip and
say why).

- A store write error is never swallowed: the run stops with a message naming the cause, and its
  record says FAILED with that reason as soon as it can be written (the engine retries while it
  lives; the next open applies it otherwise), not INTERRUPTED with the reason lost.
- `kfp-notebook runs` works on a full disk and on a read-only root.
- A root that cannot be made or written gives one line and exit 2 before anything runs, fast.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kfp import compiler, dsl

from kfp_notebook._model.states import RunState
from kfp_notebook._store.store import RunStore


def _mount(args: list[str]) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"SKIPPED: mount {' '.join(args)} failed: {done.stderr.strip()}")
        pytest.skip(f"cannot mount here: {done.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    _mount(["-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)])
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(a writable folder, the same folder mounted read-only)."""
    source, view = tmp_path / "source", tmp_path / "view"
    source.mkdir()
    view.mkdir()
    _mount(["--bind", str(source), str(view)])
    done = subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], capture_output=True)
    if done.returncode != 0:
        subprocess.run(["umount", str(view)], check=True)
        pytest.skip("cannot remount read-only here")
    yield source, view
    subprocess.run(["umount", "-l", str(view)], check=True)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * (1 << 20))
                f.flush()
        except OSError:
            pass
    return filler


@dsl.component(base_image="python:3.11")
def talks_after(flag: str) -> None:
    import os
    import time

    print("ready", flush=True)
    while not os.path.exists(flag):
        time.sleep(0.05)
    for i in range(2000):
        print(f"line {i} " + "y" * 100, flush=True)
    time.sleep(600)


@dsl.pipeline(name="talks")
def talks(flag: str):
    talks_after(flag=flag)


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kfp_notebook._cli", *args],
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def test_a_full_disk_fails_the_run_with_its_cause(small_disk: Path, tmp_path: Path) -> None:
    yaml, flag, root = tmp_path / "p.yaml", tmp_path / "flag", small_disk / "outputs"
    compiler.Compiler().compile(talks, str(yaml))
    proc = subprocess.Popen(
        [sys.executable, "-m", "kfp_notebook._cli", "run", str(yaml), "--pipeline-root",
         str(root), "--param", f"flag={flag}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while (
            not any(root.glob("*/talks-after/task.log"))
            or "ready" not in next(root.glob("*/talks-after/task.log")).read_text()
        ):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        filler = _fill(small_disk)
        flag.write_text("go")
        started = time.monotonic()
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    print(f"CLI exited {proc.returncode} {time.monotonic() - started:.2f} s after the disk filled")
    assert proc.returncode == 1, out
    assert "No space left on device" in out or "disk is full" in out, out
    assert "run store" in out

    listing = _cli("runs", "--pipeline-root", str(root))  # works on the full disk
    assert listing.returncode == 0, listing.stderr
    assert "talks-" in listing.stdout

    filler.unlink()  # space is back: the next open records the run's end with its cause
    store = RunStore(root)
    (run,) = store.list_runs()
    assert run.status is RunState.FAILED, run
    assert "cannot be written" in run.message
    assert "No space left on device" in run.message or "disk is full" in run.message
    assert all(t.status.terminal for t in store.get_tasks(run.run_id))
    store.close()


def test_the_engine_records_the_failure_once_space_returns(small_disk, tmp_path) -> None:
    from kfp_notebook import Session
    from kfp_notebook._store.reader import StoreReader

    flag, root = tmp_path / "flag", small_disk / "outputs"
    session = Session(pipeline_root=root, raise_on_error=False)
    try:
        run = session.run(talks, {"flag": str(flag)}, wait=False)
        log = session.store.log_path(run.run_id, "talks-after")
        deadline = time.monotonic() + 120
        while not (log.exists() and "ready" in log.read_text()):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        filler = _fill(small_disk)
        flag.write_text("go")
        run.wait(timeout=60)
        assert "No space left on device" in run.error or "disk is full" in run.error
        assert StoreReader(root).get_run(run.run_id).status is RunState.RUNNING  # not written
        filler.unlink()
        deadline = time.monotonic() + 5  # the engine retries every second
        while StoreReader(root).get_run(run.run_id).status is not RunState.FAILED:
            assert time.monotonic() < deadline, "the failure was not recorded once space returned"
            time.sleep(0.1)
        assert "cannot be written" in StoreReader(root).get_run(run.run_id).message
    finally:
        session.close()


@pytest.mark.parametrize("index_open_elsewhere", [False, True], ids=["alone", "index-in-use"])
def test_a_full_disk_before_the_run_is_one_line_and_exit_2(
    small_disk, tmp_path, index_open_elsewhere
) -> None:
    """With the index open in another process (a kernel, the sidebar), SQLite's shared-memory
    file exists, the store opens, and the failure comes at the run's folder: before, a traceback
    and a 30 s wait for a run that never started."""
    yaml, root = tmp_path / "p.yaml", small_disk / "outputs"
    compiler.Compiler().compile(talks, str(yaml))
    elsewhere = RunStore(root)
    if not index_open_elsewhere:
        elsewhere.close()
    _fill(small_disk)
    started = time.monotonic()
    done = _cli("run", str(yaml), "--pipeline-root", str(root), "--param", "flag=x")
    took = time.monotonic() - started
    elsewhere.close()
    print(f"refused in {took:.2f} s: {done.stderr.strip()}")
    assert done.returncode == 2 and took < 10
    assert len(done.stderr.strip().splitlines()) == 1
    assert "disk holding it is full" in done.stderr or "No space left on device" in done.stderr


def test_read_only_and_uncreatable_roots(read_only, tmp_path) -> None:
    source, view = read_only
    yaml = tmp_path / "p.yaml"
    compiler.Compiler().compile(talks, str(yaml))
    store = RunStore(source)  # a root with one finished run, then seen read-only
    store.close()
    (tmp_path / "flag").write_text("go")
    listing = _cli("runs", "--pipeline-root", str(view))
    assert listing.returncode == 0 and "no runs in" in listing.stdout, listing.stderr
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    for root in (view, view / "new", not_a_folder / "outputs"):
        started = time.monotonic()
        done = _cli("run", str(yaml), "--pipeline-root", str(root), "--param", "flag=x")
        took = time.monotonic() - started
        print(f"{root}: exit {done.returncode} in {took:.2f} s: {done.stderr.strip()}")
        assert done.returncode == 2 and took < 10, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert done.stderr.startswith("error: ")
    assert os.listdir(source) == [".kfp-notebook.sqlite"] or ".kfp-notebook.sqlite" in os.listdir(
        source
    )
