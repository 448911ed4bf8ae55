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


def _split(blocks: list[bytes], skip: int = 0, final: bool = True) -> list[str]:
    from kfp_notebook._store.logread import LineSplitter

    splitter = LineSplitter(skip)
    lines = [line for block in blocks for line in splitter.feed(block)]
    return lines + (splitter.end() if final else [])


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_lines_split_alike_whatever_the_blocks(size: int) -> None:
    """A log read again from its start: the lines seen are counted past in any block size, a
    last line without its newline waits for the end, a multi-byte character is never cut."""
    text = "".join(f"line {i} é\n" for i in range(20)).encode() + b"last, no newline"
    blocks = [text[i : i + size] for i in range(0, len(text), size)]
    every = [f"line {i} é" for i in range(20)]
    assert _split(blocks) == [*every, "last, no newline"]
    assert _split(blocks, skip=17) == [*every[17:], "last, no newline"]
    assert _split(blocks, skip=17, final=False) == every[17:]
    assert _split(blocks, skip=20) == ["last, no newline"]
    assert _split(blocks, skip=21) == []  # the unended line was seen (an earlier final read)


def test_a_line_past_the_limit_is_cut_and_the_next_one_follows() -> None:
    from kfp_notebook._store.logread import MAX_LINE

    long = b"y" * (MAX_LINE + 10)
    split = _split([long[:MAX_LINE], long[MAX_LINE:] + b"\nz\n"])
    assert [len(line) for line in split] == [MAX_LINE + 10, 1]
    assert [len(line) for line in _split([long, b"\nz\n"])] == [MAX_LINE + 10, 1]
    assert [len(line) for line in _split([long, b"yy\nz\n"])] == [MAX_LINE + 10, 2, 1]
