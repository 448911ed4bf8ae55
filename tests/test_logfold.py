"""KFP executor boilerplate folding (kfp_notebook._model.logfold) on a real task log."""

from kfp import dsl

from kfp_notebook._model.logfold import LogFolder, user_lines


@dsl.component(base_image="python:3.11")
def talk(n: int) -> int:
    print("hello from the task")
    print("{")  # the user's own braces are kept
    print("}")
    return n


def test_a_real_task_log_folds_to_the_users_own_lines(session) -> None:
    run = session.run(talk, {"n": 2})
    lines = run.logs("talk").splitlines()
    assert any("Got executor_input" in line for line in lines)  # the file keeps everything
    assert len(lines) > 10
    assert user_lines(lines) == ["hello from the task", "{", "}"]


def test_the_json_block_ends_at_its_closing_brace() -> None:
    folder = LogFolder()
    log = [
        "[KFP Executor 2026-01-01 00:00:00,000 INFO]: Got executor_input:",
        "{",
        '    "inputs": {}',
        "}",
        "mine",
        "[KFP Executor 2026-01-01 00:00:00,000 INFO]: Wrote executor output file to /x.json.",
    ]
    assert [line for line in log if folder.keep(line)] == ["mine"]


@dsl.component(base_image="python:3.11")
def explode(n: int) -> int:
    def inner() -> None:
        raise ValueError(f"bad n {n}")

    inner()
    return n


def test_a_real_traceback_folds_the_task_process_and_kfps_executor_frames(session) -> None:
    run = session.run(explode, {"n": 3})
    lines = run.logs("explode").splitlines()
    assert any("kfp/dsl/executor.py" in line for line in lines)  # the file keeps everything
    kept = user_lines(lines)
    assert kept[0] == "Traceback (most recent call last):", kept
    frames = [line for line in kept if line.lstrip().startswith("File ")]
    assert [f.rsplit(" in ", 1)[1] for f in frames] == ["explode", "inner"], kept
    assert kept[-1] == "ValueError: bad n 3"
    assert not [line for line in kept if "^^^" in line and "executor" in line]
    assert "raise ValueError" in "\n".join(kept) and "inner()" in "\n".join(kept)


def test_a_frame_folds_its_source_lines_and_keeps_the_next_frame() -> None:
    log = [
        "Traceback (most recent call last):",
        '  File "/env/lib/python3.11/site-packages/kfp/dsl/executor.py", line 453, in execute',
        "    result = self.func(**func_kwargs)",
        "             ^^^^^^^^^^^^^^^^^^^^^^^^",
        '  File "/root/train.py", line 3, in train',
        "    1 / 0",
        "ZeroDivisionError: division by zero",
        '  File "not a frame", but text',
    ]
    assert user_lines(log) == [log[0], *log[4:]]
