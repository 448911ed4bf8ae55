"""What the orchestrator asks of an executor: check and prepare a task kind, run one task."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from kfp_notebook._spec.types import ContainerSpec

__all__ = ["Launch", "TaskExecutor"]


@dataclass
class Launch:
    """Everything one attempt of a container task needs."""

    run_id: str
    task_id: str
    task_name: str
    container: ContainerSpec
    executor_input: dict[str, Any]
    task_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    on_log: Callable[[str], None] = lambda line: None
    on_start: Callable[[int | None], None] = lambda pid: None
    pipeline_root: Path | None = None
    # the latest state of a line a progress bar rewrites (`\r`), now and then; not a log line
    on_progress: Callable[[str], None] | None = None

    @property
    def run_dir(self) -> Path:
        """The run's folder (task folders may nest below it, e.g. inside loops)."""
        if self.pipeline_root is not None:
            return self.pipeline_root / self.run_id
        return self.task_dir.parent


@runtime_checkable
class TaskExecutor(Protocol):
    """An executor runs container tasks; the orchestrator does everything else."""

    name: str

    def check(self, container: ContainerSpec, task_name: str) -> None:
        """Raise a KfpNotebookError now if this executor cannot run the task at all."""

    def prepare(
        self,
        container: ContainerSpec,
        log: Callable[[str], None],
        cancelled: threading.Event | None = None,
    ) -> str:
        """Build what the task needs (environment, image); return its identity for caching.
        When `cancelled` is set, stop building within a few seconds and raise a
        KfpNotebookError; never leave a half-built environment that looks complete."""

    def execute(self, launch: Launch) -> int:
        """Run one attempt to the end, streaming log lines; return the exit status. Lines are
        split as `kfp_notebook.executors.lines.LineFeed` does (`on_progress` is optional)."""

    def cancel(self, task_id: str | None = None) -> None:
        """Stop one running task (or all), whole process tree, SIGTERM then SIGKILL."""

    def close(self) -> None:
        """Release resources; stop whatever still runs."""
