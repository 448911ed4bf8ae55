"""An executor that runs scripted tasks in the test process: the engine and the scheduler are
exercised through their public extension point (`kfp_notebook.executors.TaskExecutor`), with no
subprocess and no patching of private methods."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kfp_notebook.executors import Launch

Behaviour = Callable[[Launch], int]


def write_outputs(launch: Launch, **parameters: Any) -> None:
    """What KFP's executor writes for a task's output parameters."""
    out = Path(launch.executor_input["outputs"]["outputFile"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"parameterValues": parameters}))


@dataclass
class InProcessExecutor:
    """Runs each task by calling `behaviours[task name less KFP's -N suffix]` (default: succeed,
    no outputs) on
    the worker thread; records every launch and the peak number of tasks running at once."""

    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    name: str = "in-process"
    launches: list[Launch] = field(default_factory=list)
    running: int = 0
    peak: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cancelled: threading.Event = field(default_factory=threading.Event)

    def check(self, container: Any, task_name: str) -> None:
        pass

    def prepare(
        self, container: Any, log: Callable[[str], None], cancelled: threading.Event | None = None
    ) -> str:
        return "in-process"

    def execute(self, launch: Launch) -> int:
        with self._lock:
            self.launches.append(launch)
            self.running += 1
            self.peak = max(self.peak, self.running)
        launch.on_start(None)
        try:
            behaviour = self.behaviours.get(_component_of(launch.task_name), lambda _launch: 0)
            return 143 if self._cancelled.is_set() else behaviour(launch)
        finally:
            with self._lock:
                self.running -= 1

    def sleep(self, seconds: float) -> bool:
        """For behaviours: wait, or return False early when the run is cancelled."""
        return not self._cancelled.wait(seconds)

    def cancel(self, task_id: str | None = None) -> None:
        self._cancelled.set()

    def close(self) -> None:
        pass


def napping(executor: InProcessExecutor, seconds: float, code: int = 0) -> Behaviour:
    def behaviour(launch: Launch) -> int:
        started = time.monotonic()
        finished = executor.sleep(seconds)
        launch.on_log(f"napped {time.monotonic() - started:.2f}s")
        return code if finished else 143

    return behaviour


def _component_of(task_name: str) -> str:
    """KFP names the second `work` task of a DAG `work-2`."""
    return re.sub(r"-\d+$", "", task_name)
