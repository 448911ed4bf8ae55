"""The commands that read a pipeline root and change no run: `runs`, `show`, `logs`,
`compare`, and `cancel` (which only asks a run's engine to stop)."""

from __future__ import annotations

import argparse
import io
import json
import sys
from functools import partial
from typing import Any

from kfp_notebook._cli import cluster
from kfp_notebook._cli.printing import print_run, print_runs
from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._model.states import RunState
from kfp_notebook._store.reader import StoreReader

__all__ = ["cancel", "compare", "logs", "runs", "show"]


def runs(args: argparse.Namespace) -> int:
    from kfp_notebook._views.shape import run_json

    if args.endpoint:
        return cluster.runs(args)
    store = StoreReader(args.pipeline_root)
    records = store.list_runs(limit=args.limit, status=args.status, experiment=args.experiment)
    if args.json:
        print(json.dumps([run_json(r, store.root) for r in records], indent=1))
        return 0
    if not records:
        state = f"{args.status} " if args.status else ""
        of = f" of experiment {args.experiment!r}" if args.experiment else ""
        print(f"no {state}runs{of} in {store.root}")
        return 0
    print_runs(records, store.remote)
    return 0


def _recorded(store: StoreReader, run_id: str) -> None:
    if store.get_run(run_id) is None:
        raise KfpNotebookError(f"no run {run_id!r} in {store.root}; see `kfp-notebook runs`")


def show(args: argparse.Namespace) -> int:
    from kfp_notebook._views.shape import run_json, task_json

    if args.endpoint:
        return cluster.show(args)
    store = StoreReader(args.pipeline_root)
    _recorded(store, args.run_id)
    code = cluster.follow_again(store, args)  # a cluster run nobody follows: to its end
    record = store.get_run(args.run_id)
    assert record is not None
    tasks = store.get_tasks(args.run_id)
    if args.json:
        shape = {
            "run": run_json(record, store.root),
            "tasks": [task_json(t, store.root) for t in tasks],
        }
        print(json.dumps(shape, indent=1))
    else:
        print_run(record, tasks, store.remote(record.run_id))
    return code


def logs(args: argparse.Namespace) -> int:
    from kfp_notebook._api.run import Run
    from kfp_notebook._model.logfold import folded
    from kfp_notebook._store.logread import chunks, tail_offset

    shown = (lambda lines: lines) if args.verbose else partial(folded, prefixed=not args.task)
    if args.endpoint:
        return cluster.logs(args, shown)
    store = StoreReader(args.pipeline_root)
    _recorded(store, args.run_id)
    run = Run(store, args.run_id)
    if args.follow:
        for line in shown(run.logs(args.task, follow=True, tail=args.tail)):
            print(line, flush=True)
        return 0
    path = run.log_path(args.task)  # streamed: memory stays flat, `| head` ends it early
    if not path.exists():
        return 0
    offset = tail_offset(path, args.tail) if args.tail is not None else 0
    if args.verbose:
        out = sys.stdout.buffer
        for block in chunks(path, offset):
            out.write(block)
        out.flush()
        return 0
    with path.open("rb") as raw:
        raw.seek(offset)
        log = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="\n")
        for line in shown(text.rstrip("\n") for text in log):
            sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return 0


def cancel(args: argparse.Namespace) -> int:
    from kfp_notebook._api.run import Run
    from kfp_notebook._store import operations

    store = StoreReader(args.pipeline_root)
    _recorded(store, args.run_id)
    if cluster.recorded_remote(store, args.run_id) is not None:  # nobody follows it to cancel
        return cluster.cancel(store, args)
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


def compare(args: argparse.Namespace) -> int:
    from kfp_notebook._views.compare.model import ComparisonError, compare_runs, select_runs
    from kfp_notebook._views.compare.text import trend_text
    from kfp_notebook._views.compare.trend import trend

    if args.json and args.csv:
        raise ComparisonError("choose one of --json and --csv")
    store = StoreReader(args.pipeline_root)
    if args.endpoint:
        if args.trend or args.experiment:
            raise ComparisonError("--endpoint compares runs by id: leave out --experiment/--trend")
        data = cluster.compared_runs(store, args)
        _print_comparison(data, args)
        return 0
    if args.trend:
        if not args.experiment or args.runs:
            raise ComparisonError("--trend METRIC follows one experiment: --experiment E")
        shown = trend(store, args.experiment, args.trend, last=args.last)
        sys.stdout.write(json.dumps(shown, indent=1) + "\n" if args.json else trend_text(shown))
        return 0
    data = compare_runs(store, select_runs(store, args.runs, args.experiment, args.last))
    _print_comparison(data, args)
    return 0


def _print_comparison(data: Any, args: argparse.Namespace) -> None:
    from kfp_notebook._views.compare.tables import to_csv
    from kfp_notebook._views.compare.text import comparison_text

    if args.json:
        print(json.dumps(data, indent=1, allow_nan=False))
    elif args.csv:
        sys.stdout.write(to_csv(data))
    else:
        sys.stdout.write(comparison_text(data))
