"""The run widget: an anywidget whose synced traits hold what a saved notebook keeps of a run:
its status and a slim task list (graph, states and log counts, packed: `_views/packed_tasks.py`;
the list itself is `tasks` on the Python side). Logs and outputs are not kept: live log
lines go out in messages, and the front end asks for a task's log tail and outputs when it
shows them (or asks the server extension when the kernel is gone).

Messages from the front end: `{"action": "cancel"}`, `{"action": "esm"}` (the bundle, for the
loader), `{"action": "logs", "task_ids": [...]}`, `{"action": "outputs", "task_id": T}`,
`{"action": "spin", "task_id": T}` (a task of an ended run spun alone: `widget_spin.py`).
To the front end: a `KernelMessage` (`_views/envelopes.py`, typed in TypeScript from it); a
`progress` message whenever the lines being rewritten (progress bars) change: every task with
one, each shown after the task's log tail until its next logged line; per batch of updates, a
`tasks` message with the tasks changed since the batch before, and now and then the whole list
in the `packed_tasks` trait instead (`widget_batches.py`).

Displayed, the widget is two outputs: the widget itself, and under it the run's static summary
(`_views/run_html.py`: status, tasks, states, durations) with the line that re-displays it. A
notebook reopened without its kernel and saved without widget state (JupyterLab's default)
shows "Error displaying widget: model not found" for the first: JupyterLab does not fall back to
the bundle's text/html for a trusted output. The second is plain HTML and shows anyway; it is
updated (by display id) when the run ends, so the saved notebook keeps the final state. Where
the widget is drawn, a rule in the summary hides its table under the widget (JupyterLab and
Notebook 7: the widget's output is the summary's previous sibling)."""

from __future__ import annotations

import html
import threading
import uuid
from collections.abc import Callable
from typing import Any

import anywidget
import ipywidgets
import traitlets

from kfp_notebook._api.source_map import map_frames
from kfp_notebook._notebook.widget_batches import TaskBatches
from kfp_notebook._notebook.widget_code import bundle_source, esm
from kfp_notebook._notebook.widget_spin import WidgetSpinner
from kfp_notebook._views.envelopes import KernelMessage, TasksMessage, WidgetTraits
from kfp_notebook._views.packed_tasks import pack_tasks
from kfp_notebook._views.run_html import run_html, run_text
from kfp_notebook._views.run_view import RunView, slim_task
from kfp_notebook._views.shape import TaskJSON, TaskOutputsJSON
from kfp_notebook._views.widget_bundle import STYLE

__all__ = ["RunWidget"]

FLUSH_SECONDS = 0.1  # between two batches of updates; longer for large runs (_interval)
_FLUSH_SECONDS_PER_TASK = 0.001  # the front end redraws every task: 400, one batch per 0.4 s
_FLUSH_SECONDS_MAX = 1.0


# Hides the summary's table under a drawn run widget; the hint line stays.
_HIDE_UNDER_WIDGET = (
    "<style>.jp-OutputArea-child:has(.kfpnb-root)+.jp-OutputArea-child .kfpnb-static"
    "{display:none}</style>"
)

_layout: ipywidgets.Layout | None = None


def _shared_layout() -> ipywidgets.Layout:
    """One (empty) Layout model for every run widget: a widget of its own would open a second
    comm per run, for styles this widget never sets."""
    global _layout
    if _layout is None or _layout.comm is None:  # closed (e.g. Widget.close_all()): a new one
        _layout = ipywidgets.Layout()
    return _layout


class RunWidget(anywidget.AnyWidget):
    """Task graph, logs and outputs of one run, with a cancel button while it runs."""

    _esm = esm()
    _css = STYLE

    run = traitlets.Dict().tag(sync=True)
    packed_tasks = traitlets.Unicode("").tag(sync=True)  # the whole list (packed_tasks.py)
    batch = traitlets.Int(0).tag(sync=True)  # the batch whose whole list `packed_tasks` holds
    selected = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        view: RunView,
        on_cancel: Callable[[], None] | None = None,
        live: bool = True,
        session: Any = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("layout", _shared_layout())
        # The first state rides on the message that opens the widget: no second message.
        super().__init__(**kwargs, **self._whole(view))
        self.view = view
        self._batches = TaskBatches()
        self._flush_lock = threading.Lock()
        self._on_cancel = on_cancel
        # the "Spin" action of a task, with the session whose store records the run
        self._spinner = WidgetSpinner(session, view.run_id, self._say) if session else None
        self._stop = threading.Event()
        self._sent: dict[str, int] = {}  # log lines sent per task (live messages)
        self._sent_progress: dict[str, str] = {}
        self._summary_ids: list[str] = []  # display ids of the summaries shown under it
        self.on_msg(self._message)
        self._send_logs()
        if live:
            threading.Thread(target=self._pump, name="kfpnb-widget", daemon=True).start()

    def __repr__(self) -> str:
        return f"<RunWidget {self.view.run_id}: re-display with %kfp show {self.view.run_id}>"

    def _ipython_display_(self) -> None:
        """The widget, and under it the run's summary that a saved notebook shows without the
        widget's state (updated with `update_summary`)."""
        from IPython.display import display

        found: Any = self._repr_mimebundle_() or {}
        data, metadata = found if isinstance(found, tuple) else (found, {})
        display(data, metadata=metadata, raw=True)
        display_id = f"kfpnb-summary-{uuid.uuid4().hex}"
        self._summary_ids.append(display_id)
        display(self.summary_bundle(), raw=True, display_id=display_id)

    def summary_bundle(self) -> dict[str, str]:
        """The static summary of the run as the widget's traits hold it, and the line that
        re-displays the run: text/html and text/plain."""
        run_id = self.view.run_id
        command = f"%kfp show {run_id}"
        hint = (
            f'<div style="color:#6b7280;font-size:11px">run <code>{html.escape(run_id)}</code>'
            f" · re-display it any time with <code>{html.escape(command)}</code></div>"
        )
        return {
            "text/plain": f"{run_text(self.run, self.tasks)}\n"
            f"run {run_id} · re-display it any time with {command}",
            "text/html": _HIDE_UNDER_WIDGET + run_html(self.run, self.tasks) + hint,
        }

    def update_summary(self) -> None:
        """Refresh the summaries shown under the widget from its traits (the front end applies
        it while the cell that displayed them runs)."""
        if not self._summary_ids:
            return
        from IPython.display import update_display

        bundle = self.summary_bundle()
        for display_id in self._summary_ids:
            update_display(bundle, raw=True, display_id=display_id)

    @property
    def logs(self) -> dict[str, list[str]]:
        """The log tails the kernel keeps per task (the front end asks for them)."""
        return {t: tail["lines"] for t, tail in self.view.log_tails().items()}

    def outputs(self, task_id: str) -> TaskOutputsJSON | None:
        """A task's outputs with artifact previews (None for no such task)."""
        return self.view.outputs_of(task_id) if task_id else None

    def _whole(self, view: RunView) -> WidgetTraits:
        """The synced traits for the view's whole list now; keeps that list (slim) in `tasks`,
        its log counts in `log_counts` and the view's stamp."""
        state = view.snapshot()
        self.tasks: list[TaskJSON] = [slim_task(t) for t in state["tasks"]]
        self.log_counts: dict[str, int] = dict(state["log_counts"])
        self._stamp = state["stamp"]
        return {"run": state["run"], "packed_tasks": pack_tasks(self.tasks, self.log_counts)}

    def flush(self) -> None:
        """Send what changed since the last batch in one batch, and the log lines logged since:
        the tasks changed in a `tasks` message, or the whole list (`widget_batches.py`), always
        once the run has ended (what a saved notebook keeps). The pump's thread and the cell
        that waits for the run both flush: one at a time."""
        with self._flush_lock:
            self._flush()

    def _flush(self) -> None:
        changes = self.view.changes_since(self._stamp)
        ended = changes["run"].get("status") not in (None, "RUNNING")  # a delta never ends it
        if self._batches.next(len(changes["tasks"]), len(self.tasks), final=ended):
            synced = self._whole(self.view)
            with self.hold_sync():
                self.run = dict(synced["run"])
                self.packed_tasks = synced["packed_tasks"]
                self.batch = self._batches.batch
        else:
            self._stamp = changes["stamp"]
            self.run = changes["run"]
            if changes["tasks"] or changes["log_counts"]:
                message: TasksMessage = {
                    "kind": "tasks",
                    "batch": self._batches.batch,
                    "tasks": [slim_task(t) for t in changes["tasks"]],
                    "log_counts": changes["log_counts"],
                }
                self._say(message)
        self._send_logs()

    def _send_logs(self) -> None:
        fresh = self.view.log_tails_since(self._sent)
        if fresh:
            self._sent.update({task_id: tail["count"] for task_id, tail in fresh.items()})
            self._say({"kind": "logs", "tails": _at_user_code(fresh), "append": True})
        progress = self.view.progress_lines()
        if progress != self._sent_progress:
            self._sent_progress = progress
            self._say({"kind": "progress", "lines": progress})

    def _pump(self) -> None:
        while not self._stop.is_set():
            if self.view.changed.wait(FLUSH_SECONDS):
                self.flush()
                self._stop.wait(self._interval())  # at most one batch per interval
            if self.view.run.get("status") not in (None, "RUNNING"):
                self.flush()  # the whole list: what a saved notebook keeps
                self.update_summary()
                return

    def _interval(self) -> float:
        """Seconds until the next batch: a batch carries only the tasks changed, but the front
        end redraws every task on each, so a large run is batched less often."""
        seconds = len(self.tasks) * _FLUSH_SECONDS_PER_TASK
        return min(_FLUSH_SECONDS_MAX, max(FLUSH_SECONDS, seconds))

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        action = content.get("action")
        if action == "cancel" and self._on_cancel:
            threading.Thread(target=self._on_cancel, name="kfpnb-cancel", daemon=True).start()
        elif action == "spin" and self._spinner is not None:
            self._spinner.spin(str(content.get("task_id") or ""))
        elif action == "esm":
            self._say({"kind": "esm", "source": bundle_source()})
        elif action == "logs":
            wanted = [str(t) for t in content.get("task_ids") or []]
            tails = self.view.log_tails(wanted)
            self._say({"kind": "logs", "tails": _at_user_code(tails), "append": False})
        elif action == "outputs":
            task_id = str(content.get("task_id") or "")
            self._say({"kind": "outputs", "task_id": task_id, "outputs": self.outputs(task_id)})

    def _say(self, message: KernelMessage) -> None:
        self.send(message)

    def close(self) -> None:
        self._stop.set()
        super().close()


def _at_user_code(tails: dict[str, Any]) -> dict[str, Any]:
    """Log tails whose traceback frames of a generated component module point at the cell or
    file the component came from (`source_map`), as the cell's error does."""
    return {
        task_id: {**tail, "lines": [map_frames(line) for line in tail["lines"]]}
        for task_id, tail in tails.items()
    }
