"""`Task`: one recorded task of a run (its `TaskRecord`'s fields) with what can be done to it."""

from __future__ import annotations

from typing import Any

from kfp_notebook._store.records import TaskRecord

__all__ = ["Task"]


class Task:
    """A task of a run: every field of its record (`status`, `inputs`, `outputs`, `artifacts`,
    ...) and `spin()`."""

    def __init__(self, store: Any, record: TaskRecord, session: Any = None) -> None:
        self._store, self.record, self._session = store, record, session

    def __getattr__(self, name: str) -> Any:
        return getattr(self.record, name)

    def __repr__(self) -> str:
        return f"<Task {self.record.task_id} of {self.record.run_id} {self.record.status.value}>"

    def spin(
        self,
        component: Any = None,
        arguments: dict[str, Any] | None = None,
        in_kernel: bool = False,
        *,
        persist: bool = False,
        wait: bool = True,
    ) -> Any:
        """Run this task again, alone, with the inputs its run gave it, with the runner of the
        session its run came from, else the current session's (in a notebook: shown as a
        one-task run).

        `component`: fixed code (a `@dsl.component`, or a `%%component` cell run again), with
        the same inputs; `arguments`: input parameters to override; `persist`: record the spin
        as a new run (the run spun is never changed). `in_kernel=True` calls the component's
        function in this process through KFP's executor, so its exception is raised here
        (`%debug` opens it, breakpoints stop) and returns its outputs."""
        from kfp_notebook._api.spin import spin_task

        return spin_task(
            self._store, self.record.run_id, self.record.task_id, component=component,
            arguments=arguments, in_kernel=in_kernel, persist=persist, wait=wait,
            session=self._session,
        )  # fmt: skip
