"""Dry run: what a run would execute, with inputs and executors checked, nothing run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kfp_notebook._engine.nodes import node_kind
from kfp_notebook._model.states import TaskKind
from kfp_notebook._spec.arguments import check_arguments
from kfp_notebook._spec.ir import PipelineIR
from kfp_notebook._spec.types import ComponentSpec
from kfp_notebook.executors.base import TaskExecutor

__all__ = ["DryRunReport", "PlannedTask", "plan_run"]


@dataclass(frozen=True)
class PlannedTask:
    task_id: str
    kind: str
    component: str
    note: str = ""


@dataclass
class DryRunReport:
    pipeline_name: str
    arguments: dict[str, Any]
    tasks: list[PlannedTask] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"pipeline {self.pipeline_name}: {len(self.tasks)} task(s) would be scheduled"]
        for t in self.tasks:
            note = f"  ({t.note})" if t.note else ""
            lines.append(f"  {t.task_id:<40} {t.kind:<12} {t.component}{note}")
        return "\n".join(lines)


def plan_run(ir: PipelineIR, arguments: dict[str, Any], executor: TaskExecutor) -> DryRunReport:
    report = DryRunReport(ir.name, check_arguments(ir, arguments))
    executors = ir.executors
    for label, spec in executors.items():
        if "container" in spec:
            executor.check(spec["container"], label.removeprefix("exec-"))

    def walk(component: ComponentSpec, prefix: str, note: str) -> None:
        for name, task in component.get("dag", {}).get("tasks", {}).items():
            comp_name = task["componentRef"]["name"]
            child = ir.component(comp_name)
            kind = node_kind(task, child, executors)
            task_id = f"{prefix}/{name}" if prefix else name
            notes = [note] if note else []
            if condition := task.get("triggerPolicy", {}).get("condition"):
                notes.append(f"if {condition}")
            if kind is TaskKind.LOOP:
                items = task.get("parameterIterator", task.get("artifactIterator", {}))["items"]
                notes.append(f"for each of {items.get('raw') or next(iter(items.values()))}")
            report.tasks.append(PlannedTask(task_id, kind.value, comp_name, "; ".join(notes)))
            if "dag" in child:
                walk(child, task_id, "; ".join(notes))

    walk(ir.root, "", "")
    return report
