"""The run widget: an anywidget whose synced traits hold a `RunView`'s state, so a view shown
late (or re-opened) replays it. Live runs push updates from a timer thread in batches."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets
import traitlets

from kfp_notebook._views.run_view import RunView

__all__ = ["RunWidget"]

_STATIC = Path(__file__).parent.parent / "static"
FLUSH_SECONDS = 0.1


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

    _esm = _STATIC / "widget.js"
    _css = _STATIC / "widget.css"

    run = traitlets.Dict().tag(sync=True)
    tasks: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    logs = traitlets.Dict().tag(sync=True)
    log_counts = traitlets.Dict().tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    selected_outputs = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        view: RunView,
        on_cancel: Callable[[], None] | None = None,
        live: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("layout", _shared_layout())
        super().__init__(**kwargs)
        self.view = view
        self._on_cancel = on_cancel
        self._stop = threading.Event()
        self._outputs_for = ""
        self.observe(self._selection_changed, names="selected")
        self.on_msg(self._message)
        self.flush()
        if live:
            threading.Thread(target=self._pump, name="kfpnb-widget", daemon=True).start()

    def __repr__(self) -> str:
        return f"<RunWidget {self.view.run_id}: re-display with %kfp show {self.view.run_id}>"

    def flush(self) -> None:
        """Send the view's current state in one batch."""
        state = self.view.snapshot()
        with self.hold_sync():
            self.run, self.tasks = state["run"], state["tasks"]
            self.logs, self.log_counts = state["logs"], state["log_counts"]
            if self.selected and self._selected_changed_state(state):
                self.selected_outputs = self._outputs(self.selected)

    def _outputs(self, task_id: str) -> dict[str, Any]:
        outputs = self.view.outputs_of(task_id) if task_id else None
        return dict(outputs) if outputs is not None else {}

    def _selected_changed_state(self, state: dict[str, Any]) -> bool:
        task = next((t for t in state["tasks"] if t["task_id"] == self.selected), None)
        key = f"{self.selected}:{task['status'] if task else ''}"
        if key == self._outputs_for:
            return False
        self._outputs_for = key
        return True

    def _pump(self) -> None:
        while not self._stop.is_set():
            if self.view.changed.wait(FLUSH_SECONDS):
                self.flush()
                self._stop.wait(FLUSH_SECONDS)  # at most one batch per interval
            if self.view.run.get("status") not in (None, "RUNNING"):
                self.flush()
                return

    def _selection_changed(self, change: dict[str, Any]) -> None:
        self._outputs_for = ""
        self.selected_outputs = self._outputs(change["new"])

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("action") == "cancel" and self._on_cancel:
            threading.Thread(target=self._on_cancel, name="kfpnb-cancel", daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        super().close()
