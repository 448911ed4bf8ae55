"""`kfp-notebook`: run compiled pipelines, list and show runs, read logs, clean environments."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timedelta

from kfp_notebook._api.run import Run
from kfp_notebook._api.session import Session, SubprocessRunner
from kfp_notebook._engine.dryrun import plan_run
from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._model.states import RunState
from kfp_notebook._spec.arguments import parse_cli_arguments
from kfp_notebook._spec.ir import load_pipeline
from kfp_notebook._store import operations
from kfp_notebook._store.reader import StoreReader
from kfp_notebook._views.printer import TerminalPrinter
from kfp_notebook._views.shape import run_json, task_json

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
    runs.add_argument("--status", help="only runs in this state (e.g. FAILED)")
    runs.add_argument("--json", action="store_true", help="print the runs as JSON")
    show = sub.add_parser("show", help="one run with its tasks and artifacts")
    show.add_argument("run_id")
    show.add_argument("--pipeline-root", default="./local_outputs")
    show.add_argument("--json", action="store_true", help="print the run as JSON")
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
    store = StoreReader(args.pipeline_root)
    records = store.list_runs(limit=args.limit, status=args.status)
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
    return 0


def _recorded(store: StoreReader, run_id: str) -> None:
    if store.get_run(run_id) is None:
        raise KfpNotebookError(f"no run {run_id!r} in {store.root}; see `kfp-notebook runs`")


def _show(args: argparse.Namespace) -> int:
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
    for t in tasks:
        depth = t.task_id.count("/")
        took = f"{t.duration:.2f}s" if t.duration is not None else ""
        print(f"  {'  ' * depth}{t.name:<{40 - 2 * depth}} {t.status.value:<10} {took:>8}")
        for a in t.artifacts:
            print(f"  {'  ' * depth}  -> {a.name} ({a.schema_title}) {a.uri}")
    return 0


def _logs(args: argparse.Namespace) -> int:
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


def main(argv: list[str] | None = None) -> int:
    # The CLI reads compiled IR only: KFP's runtime mode skips importing its DSL and compiler.
    os.environ.setdefault("_KFP_RUNTIME", "true")
    args = _parser().parse_args(argv)
    handlers = {
        "run": _run, "runs": _runs, "show": _show, "logs": _logs, "cancel": _cancel, "gc": _gc,
    }  # fmt: skip
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
