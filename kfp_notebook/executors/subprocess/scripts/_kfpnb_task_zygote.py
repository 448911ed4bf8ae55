"""Started by path inside a task environment (stdlib only): a pre-forked task launcher.

It imports KFP's executor (and, unless told not to, the packages of its environment) once, then
forks one child per task request, so a task skips the interpreter start and those imports.
argv: the control socket's fd, the environment's distributions (JSON), and optionally
"cache-bytecode" (see `_preload`).

Protocol, over the SOCK_SEQPACKET socket passed as fd `argv[1]` (one JSON object a packet):
  engine -> zygote  {"id": N, "cwd": DIR, "args": [...]} with the task's log pipe attached (fd)
  zygote -> engine  {"id": N, "pid": PID}, later {"exited": PID, "code": EXITCODE}
When the engine goes away (EOF), every child's process group is stopped and the zygote exits.
Each child leads its own process group, dies with the zygote (PR_SET_PDEATHSIG) and ends through
os._exit after KFP's executor returns, so nothing of the zygote's loop runs in it.
"""

import atexit
import contextlib
import ctypes
import gc
import importlib
import json
import os
import re
import runpy
import select
import signal
import socket
import sys
import time
import traceback

# What every task needs: KFP's executor, and what its argument parsing and logging load lazily.
_EXECUTOR_IMPORTS = (
    "argparse",
    "gettext",
    "json",
    "locale",
    "logging",
    "shutil",  # argparse's help formatter imports it (and bz2, lzma) for the terminal width
    "kfp.dsl.executor",
    "kfp.dsl.kfp_config",
    "kfp.dsl.executor_main",
)
# Imports known to start threads or hold state that does not survive fork(): never preloaded.
_FORK_UNSAFE = {"tensorflow", "jax", "jaxlib", "grpc", "ray", "torch_xla", "tests", "test"}


def _preload(distributions: list, cache_bytecode: bool) -> None:
    """Import what every task needs, and the environment's packages. In an environment this
    project built (`cache_bytecode`), the modules' bytecode is written into it even when
    PYTHONDONTWRITEBYTECODE is set (common in containers): otherwise every zygote would compile
    KFP and the packages from source again. Tasks keep the user's setting."""
    user_setting = sys.dont_write_bytecode
    sys.dont_write_bytecode = user_setting and not cache_bytecode
    try:
        _import_all(distributions)
    finally:
        sys.dont_write_bytecode = user_setting


def _import_all(distributions: list) -> None:
    for name in _EXECUTOR_IMPORTS:
        with contextlib.suppress(ImportError):  # an older KFP may lack one; the task imports it
            importlib.import_module(name)
    _warm_argument_parsing()
    if not distributions:
        return
    from importlib import metadata

    wanted = {re.sub(r"[-_.]+", "-", d).lower() for d in distributions}
    for module, dists in sorted(metadata.packages_distributions().items()):
        if module in _FORK_UNSAFE or not module.isidentifier() or module.startswith("_"):
            continue
        if any(re.sub(r"[-_.]+", "-", d).lower() in wanted for d in dists):
            with contextlib.suppress(Exception, SystemExit):  # an optimisation, never a failure
                importlib.import_module(module)


def _warm_argument_parsing() -> None:
    """Parse arguments as KFP's executor_main does, once: the regular expressions argparse
    compiles land in `re`'s cache, which every forked task inherits instead of compiling them
    again (with the imports above, this halves a trivial task's time in its process)."""
    import argparse

    parser = argparse.ArgumentParser(description="warm-up")
    for option in ("--component_module_path", "--executor_input", "--function_to_execute"):
        parser.add_argument(option, type=str)
    parser.parse_known_args(["--executor_input", "{}", "--function_to_execute", "f"])


def _die_with_parent(parent: int) -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(137)


def _child(request: dict, log_fd: int, closing: list) -> None:
    """Runs in the forked child; never returns."""
    code = 1
    try:
        os.setpgid(0, 0)  # the zygote does it too: no window where a cancel misses the child
        _die_with_parent(int(request["zygote"]))
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in closing:
            os.close(fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.close(devnull)
        os.close(log_fd)
        os.chdir(request["cwd"])
        numpy_random = sys.modules.get("numpy.random")
        if numpy_random is not None:
            numpy_random.seed()  # a fresh process would not share the zygote's seed
        sys.argv = ["kfp.dsl.executor_main", *request["args"]]
        try:
            _run_executor()
            code = 0
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
        except BaseException:
            traceback.print_exc()
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _run_executor() -> None:
    """`python -m kfp.dsl.executor_main`: its module's `executor_main()`, already imported (the
    module runs exactly that as __main__); an executor without that function runs as a module."""
    module = sys.modules.get("kfp.dsl.executor_main")
    main = getattr(module, "executor_main", None)
    if callable(main):
        main()
    else:
        runpy.run_module("kfp.dsl.executor_main", run_name="__main__", alter_sys=True)


def _group_runs(pgid: int) -> bool:
    """Whether a process of group `pgid` still runs (zombies do not count)."""
    try:
        os.killpg(pgid, 0)
    except OSError:
        return False
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        rest = stat[stat.rfind(b")") + 2 :].split()
        if len(rest) > 2 and int(rest[2]) == pgid and rest[0] != b"Z":
            return True
    return False


def _stop_children(children: set) -> None:
    """SIGTERM each task's process group, wait up to 2 s for the groups to empty, then SIGKILL
    what is left. Reaping empties `children`; the groups to stop are fixed before, so processes
    a task started (same group) get the SIGKILL even when the task itself ended at SIGTERM."""
    groups = set(children)
    for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 0.0)):
        for pgid in groups:
            with contextlib.suppress(OSError):
                os.killpg(pgid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(_group_runs(g) for g in groups):
            _reap(children, None)
            time.sleep(0.05)
    _reap(children, None)


def _reap(children: set, control: "socket.socket | None") -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        if control is not None:
            message = {"exited": pid, "code": os.waitstatus_to_exitcode(status)}
            control.send(json.dumps(message).encode())


def main() -> None:
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]  # the package folder this script lives in is not the task's business
    control = socket.socket(fileno=int(sys.argv[1]))
    _preload(json.loads(sys.argv[2]), len(sys.argv) > 3 and sys.argv[3] == "cache-bytecode")
    gc.collect()
    if hasattr(gc, "freeze"):  # what is loaded now stays out of the children's collections, so
        gc.freeze()  # their collector does not touch (and copy) every page they share with us
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the engine decides when tasks stop
    children: set = set()
    zygote = os.getpid()
    try:
        while True:
            ready, _, _ = select.select([control.fileno(), wake_r], [], [])
            if wake_r in ready:
                while True:
                    try:
                        if not os.read(wake_r, 512):
                            break
                    except BlockingIOError:
                        break
                _reap(children, control)
            if control.fileno() in ready:
                data, fds, _, _ = socket.recv_fds(control, 1 << 16, 4)
                if not data:
                    return
                request = json.loads(data)
                request["zygote"] = zygote
                pid = os.fork()
                if pid == 0:
                    signal.signal(signal.SIGINT, signal.default_int_handler)
                    _child(request, fds[0], [control.fileno(), wake_r, wake_w, *fds[1:]])
                for fd in fds:
                    os.close(fd)
                with contextlib.suppress(OSError):  # the child did it first
                    os.setpgid(pid, pid)
                children.add(pid)
                control.send(json.dumps({"id": request["id"], "pid": pid}).encode())
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        if os.getpid() == zygote:
            _stop_children(children)
            # Nothing is left to do: skip the interpreter's teardown of the preloaded packages
            # (tens of milliseconds for numpy and the like, which the engine waits for).
            sys.stdout.flush()
            os._exit(0)


if __name__ == "__main__":
    main()
