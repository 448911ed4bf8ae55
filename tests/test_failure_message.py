"""A failed task's message and its short forms (kfp_notebook._model.failure): the headline the
widget shows beside the log, the headline and log path the CLI prints under the log, and the
brief a notebook cell's error shows: the user's frame, its code, the exception, the log's path."""

import pytest

from kfp_notebook._model.failure import brief, headline, task_failure, without_tail

pytestmark = pytest.mark.unit

TRACEBACK = [
    "training at 3.0",
    "Traceback (most recent call last):",
    '  File "/venv/lib/python3.11/site-packages/kfp/dsl/executor_main.py", line 109, in <module>',
    "    executor_main()",
    "  %%component cell In[2], line 5, in train",
    "    frame = pd.DataFrame(rows)",
    "            ^^^^^^^^^^^^^^^^^^",
    '  File "/venv/lib/python3.11/site-packages/pandas/core/frame.py", line 3, in __init__',
    "    raise ValueError(msg)",
    "ValueError: rows are ragged",
    "(row 3 has 2 values)",
]
HEAD = "task 'train' failed with exit status 1 after 2 attempt(s)."


def _message(tail: list[str]) -> str:
    return task_failure("'train'", "failed with exit status 1", 2, tail, "/runs/r/train/task.log")


def test_the_message_quotes_the_log_under_its_headline() -> None:
    message = _message(TRACEBACK)
    assert message.startswith(HEAD + "\n  last log lines:\n    training at 3.0\n")
    assert message.endswith("\n    (row 3 has 2 values)\n  full log: /runs/r/train/task.log")
    assert headline(message) == HEAD
    assert without_tail(message) == HEAD + "\n  full log: /runs/r/train/task.log"


def test_the_brief_names_the_users_frame_its_code_and_the_exception() -> None:
    assert brief(_message(TRACEBACK)).splitlines() == [
        HEAD,
        "  %%component cell In[2], line 5, in train",  # not pandas' frame, though innermost
        "    frame = pd.DataFrame(rows)",
        "            ^^^^^^^^^^^^^^^^^^",
        "ValueError: rows are ragged",
        "(row 3 has 2 values)",
        "full log: /runs/r/train/task.log",
    ]


def test_a_chained_exception_is_briefed_from_its_last_traceback() -> None:
    tail = [
        "Traceback (most recent call last):",
        '  File "/work/pipeline.py", line 4, in load',
        "    open(path)",
        "FileNotFoundError: data.csv",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
        "Traceback (most recent call last):",
        '  File "/work/pipeline.py", line 6, in load',
        "    raise RuntimeError('no data')",
        "RuntimeError: no data",
    ]
    assert brief(_message(tail)).splitlines()[1:] == [
        '  File "/work/pipeline.py", line 6, in load',
        "    raise RuntimeError('no data')",
        "RuntimeError: no data",
        "full log: /runs/r/train/task.log",
    ]


def test_a_message_without_a_traceback_stays_whole() -> None:
    no_traceback = _message(["[kfp-notebook] exited 0 without its declared outputs: model"])
    assert brief(no_traceback) == no_traceback
    other = "task 'train': an input artifact: /gone/data.csv does not exist"
    assert brief(other) == headline(other) == without_tail(other) == other
