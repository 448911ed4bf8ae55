"""Notebook glue: run with a live widget, and re-display a recorded run.

Direct calls of components and pipelines come here through `calls.py`."""

from __future__ import annotations

from typing import Any

from kfp_notebook._api.run import Run
from kfp_notebook._api.session import Session, _current
from kfp_notebook._model.events import Event, RunFinished, RunUnfollowed
from kfp_notebook._notebook.widget import RunWidget
from kfp_notebook._spec.ir import load_pipeline
from kfp_notebook._views.run_view import RunView

__all__ = ["run_with_widget", "show_run", "start_with_widget"]


def _display(widget: RunWidget) -> None:
    """The widget, and under it the run's static summary and the line that re-displays it,
    which a saved notebook shows without its kernel or widget state (`RunWidget`)."""
    from IPython.display import display

    display(widget)


def start_with_widget(
    target: Any,
    arguments: dict[str, Any] | None = None,
    session: Session | None = None,
    experiment: str | None = None,
) -> tuple[Run, RunWidget]:
    """Start a run and build its live widget (subscribed before the start: no event missed)."""
    session = session or _current()
    ir = load_pipeline(target)
    run_id = session.store.new_run_id(ir.name)
    view = RunView(run_id)
    unsubscribe = session.subscribe(view)
    try:
        handle = session.run(ir, arguments, wait=False, run_id=run_id, experiment=experiment)
    except BaseException:
        unsubscribe()
        raise
    if handle.done:
        unsubscribe()
    else:
        session.subscribe(_unsubscribe_when_done(run_id, unsubscribe))
    return handle, RunWidget(view, on_cancel=handle.cancel, session=session)


def run_with_widget(
    target: Any,
    arguments: dict[str, Any] | None = None,
    wait: bool = True,
    session: Session | None = None,
    experiment: str | None = None,
) -> Run:
    """Start a run, display its live widget at once, then (by default) wait for it."""
    session = session or _current()
    handle, widget = start_with_widget(target, arguments, session, experiment)
    _display(widget)
    if wait:
        try:
            handle.wait()
        finally:
            widget.flush()  # from the cell itself: the saved notebook keeps the final state
            widget.update_summary()
        session.check_outcome(handle)
    return handle


def _unsubscribe_when_done(run_id: str, unsubscribe: Any) -> Any:
    def listener(event: Event) -> None:
        if isinstance(event, RunFinished | RunUnfollowed) and event.run_id == run_id:
            unsubscribe()

    return listener


def show_run(run_id: str, session: Session | None = None) -> RunWidget:
    """The widget of a recorded run, rebuilt from the store (also after a kernel restart)."""
    session = session or _current()
    view = RunView.from_store(session.store, run_id)
    remote = session.remote.live.get(run_id) if session.remote else None
    live = session.engine.live.get(run_id) or remote
    widget = RunWidget(view, live=live is not None and not live.done.is_set(), session=session)
    if widget.view.run.get("status") == "RUNNING" and live is not None:
        session.subscribe(view)
    return widget
