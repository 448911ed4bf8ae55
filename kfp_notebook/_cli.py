"""`kfp-notebook`: run compiled pipelines, list runs, read logs, clean environments."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timedelta

from kfp_notebook._api import Session, SubprocessRunner
from kfp_notebook._arguments import parse_cli_arguments
from kfp_notebook._dryrun import plan_run
from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._events import RunState
from kfp_notebook._ir import load_pipeline
from kfp_notebook._printer import TerminalPrinter
from kfp_notebook._run import Run
from kfp_notebook._store import RunStore

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kfp-notebook", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a compiled pipeline YAML/JSON locally")
    run.add_argument("file")
    run.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    run.add_argument("--runner", default="subprocess", choices=["subprocess", "docker"])
    run.add_argument(
        "--no-venv",
        action="store_true",
        help="run tasks in this interpreter instead of cached environments",
    )
    run.add_argument("--workers", type=int, default=None, help="parallel tasks (default: CPUs)")
    run.add_argument("--cache", action="store_true", help="reuse outputs of identical tasks")
    run.add_argument("--pipeline-root", default="./local_outputs")
    run.add_argument("--dry-run", action="store_true", help="list the tasks, run nothing")
    run.add_argument("--from-task", help="resume the latest (or --run-id) run from this task")
    run.add_argument("--run-id", help="id of the new run, or of the run to resume")
    run.add_argument("--quiet", action="store_true", help="do not print task log lines")
    runs = sub.add_parser("runs", help="list runs in a pipeline root, newest first")
    runs.add_argument("--pipeline-root", default="./local_outputs")
    runs.add_argument("--limit", type=int, default=20)
    runs.add_argument("--status")
    cancel = sub.add_parser("cancel", help="cancel a run going on (in any process)")
    cancel.add_argument("run_id")
    cancel.add_argument("--pipeline-root", default="./local_outputs")
    logs = sub.add_parser("logs", help="print a run's (or one task's) log")
    logs.add_argument("run_id")
    logs.add_argument("task", nargs="?")
    logs.add_argument("--follow", "-f", action="store_true")
    logs.add_argument("--pipeline-root", default="./local_outputs")
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
    gc.add_argument("--dry-run", action="store_true")
    return parser


def _run(args: argparse.Namespace) -> int:
    runner = "docker" if args.runner == "docker" else SubprocessRunner(use_venv=not args.no_venv)
    session = Session(runner, args.pipeline_root, args.workers, args.cache, raise_on_error=False)
    ir = load_pipeline(args.file)
    arguments = parse_cli_arguments(ir, args.param)
    if args.dry_run:
        print(plan_run(ir, arguments, session.engine.executor))
        return 0
    session.subscribe(TerminalPrinter(show_logs=not args.quiet))
    try:
        handle = session.run(
            ir, arguments, wait=False, run_id=args.run_id, from_task=args.from_task
        )
        try:
            handle.wait()
        except KeyboardInterrupt:
            print("\ncancelling: stopping running tasks...", file=sys.stderr)
            handle.cancel()
            return 130
        return 0 if handle.status is RunState.SUCCEEDED else 1
    finally:
        session.close()


def _runs(args: argparse.Namespace) -> int:
    store = RunStore(args.pipeline_root)
    records = store.list_runs(limit=args.limit, status=args.status)
    if not records:
        print(f"no runs in {store.root}")
        return 0
    print(f"{'RUN':<48} {'STATUS':<11} {'STARTED':<19} {'TIME':>8}  TASKS")
    for r in records:
        started = datetime.fromtimestamp(r.created).strftime("%Y-%m-%d %H:%M:%S")
        took = f"{r.duration:.1f}s" if r.duration is not None else "-"
        counts = " ".join(f"{n} {s.lower()}" for s, n in r.task_counts.items())
        print(f"{r.run_id:<48} {r.status.value:<11} {started:<19} {took:>8}  {counts}")
    return 0


def _logs(args: argparse.Namespace) -> int:
    store = RunStore(args.pipeline_root)
    if store.get_run(args.run_id) is None:
        print(f"no run {args.run_id!r} in {store.root}; see `kfp-notebook runs`", file=sys.stderr)
        return 2
    output = Run(store, args.run_id).logs(args.task, follow=args.follow)
    if isinstance(output, str):
        sys.stdout.write(output)
    else:
        for line in output:
            print(line, flush=True)
    return 0


def _cancel(args: argparse.Namespace) -> int:
    store = RunStore(args.pipeline_root)
    record = store.get_run(args.run_id)
    if record is None:
        print(f"no run {args.run_id!r} in {store.root}; see `kfp-notebook runs`", file=sys.stderr)
        return 2
    if not store.request_cancel(args.run_id):
        print(f"{args.run_id} is not running ({record.status.value}); nothing to cancel")
        return 1
    run = Run(store, args.run_id)
    try:
        run.wait(timeout=30)
    except TimeoutError:
        print(f"{args.run_id}: cancel requested; its engine has not answered yet", file=sys.stderr)
        return 1
    print(f"{args.run_id} {run.status.value}")
    return 0 if run.status is RunState.CANCELLED else 1


def _gc(args: argparse.Namespace) -> int:
    from kfp_notebook._envs import EnvironmentManager

    older = None if args.older_than_days is None else timedelta(days=args.older_than_days)
    removed = EnvironmentManager().gc(older_than=older, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for env in removed:
        print(f"{verb} {env.path} ({env.size_bytes / 1e6:.1f} MB)")
    print(f"{verb} {len(removed)} environment(s)")
    if args.images:
        from kfp_notebook.executors._docker_client import connect
        from kfp_notebook.executors._docker_images import remove_derived_images

        images = remove_derived_images(connect(), dry_run=args.dry_run)
        for tag, size in images:
            print(f"{verb} image {tag} ({size / 1e6:.1f} MB)")
        print(f"{verb} {len(images)} image(s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    # The CLI reads compiled IR only: KFP's runtime mode skips importing its DSL and compiler.
    os.environ.setdefault("_KFP_RUNTIME", "true")
    args = _parser().parse_args(argv)
    handlers = {"run": _run, "runs": _runs, "logs": _logs, "cancel": _cancel, "gc": _gc}
    try:
        return handlers[args.command](args)
    except KfpNotebookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
