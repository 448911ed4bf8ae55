"""`kfp-notebook run` (locally, or on a cluster with --endpoint) and `serve`: the commands that
start runs. SIGTERM during `run` is a cancel, like Ctrl-C."""

from __future__ import annotations

import argparse
import json
import signal
import sys

from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._model.states import RunState

__all__ = ["Terminated", "run", "serve", "watch_sigterm"]


class Terminated(BaseException):
    """SIGTERM (timeout, docker stop, systemd, CI) arrived: a cancel, like Ctrl-C."""


def _terminate(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one is enough; the cancel is under way
    raise Terminated


def watch_sigterm() -> None:
    signal.signal(signal.SIGTERM, _terminate)


def run(args: argparse.Namespace) -> int:
    if args.endpoint:
        return _run_remote(args)
    from pathlib import Path

    from kfp_notebook._spec.ir import checked_pipeline, peek_containers, read_pipeline_file

    text, documents = read_pipeline_file(args.file)  # read and parsed once
    runner: object = args.runner  # a name the registry builds (docker, auto, a dotted path)
    if args.runner == "subprocess":
        from kfp_notebook.executors.subprocess.executor import SubprocessExecutor

        runner = SubprocessExecutor(use_venv=not args.no_venv)
        if not args.dry_run:  # before the checks: the zygotes import KFP while this process works
            runner.prestart(peek_containers(documents))
    try:
        from kfp_notebook._spec.arguments import parse_cli_arguments

        # A bad spec or argument is refused before the root is made.
        ir = checked_pipeline(text, documents, str(Path(args.file)))
        arguments = {**_json_arguments(args.params_json), **parse_cli_arguments(ir, args.param)}
    except BaseException:
        if isinstance(runner, SubprocessExecutor):
            runner.close()  # the zygotes it started stop now
        raise
    from kfp_notebook._api.session import Session
    from kfp_notebook._views.printer import TerminalPrinter

    session = Session(
        runner, args.pipeline_root, args.workers, args.cache, raise_on_error=False,
        object_root=args.object_root,
    )  # fmt: skip
    if args.dry_run:
        from kfp_notebook._engine.dryrun import plan_run

        print(plan_run(ir, arguments, session.engine.executor))
        return 0
    printer = TerminalPrinter(show_logs=not args.quiet, verbose=args.verbose)
    session.subscribe(printer)
    try:
        handle = session.run(
            ir, arguments, False, run_id=args.run_id, from_task=args.from_task,
            experiment=args.experiment,
        )  # fmt: skip
        try:
            handle.wait()
        except (KeyboardInterrupt, Terminated) as stop:
            print("\ncancelling: stopping running tasks...", file=sys.stderr)
            handle.cancel()
            return 143 if isinstance(stop, Terminated) else 130
        return 0 if handle.status is RunState.SUCCEEDED else 1
    finally:
        session.close()
        printer.close(timeout=5.0)  # an output nobody reads does not keep the CLI either


def _json_arguments(path: str | None) -> dict[str, object]:
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise KfpNotebookError(f"--params-json {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise KfpNotebookError(f"--params-json {path}: not a JSON object of name: value")
    return data


def serve(args: argparse.Namespace) -> int:
    from kfp_notebook._kfp_api.serve import serve

    return serve(
        args.pipeline_root, args.port, args.bind, args.token, args.runner, args.workers,
        use_venv=not args.no_venv, backend_shape=args.backend_shape,
    )  # fmt: skip


def _run_remote(args: argparse.Namespace) -> int:
    """Submit to the cluster, follow the run with the same printer; Ctrl-C terminates it."""
    from kfp_notebook._model.events import EventBus
    from kfp_notebook._remote.connection import KubeflowRunner
    from kfp_notebook._remote.launch import RemoteStarter
    from kfp_notebook._spec.arguments import parse_cli_arguments
    from kfp_notebook._spec.ir import load_pipeline
    from kfp_notebook._store.store import RunStore
    from kfp_notebook._views.printer import TerminalPrinter

    ir = load_pipeline(args.file)
    arguments = {**_json_arguments(args.params_json), **parse_cli_arguments(ir, args.param)}
    runner = KubeflowRunner(args.endpoint, args.namespace, None, args.token)
    store, bus = RunStore(args.pipeline_root), EventBus()
    bus.subscribe(store)
    bus.subscribe(TerminalPrinter(show_logs=not args.quiet, verbose=args.verbose))
    try:
        live = RemoteStarter(runner, store, bus).start(
            ir, arguments, run_id=args.run_id, experiment=args.experiment
        )
        print(f"{live.run_id} on {runner.resolved_endpoint()}: {live.ui_url}", file=sys.stderr)
        try:
            while not live.done.wait(0.5):
                pass
        except KeyboardInterrupt:
            print("\ncancelling: terminating the run on the cluster...", file=sys.stderr)
            live.cancel()
            live.done.wait(120)
            return 130
        record = store.get_run(live.run_id)
        return 0 if record is not None and record.status is RunState.SUCCEEDED else 1
    finally:
        store.close()
