"""`kfp-notebook`: run compiled pipelines, list and show runs, read logs, clean environments.

Each command imports what it uses when it runs: `run` pays neither for the comparison views nor
for the reader-only commands, and they pay nothing for the engine."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import signal
import sys
from datetime import datetime, timedelta

from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._model.states import RunState
from kfp_notebook._store.reader import StoreReader  # `run` needs it too (its store is one)

__all__ = ["entry", "main"]

_ROOT_HELP = "the folder runs are recorded in (default ./local_outputs)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kfp-notebook", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a compiled pipeline YAML/JSON locally")
    run.add_argument("file", help="a compiled pipeline (.yaml or .json, from kfp.compiler)")
    run.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a pipeline argument, typed by the pipeline's inputs (lists and dicts as JSON); "
        "repeat for several",
    )
    run.add_argument(
        "--runner",
        default="subprocess",
        choices=["subprocess", "docker"],
        help="subprocess: cached virtual environments (default); docker: a container per task",
    )
    run.add_argument(
        "--no-venv",
        action="store_true",
        help="run tasks in this interpreter instead of cached environments",
    )
    run.add_argument("--workers", type=int, default=None, help="parallel tasks (default: CPUs)")
    run.add_argument("--cache", action="store_true", help="reuse outputs of identical tasks")
    run.add_argument("--pipeline-root", default="./local_outputs", help=_ROOT_HELP)
    run.add_argument("--dry-run", action="store_true", help="list the tasks, run nothing")
    run.add_argument("--from-task", help="resume the latest (or --run-id) run from this task")
    run.add_argument("--run-id", help="id of the new run, or of the run to resume")
    run.add_argument("--quiet", action="store_true", help="do not print task log lines")
    run.add_argument(
        "--verbose",
        action="store_true",
        help="also print KFP's executor boilerplate in task logs (the log files keep it always)",
    )
    run.add_argument("--experiment", help="group the run under this name (default: pipeline's)")
    runs = sub.add_parser("runs", help="list runs in a pipeline root, newest first")
    runs.add_argument("--pipeline-root", default="./local_outputs", help=_ROOT_HELP)
    runs.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    runs.add_argument("--status", help="only runs in this state (e.g. FAILED)")
    runs.add_argument("--experiment", help="only runs of this experiment")
    runs.add_argument("--json", action="store_true", help="print the runs as JSON")
    compare = sub.add_parser("compare", help="2 to 10 runs side by side, or a metric's trend")
    compare.add_argument("runs", nargs="*", metavar="RUN", help="run ids (see kfp-notebook runs)")
    compare.add_argument("--pipeline-root", default="./local_outputs", help=_ROOT_HELP)
    compare.add_argument("--experiment", help="compare this experiment's latest runs")
    compare.add_argument("--last", type=int, help="how many of them (2 to 10; default 10)")
    compare.add_argument("--trend", metavar="METRIC", help="the metric over the experiment")
    compare.add_argument("--json", action="store_true", help="print the comparison as JSON")
    compare.add_argument("--csv", action="store_true", help="print one CSV row per run")
    show = sub.add_parser("show", help="one run with its tasks and artifacts")
    show.add_argument("run_id", help="a run id (see kfp-notebook runs)")
    show.add_argument("--pipeline-root", default="./local_outputs", help=_ROOT_HELP)
    show.add_argument("--json", action="store_true", help="print the run as JSON")
    cancel = sub.add_parser("cancel", help="cancel a run going on (in any process)")
    cancel.add_argument("run_id", help="a running run's id (see kfp-notebook runs)")
    cancel.add_argument("--pipeline-root", default="./local_outputs", help=_ROOT_HELP)
    logs = sub.add_parser("logs", help="print a run's (or one task's) log")
    logs.add_argument("run_id", help="a run id (see kfp-notebook runs)")
    logs.add_argument(
        "task", nargs="?", help="a task id (see kfp-notebook show RUN); all if left out"
    )
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing until it ends")
    logs.add_argument("--pipeline-root", default="./local_outputs", help=_ROOT_HELP)
    gc = sub.add_parser("gc", help="remove cached task environments (and images) not in use")
    gc.add_argument(
        "--older-than-days",
        type=float,
        default=None,
        help="keep environments used within this many days (default: remove all "
        "that no process is using)",
    )
    gc.add_argument(
        "--images",
        action="store_true",
        help="also remove the Docker images the docker runner derived (kfp-notebook-env:*) "
        "that no container uses",
    )
    gc.add_argument("--dry-run", action="store_true", help="say what would go, remove nothing")
    _bridge_options(sub, run)
    return parser


class _Terminated(BaseException):
    """SIGTERM (timeout, docker stop, systemd, CI) arrived: a cancel, like Ctrl-C."""


def _terminate(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one is enough; the cancel is under way
    raise _Terminated


def _run(args: argparse.Namespace) -> int:
    if args.endpoint:
        return _run_remote(args)
    from pathlib import Path

    from kfp_notebook._spec.ir import checked_pipeline, peek_containers, read_pipeline_file

    text, documents = read_pipeline_file(args.file)  # read and parsed once
    runner: object = "docker"
    if args.runner != "docker":
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

    session = Session(runner, args.pipeline_root, args.workers, args.cache, raise_on_error=False)
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
        except (KeyboardInterrupt, _Terminated) as stop:
            print("\ncancelling: stopping running tasks...", file=sys.stderr)
            handle.cancel()
            return 143 if isinstance(stop, _Terminated) else 130
        return 0 if handle.status is RunState.SUCCEEDED else 1
    finally:
        session.close()
        printer.close(timeout=5.0)  # an output nobody reads does not keep the CLI either


def _runs(args: argparse.Namespace) -> int:
    from kfp_notebook._views.shape import run_json

    store = StoreReader(args.pipeline_root)
    records = store.list_runs(limit=args.limit, status=args.status, experiment=args.experiment)
    if args.json:
        print(json.dumps([run_json(r, store.root) for r in records], indent=1))
        return 0
    if not records:
        print(f"no runs in {store.root}")
        return 0
    print(f"{'RUN':<48} {'STATUS':<11} {'STARTED':<19} {'TIME':>8}  TASKS")
    for r in records:
        started = datetime.fromtimestamp(r.created).strftime("%Y-%m-%d %H:%M:%S")
        took = f"{r.duration:.1f}s" if r.duration is not None else "-"
        counts = " ".join(f"{n} {s.lower()}" for s, n in r.task_counts.items())
        print(f"{r.run_id:<48} {r.status.value:<11} {started:<19} {took:>8}  {counts}")
        _print_remote(store, r.run_id, "    ")
    return 0


def _recorded(store: StoreReader, run_id: str) -> None:
    if store.get_run(run_id) is None:
        raise KfpNotebookError(f"no run {run_id!r} in {store.root}; see `kfp-notebook runs`")


def _show(args: argparse.Namespace) -> int:
    from kfp_notebook._views.shape import run_json, task_json

    store = StoreReader(args.pipeline_root)
    _recorded(store, args.run_id)
    record = store.get_run(args.run_id)
    assert record is not None
    tasks = store.get_tasks(args.run_id)
    if args.json:
        shape = {
            "run": run_json(record, store.root),
            "tasks": [task_json(t, store.root) for t in tasks],
        }
        print(json.dumps(shape, indent=1))
        return 0
    took = f" in {record.duration:.1f}s" if record.duration is not None else ""
    print(f"{record.run_id}  {record.pipeline_name}  {record.status.value}{took}")
    if record.message:
        print(f"  {record.message}")
    _print_remote(store, record.run_id, "  ")
    for t in tasks:
        depth = t.task_id.count("/")
        took = f"{t.duration:.2f}s" if t.duration is not None else ""
        print(f"  {'  ' * depth}{t.name:<{40 - 2 * depth}} {t.status.value:<10} {took:>8}")
        for a in t.artifacts:
            print(f"  {'  ' * depth}  -> {a.name} ({a.schema_title}) {a.uri}")
    return 0


def _logs(args: argparse.Namespace) -> int:
    from kfp_notebook._api.run import Run

    store = StoreReader(args.pipeline_root)
    _recorded(store, args.run_id)
    output = Run(store, args.run_id).logs(args.task, follow=args.follow)
    if isinstance(output, str):
        sys.stdout.write(output)
    else:
        for line in output:
            print(line, flush=True)
    return 0


def _cancel(args: argparse.Namespace) -> int:
    from kfp_notebook._api.run import Run
    from kfp_notebook._store import operations

    store = StoreReader(args.pipeline_root)
    _recorded(store, args.run_id)
    if not operations.request_cancel(store.root, args.run_id):
        record = store.get_run(args.run_id)
        state = record.status.value if record else "gone"
        print(f"{args.run_id} is not running ({state}); nothing to cancel")
        return 1
    run = Run(store, args.run_id)
    try:
        run.wait(timeout=30)
    except TimeoutError:
        print(f"{args.run_id}: cancel requested; its engine has not answered yet", file=sys.stderr)
        return 1
    print(f"{args.run_id} {run.status.value}")
    return 0 if run.status is RunState.CANCELLED else 1


def _compare(args: argparse.Namespace) -> int:
    from kfp_notebook._views.compare import ComparisonError, compare_runs, select_runs
    from kfp_notebook._views.compare_tables import to_csv
    from kfp_notebook._views.compare_text import comparison_text, trend_text
    from kfp_notebook._views.trend import trend

    if args.json and args.csv:
        raise ComparisonError("choose one of --json and --csv")
    store = StoreReader(args.pipeline_root)
    if args.trend:
        if not args.experiment or args.runs:
            raise ComparisonError("--trend METRIC follows one experiment: --experiment E")
        shown = trend(store, args.experiment, args.trend, last=args.last)
        sys.stdout.write(json.dumps(shown, indent=1) + "\n" if args.json else trend_text(shown))
        return 0
    data = compare_runs(store, select_runs(store, args.runs, args.experiment, args.last))
    if args.json:
        print(json.dumps(data, indent=1, allow_nan=False))
    elif args.csv:
        sys.stdout.write(to_csv(data))
    else:
        sys.stdout.write(comparison_text(data))
    return 0


def _gc(args: argparse.Namespace) -> int:
    from kfp_notebook.executors.subprocess.envs import EnvironmentManager

    older = None if args.older_than_days is None else timedelta(days=args.older_than_days)
    removed = EnvironmentManager().gc(older_than=older, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for env in removed:
        print(f"{verb} {env.path} ({env.size_bytes / 1e6:.1f} MB)")
    print(f"{verb} {len(removed)} environment(s)")
    if args.images:
        from kfp_notebook.executors.docker.client import connect
        from kfp_notebook.executors.docker.images import remove_derived_images

        images = remove_derived_images(connect(), dry_run=args.dry_run)
        for tag, size in images:
            print(f"{verb} image {tag} ({size / 1e6:.1f} MB)")
        print(f"{verb} {len(images)} image(s)")
    return 0


# ---------------------------------------------------------------- the Kubeflow bridge
def _bridge_options(sub: argparse._SubParsersAction, run: argparse.ArgumentParser) -> None:
    """`run --endpoint URL ...` (a run on a KFP cluster) and `serve` (KFP's API, locally)."""
    run.add_argument("--params-json", help="a JSON file of pipeline arguments")
    remote = run.add_argument_group("on a Kubeflow Pipelines cluster")
    remote.add_argument("--endpoint", help="KFP API URL: run there (the Kubeflow runner)")
    remote.add_argument("--token", help="bearer token for the endpoint")
    remote.add_argument("--namespace", help="the cluster namespace (multi-user KFP)")
    serve = sub.add_parser("serve", help="serve KFP's v2beta1 REST API, backed by this engine")
    serve.add_argument("--port", type=int, default=8888, help="the port (default 8888)")
    serve.add_argument(
        "--bind", default="127.0.0.1", help="the address (default loopback; others need --token)"
    )
    serve.add_argument("--token", help="the bearer token clients send (default: generated)")
    serve.add_argument("--pipeline-root", default="./local_outputs", help=_ROOT_HELP)
    serve.add_argument("--workers", type=int, default=None, help="parallel tasks per run")
    serve.add_argument(
        "--runner",
        default="subprocess",
        choices=["subprocess", "docker"],
        help="how the served runs execute their tasks",
    )
    serve.add_argument("--no-venv", action="store_true", help="tasks in this interpreter")


def _print_remote(store: StoreReader, run_id: str, indent: str) -> None:
    remote = store.remote(run_id)
    if remote is not None:
        print(f"{indent}on kubeflow {remote.endpoint} as {remote.remote_run_id}: {remote.ui_url}")


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


def _serve(args: argparse.Namespace) -> int:
    from kfp_notebook._kfp_api.serve import serve

    return serve(
        args.pipeline_root, args.port, args.bind, args.token, args.runner, args.workers,
        use_venv=not args.no_venv,
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # The CLI reads compiled IR only: KFP's runtime mode skips importing its DSL and compiler.
    # A run on a cluster needs kfp.Client, which runtime mode cannot import.
    if not getattr(args, "endpoint", None):
        os.environ.setdefault("_KFP_RUNTIME", "true")
    if args.command == "run":
        signal.signal(signal.SIGTERM, _terminate)
    handlers = {
        "run": _run, "runs": _runs, "show": _show, "logs": _logs, "cancel": _cancel, "gc": _gc,
        "compare": _compare, "serve": _serve,
    }  # fmt: skip
    try:
        return handlers[args.command](args)
    except KfpNotebookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    except _Terminated:  # before the run started, or while the session closed: nothing ran on
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


if __name__ == "__main__":
    entry()
