"""The text the reading commands print of runs: the `runs` table and one run with its tasks,
for a run recorded here and for a cluster's run alike (`cluster.py`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from kfp_notebook._store.records import RunRecord, TaskRecord
from kfp_notebook._store.remote import RemoteRecord

__all__ = ["print_remote", "print_run", "print_runs"]


def print_runs(records: list[RunRecord], remote: Callable[[str], RemoteRecord | None]) -> None:
    print(f"{'RUN':<48} {'STATUS':<11} {'STARTED':<19} {'TIME':>8}  TASKS")
    for r in records:
        started = datetime.fromtimestamp(r.created).strftime("%Y-%m-%d %H:%M:%S")
        took = f"{r.duration:.1f}s" if r.duration is not None else "-"
        counts = " ".join(f"{n} {s.lower()}" for s, n in r.task_counts.items())
        print(f"{r.run_id:<48} {r.status.value:<11} {started:<19} {took:>8}  {counts}")
        print_remote(remote(r.run_id), "    ")


def print_run(record: RunRecord, tasks: list[TaskRecord], remote: RemoteRecord | None) -> None:
    from kfp_notebook._views.task_order import tree_order

    took = f" in {record.duration:.1f}s" if record.duration is not None else ""
    print(f"{record.run_id}  {record.pipeline_name}  {record.status.value}{took}")
    if record.message:
        print(f"  {record.message}")
    print_remote(remote, "  ")
    for t, depth in tree_order(tasks):
        took = f"{t.duration:.2f}s" if t.duration is not None else ""
        print(f"  {'  ' * depth}{t.name:<{40 - 2 * depth}} {t.status.value:<10} {took:>8}")
        for a in t.artifacts:
            print(f"  {'  ' * depth}  -> {a.name} ({a.schema_title}) {a.uri}")


def print_remote(remote: RemoteRecord | None, indent: str) -> None:
    if remote is not None:
        print(f"{indent}on kubeflow {remote.endpoint} as {remote.remote_run_id}: {remote.ui_url}")
