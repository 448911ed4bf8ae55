"""The reading commands on a Kubeflow Pipelines cluster: `runs`, `show` and `logs` with
`--endpoint URL` read that cluster's runs, whoever started them (`_remote/reader.py`), and print
them as the local commands print theirs, with the same `--json` shapes plus a `remote` part;
and `show RUN` follows again, to its end, a recorded cluster run that no process follows
(`_remote/reattach.py`). Cluster failures are one `RemoteError` each (exit 2)."""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from kfp_notebook._cli.printing import print_run, print_runs
from kfp_notebook._store.reader import StoreReader

__all__ = [
    "cancel",
    "cluster_reader",
    "compared_runs",
    "follow_again",
    "logs",
    "recorded_remote",
    "runs",
    "show",
]

_LOG_POLL = 2.0  # seconds between reads of a followed log


def cluster_reader(args: argparse.Namespace) -> Any:
    from kfp_notebook._remote.connection import KubeflowRunner
    from kfp_notebook._remote.reader import ClusterReader

    return ClusterReader(KubeflowRunner(args.endpoint, args.namespace, existing_token=args.token))


def _run_json(run: Any) -> dict[str, Any]:
    from kfp_notebook._views.shape import run_json

    return {**run_json(run.record, run.remote.endpoint), "remote": run.remote_json()}


def runs(args: argparse.Namespace) -> int:
    found = cluster_reader(args).list_runs(args.limit, args.status, args.experiment)
    if args.json:
        print(json.dumps([_run_json(r) for r in found], indent=1))
        return 0
    if not found:
        print(f"no runs at {args.endpoint}")
        return 0
    remotes = {r.record.run_id: r.remote for r in found}
    print_runs([r.record for r in found], remotes.get)
    return 0


def show(args: argparse.Namespace) -> int:
    from kfp_notebook._views.shape import task_json

    run = cluster_reader(args).get(args.run_id)
    if args.json:
        tasks = [task_json(t) for t in run.tasks]
        print(json.dumps({"run": _run_json(run), "tasks": tasks}, indent=1))
    else:
        print_run(run.record, run.tasks, run.remote)
    return 0


def logs(args: argparse.Namespace, shown: Callable[[Iterable[str]], Iterable[str]]) -> int:
    reader = cluster_reader(args)
    lines: Iterable[str] = _followed(reader, args) if args.follow else _read(reader, args)
    for line in shown(lines):
        print(line, flush=args.follow)
    return 0


def _read(reader: Any, args: argparse.Namespace) -> Iterable[str]:
    lines = reader.log(reader.get(args.run_id), args.task)
    if args.tail is None:
        return lines  # streamed: a long log is never held
    return collections.deque(lines, maxlen=args.tail) if args.tail > 0 else []


def _followed(reader: Any, args: argparse.Namespace) -> Iterator[str]:
    """New lines as they come, until the task (or the run) ends on the cluster; each task's
    log read again from its start and counted past the lines printed (the cluster's log
    routes take no offset), so no log is held whole."""
    from kfp_notebook._remote.podlog import LogPacer

    printed: dict[str, int] | None = None
    read_whole: set[str] = set()  # ended tasks whose log is printed to its end
    pacer = LogPacer()  # a long log is read again less often
    while True:
        run = reader.get(args.run_id)
        task = next((t for t in run.tasks if args.task in (t.task_id, t.name)), None)
        ended = run.record.status.terminal or (task is not None and task.status.terminal)
        waiting = args.task is not None and (task is None or task.task_id not in run.pods)
        if not (waiting and not ended):
            first = printed is None
            printed = printed or {}
            tasks = reader.logged(run) if args.task is None else [reader.find(run, args.task)]
            tasks = [t for t in tasks if t.task_id not in read_whole]
            tasks = [t for t in tasks if pacer.due(t.task_id, t.status.terminal)]
            new: Iterable[str] = _new_lines(reader, run, tasks, printed, pacer, args.task is None)
            if first and args.tail is not None:  # the first read: --tail applies
                new = collections.deque(new, maxlen=args.tail) if args.tail > 0 else _drained(new)
            yield from new
            read_whole.update(t.task_id for t in tasks if t.status.terminal)
        if ended:
            return
        time.sleep(_LOG_POLL)


def _new_lines(
    reader: Any, run: Any, tasks: list[Any], printed: dict[str, int], pacer: Any, prefixed: bool
) -> Iterator[str]:
    for t in tasks:
        seen, started = printed.get(t.task_id, 0), time.monotonic()
        for line in reader.task_log(run, t.task_id, seen):
            printed[t.task_id] = seen = seen + 1
            yield f"{t.task_id} | {line}" if prefixed else line
        pacer.read(t.task_id, started)


def _drained(lines: Iterable[str]) -> list[str]:
    for _ in lines:  # counted as printed, not printed
        pass
    return []


def recorded_remote(store: StoreReader, run_id: str) -> Any:
    from kfp_notebook._remote.reattach import recorded_remote

    return recorded_remote(store, run_id)


def cancel(store: StoreReader, args: argparse.Namespace) -> int:
    """`cancel RUN` of a recorded cluster run that no process follows: terminate it on the
    cluster (the follower started here forwards the request) and follow it to its end."""
    from kfp_notebook._store import layout

    layout.cancel_request_path(store.root, args.run_id).touch()
    follow_again(store, args)
    record = store.get_run(args.run_id)
    state = record.status.value if record is not None else "gone"
    print(f"{args.run_id} {state}")
    return 0 if state == "CANCELLED" else 1


def follow_again(store: StoreReader, args: argparse.Namespace) -> int:
    """When `args.run_id` is a recorded cluster run that no process follows: follow it here
    until the cluster says it ended (the record then says how), and say so on stderr. The
    exit status: 0, or 130 when Ctrl-C stopped following (the run goes on)."""
    from kfp_notebook._errors import RemoteError
    from kfp_notebook._model.events import EventBus
    from kfp_notebook._remote.reattach import follow_again as follow
    from kfp_notebook._remote.reattach import recorded_remote, runner_for
    from kfp_notebook._store.store import RunStore

    remote = recorded_remote(store, args.run_id)
    if remote is None:
        return 0
    writer = RunStore(store.root)
    bus = EventBus()
    bus.subscribe(writer, essential=True)
    try:
        try:
            live = follow(writer, bus, args.run_id, runner_for(remote, token=args.token))
        except RemoteError as exc:  # the record is shown as it is: not followed
            print(f"{args.run_id} is not followed, and cannot be again now: {exc}",
                  file=sys.stderr)  # fmt: skip
            return 0
        if live is None:
            return 0
        print(
            f"{args.run_id} was not followed: following it again from {remote.endpoint} until"
            " it ends (Ctrl-C stops following; the run goes on)",
            file=sys.stderr,
        )
        try:
            while not live.done.wait(0.5):
                pass
        except KeyboardInterrupt:
            return 130
        return 0
    finally:
        writer.close()


def compared_runs(store: StoreReader, args: argparse.Namespace) -> Any:
    """`compare A B --endpoint URL`: each run recorded here is read here, the others from the
    cluster (their metrics from its ML Metadata), side by side in one comparison."""
    from kfp_notebook._api.remote import compared
    from kfp_notebook._views.compare.model import (
        MAX_RUNS,
        ComparisonError,
        compare_loaded,
        load_run,
    )

    ids = list(dict.fromkeys(args.runs))
    if not 2 <= len(ids) <= MAX_RUNS:  # before anything is read from the cluster
        raise ComparisonError(f"compare takes 2 to {MAX_RUNS} different runs (got {len(ids)})")
    reader = None
    loaded = []
    for run_id in ids:
        if store.get_run(run_id) is not None:
            loaded.append(load_run(store, run_id))
            continue
        reader = reader or cluster_reader(args)
        loaded.append(compared(reader.get(run_id)))
    return compare_loaded(loaded)
