"""Reading a log in bounded memory: how many lines it holds, and the tail a re-displayed run
widget keeps with the count of all the lines (not of the tail)."""

from pathlib import Path

import pytest

from kfp_notebook._store.logread import CHUNK, line_count
from kfp_notebook._views.run_view import RunView

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "lines"),
    [(b"", 0), (b"\n", 1), (b"a", 1), (b"a\nb\n", 2), (b"a\nb", 2), (b"x" * CHUNK + b"\ny", 2)],
)
def test_a_log_counts_its_lines(tmp_path: Path, text: bytes, lines: int) -> None:
    (tmp_path / "log").write_bytes(text)
    assert line_count(tmp_path / "log") == lines


def test_a_replayed_log_keeps_its_tail_and_counts_every_line(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_text("".join(f"line {i}\n" for i in range(5000)))
    view = RunView("r", max_log_lines=10)
    view._read_log_tail(log, "t")
    tail = {"lines": [f"line {i}" for i in range(4990, 5000)], "count": 5000}
    assert view.log_tails()["t"] == tail


def test_a_replayed_log_of_long_lines_reads_a_bounded_tail(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_text("".join(f"{i} {'x' * 10_000}\n" for i in range(48)) + "short\nlast\n")
    view = RunView("r", max_log_lines=10)  # at most 2,000 bytes read
    view._read_log_tail(log, "t")
    assert view.log_tails()["t"] == {"lines": ["short", "last"], "count": 50}
    log.write_text("".join(f"{i} {'x' * 10_000}\n" for i in range(50)))
    view._read_log_tail(log, "t")  # no whole line in them: the end of the last one
    assert view.log_tails()["t"] == {"lines": ["x" * 1999], "count": 50}
