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
