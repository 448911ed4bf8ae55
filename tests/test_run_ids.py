"""A run id that cannot name a run folder (a path, `.`, 300 characters) is one clear usage error
before anything is written, from the CLI (exit 2) and from Python; never "a kfp-notebook bug"
or a full-disk diagnosis."""

import subprocess
import sys
from pathlib import Path

import pytest

from kfp_notebook import PipelineInputError, Session

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed_pipeline.yaml"
BAD = ["../x", "a/b", ".", "a\\b", "r" * 300]


@pytest.mark.parametrize("run_id", BAD, ids=["dotdot", "slash", "dot", "backslash", "long"])
def test_a_path_like_or_overlong_run_id_is_a_usage_error(tmp_path: Path, run_id: str) -> None:
    root = tmp_path / "outputs"
    done = subprocess.run(
        [sys.executable, "-m", "kfp_notebook._cli", "run", str(SEED), "--run-id", run_id,
         "--pipeline-root", str(root)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "is not a run id" in done.stderr, done.stderr
    assert "bug" not in done.stderr and "Traceback" not in done.stderr
    assert "Free space" not in done.stderr and not root.exists()


def test_the_python_api_refuses_it_alike(tmp_path: Path) -> None:
    session = Session(pipeline_root=tmp_path / "outputs")
    try:
        with pytest.raises(PipelineInputError, match="is not a run id"):
            session.run(str(SEED), run_id="../escape")
    finally:
        session.close()
    assert not (tmp_path / "escape").exists()


def test_a_root_on_a_pseudo_file_system_is_not_called_a_full_disk(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kfp_notebook._cli", "run", str(SEED), "--pipeline-root",
         "/proc/kfp-notebook-test-root"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "cannot record runs under /proc" in done.stderr
    assert "full" not in done.stderr and "Free space" not in done.stderr, done.stderr
