"""Spinning a task in a notebook: the spun run shows its live widget, and `%kfp spin` takes
the edited component from the notebook (a `%%component` cell run again binds its name)."""

from __future__ import annotations

from typing import Any

from kfp_notebook._api import spin as api_spin
from kfp_notebook._engine.spin import find_task

__all__ = ["component_in_namespace", "install", "spin_from_magic"]


def _start_with_widget(target: Any, ir: Any, arguments: Any, experiment: Any) -> Any:
    from kfp_notebook._notebook.display import _display, start_with_widget

    handle, widget = start_with_widget(ir, arguments, target, experiment)
    _display(widget)
    return handle


def install() -> None:
    """From now on a spin started in this kernel shows its run's widget."""
    from kfp_notebook._api.kernel import in_kernel

    if in_kernel():
        api_spin.install_widget_start(_start_with_widget)


def component_in_namespace(namespace: dict[str, Any], component_name: str) -> Any:
    """The notebook's component whose IR name is `component_name` (`comp-train`), if any: the
    code as the user last ran its cell."""
    wanted = component_name.removeprefix("comp-")
    for value in namespace.values():
        spec = getattr(value, "component_spec", None)
        if spec is None or not hasattr(value, "python_func"):
            continue
        if _ir_name(str(getattr(spec, "name", ""))) == wanted:
            return value
    return None


def _ir_name(name: str) -> str:
    """KFP's component name in IR: lower case, anything else a dash (`my_train` -> my-train)."""
    import re

    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def spin_from_magic(
    session: Any, namespace: dict[str, Any], run_id: str, task: str, *, in_kernel: bool,
    persist: bool,
) -> Any:  # fmt: skip
    """`%kfp spin RUN TASK`: with the notebook's own version of the task's component when it
    has one, else the run's code."""
    install()
    record = find_task(session.store, run_id, task)
    component = component_in_namespace(namespace, record.component)
    return api_spin.spin_task(
        session.store, run_id, record.task_id, component=component, in_kernel=in_kernel,
        persist=persist, session=session,
    )  # fmt: skip
