"""Started by path inside a task's environment (stdlib only): tie the task to its engine, then
hand over to KFP's own executor, `kfp.dsl.executor_main`, with the arguments given."""

import ctypes
import os
import runpy
import signal
import sys


def _die_with_engine() -> None:
    # PR_SET_PDEATHSIG (1): the kernel kills this task if the engine thread that started it dies.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    expected = os.environ.get("KFP_NOTEBOOK_ENGINE_PID")
    if expected and os.getppid() != int(expected):
        os._exit(137)


if __name__ == "__main__":
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]  # the folder this script lives in is not the task's business
    _die_with_engine()
    sys.argv = ["kfp.dsl.executor_main", *sys.argv[1:]]
    runpy.run_module("kfp.dsl.executor_main", run_name="__main__", alter_sys=True)
