"""The suite's guard on the user's roots registry checks what the tests wrote, not that nobody
else wrote: another process registering its own root during the run passes; a test registering
one of its temporary roots there fails. Run as a nested pytest with a home of its own."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

BODY = """
import json
from pathlib import Path

def test_writes(tmp_path):
    registry = Path.home() / ".local" / "share" / "kfp-notebook" / "roots.json"
    registry.parent.mkdir(parents=True, exist_ok=True)
    registry.write_text(json.dumps([{entry}]))
"""


@pytest.mark.parametrize(
    ("entry", "passes"),
    [('"/srv/someone-elses-outputs"', True), ("str(tmp_path / 'outputs')", False)],
    ids=["another-process", "a-test"],
)
def test_the_roots_registry_guard_blames_only_the_tests(
    tmp_path: Path, entry: str, passes: bool
) -> None:
    home = tmp_path / "home"
    registry = home / ".local" / "share" / "kfp-notebook" / "roots.json"
    registry.parent.mkdir(parents=True)
    registry.write_text(json.dumps(["/srv/already-there"]))
    case = tmp_path / "case"
    case.mkdir()
    (case / "test_case.py").write_text(BODY.format(entry=entry))
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(TESTS)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider",
         "--rootdir", str(case), "--basetemp", str(tmp_path / "basetemp"), str(case)],
        capture_output=True, text=True, env=env, cwd=case, timeout=120,
    )  # fmt: skip
    assert (done.returncode == 0) is passes, done.stdout + done.stderr
    if not passes:
        assert "the tests registered" in done.stdout


@pytest.mark.unit
def test_a_test_marked_unit_cannot_start_a_process() -> None:
    import subprocess

    with pytest.raises(AssertionError, match="starts no process"):
        subprocess.run(["true"], check=False)
