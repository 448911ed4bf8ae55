"""`kfp-notebook`: run compiled pipelines, list and show runs, read logs, clean environments.

One module per job: `parser` (the command line), `running` (run, serve), `reading` (runs, show,
logs, compare, cancel), `cluster` (those on a KFP cluster: `--endpoint`, following again),
`printing` (the text of runs), `envs` (gc), `graph` (a pipeline's graph before it runs), `spin`
(one task of a finished run, alone). Each command
imports what it uses when it runs: `run` pays neither for the comparison views nor for the
reader-only commands, and they pay nothing for the engine."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys

from kfp_notebook._cli import envs, graph, reading, running, spin
from kfp_notebook._cli.parser import parser
from kfp_notebook._errors import KfpNotebookError

__all__ = ["entry", "main"]

_COMMANDS = {
    "run": running.run, "serve": running.serve, "runs": reading.runs, "show": reading.show,
    "logs": reading.logs, "cancel": reading.cancel, "compare": reading.compare, "gc": envs.gc,
    "graph": graph.graph, "spin": spin.spin,
}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # The CLI reads compiled IR only: KFP's runtime mode skips importing its DSL and compiler.
    # A run on a cluster needs kfp.Client, which runtime mode cannot import; so do `show` and
    # `cancel` of a cluster run that nobody follows (of a local run, they import no kfp).
    if not getattr(args, "endpoint", None) and args.command not in ("show", "cancel"):
        os.environ.setdefault("_KFP_RUNTIME", "true")
    if args.command in ("run", "spin"):
        running.watch_sigterm()
    try:
        return _COMMANDS[args.command](args)
    except KfpNotebookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    except running.Terminated:  # before the run started, or while the session closed
        return 143
    except BrokenPipeError:  # `kfp-notebook runs | head`: the reader has all it wanted
        return 141
    except OSError as exc:  # a file where a folder should be, a full or read-only disk, ...
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except Exception as exc:  # never a raw traceback; KFP_NOTEBOOK_DEBUG=1 shows it
        if os.environ.get("KFP_NOTEBOOK_DEBUG"):
            raise
        print(
            f"error: {type(exc).__name__}: {exc} (this is a kfp-notebook bug; please report it "
            "with the traceback that KFP_NOTEBOOK_DEBUG=1 prints)",
            file=sys.stderr,
        )
        return 2


def entry() -> None:
    """The `kfp-notebook` command: `main`, then an immediate exit. The command has closed what
    it opened (runs recorded, tasks and zygotes stopped, output written); the interpreter's
    teardown of every imported module would only keep the prompt waiting (80 ms after a run)."""
    code = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe (`| head`) is not an error here
            stream.flush()
    os._exit(code)
