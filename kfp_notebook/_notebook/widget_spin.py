"""The run widget's "Spin" action: a task of the widget's run spun alone, with the run's inputs
and the notebook's edited component when its cell was run again (as `%kfp spin`), unrecorded.
The spin's state, log and outputs go back to the widget that asked, which shows them in the
task's panel: output displayed from a widget message would reach no cell.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from kfp_notebook._api import spin as api_spin
from kfp_notebook._engine.spin import find_task
from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._notebook.spin import component_in_namespace
from kfp_notebook._views.envelopes import SpinMessage
from kfp_notebook._views.run_view import RunView

__all__ = ["WidgetSpinner"]

_TAIL = 200  # log lines sent with each update
_EVERY = 0.3  # seconds between updates while the spin goes on


class WidgetSpinner:
    """Spins tasks of run `run_id` (recorded in `session`'s store) for one widget; `say`
    sends a message to its front end. One spin per task at a time."""

    def __init__(self, session: Any, run_id: str, say: Callable[[SpinMessage], None]) -> None:
        self._session = session
        self._run_id = run_id
        self._say = say
        self._going: set[str] = set()
        self._lock = threading.Lock()

    def spin(self, task_id: str) -> None:
        """Start spinning `task_id`; its updates follow as messages."""
        with self._lock:
            if task_id in self._going:
                return
            self._going.add(task_id)
        try:
            view, run, key, folder = self._start(task_id)
        except KfpNotebookError as exc:
            self._done(task_id)
            self._say(_message(task_id, "FAILED", str(exc)))
            return
        threading.Thread(
            target=self._follow, args=(task_id, view, run, key, folder), daemon=True,
            name="kfpnb-widget-spin",
        ).start()  # fmt: skip

    def _start(self, task_id: str) -> tuple[RunView, Any, str, str]:
        store = self._session.store
        record = find_task(store, self._run_id, task_id)
        component = component_in_namespace(_user_namespace(), record.component)
        plan = api_spin.plan_spin(store, self._run_id, record.task_id, component)
        views: list[RunView] = []

        def start(target: Any, ir: Any, arguments: Any, experiment: Any) -> Any:
            run_id = target.store.new_run_id(ir.name)
            view = RunView(run_id)
            unsubscribe = target.subscribe(view)
            views.append(view)
            handle = target.run(ir, arguments, wait=False, run_id=run_id, experiment=experiment)
            threading.Thread(target=_unsubscribe_after, args=(handle, unsubscribe)).start()
            return handle

        spun = api_spin.start_spin(self._session, plan, start=start)
        return views[0], spun.run, plan.task_key, str(spun.root)

    def _follow(self, task_id: str, view: RunView, run: Any, key: str, folder: str) -> None:
        sent: tuple[Any, ...] = ()
        try:
            while True:
                ended = _wait(run)
                task: dict[str, Any] = dict(view.tasks.get(key) or {})
                tail = view.log_tails([key]).get(key, {"lines": [], "count": 0})
                state = task.get("status") or "PENDING"
                status = str(getattr(state, "value", state))
                now = (status, tail["count"], ended)
                if now != sent:
                    outputs = view.outputs_of(key) if ended else None
                    message = str(task.get("message") or "")
                    self._say(_message(task_id, status, message, tail, outputs, folder))
                    sent = now
                if ended:
                    return
        finally:
            self._done(task_id)

    def _done(self, task_id: str) -> None:
        with self._lock:
            self._going.discard(task_id)


def _wait(run: Any) -> bool:
    """True once `run` has ended, after waiting at most one update's interval for it."""
    try:
        run.wait(timeout=_EVERY)
    except TimeoutError:
        return False
    return True


def _unsubscribe_after(run: Any, unsubscribe: Callable[[], None]) -> None:
    try:
        run.wait()
    finally:
        unsubscribe()


def _message(
    task_id: str,
    status: str,
    message: str,
    tail: Any = None,
    outputs: Any = None,
    folder: str = "",
) -> SpinMessage:
    tail = tail or {"lines": [], "count": 0}
    return {
        "kind": "spin",
        "task_id": task_id,
        "status": status,
        "message": message,
        "lines": list(tail["lines"])[-_TAIL:],
        "count": int(tail["count"]),
        "outputs": outputs,
        "folder": folder,
    }


def _user_namespace() -> dict[str, Any]:
    from IPython import get_ipython

    shell = get_ipython()
    return dict(shell.user_ns) if shell is not None else {}
