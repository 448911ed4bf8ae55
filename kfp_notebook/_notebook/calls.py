"""Direct calls: `my_component(x=1)` or `my_pipeline()` outside a pipeline run here.

KFP runs such a call through `PipelineTask._execute_locally`; `kfp_notebook.init()` and
`%load_ext kfp_notebook` replace that one method (`%unload_ext` restores it). The settings come
from the later of `kfp_notebook.init(...)` and `kfp.local.init(...)` (kfp.local's mapped once
per init, with a notice, so kfp.local code runs unchanged); without either, the defaults. In a
kernel the run shows its widget; in a script its tasks' output and status lines stream to
stdout as the CLI prints them (where kfp.local prints its logs and the tasks' output too)."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
import warnings
from typing import Any

import kfp_notebook._api.session as api
from kfp_notebook._api.kernel import in_kernel
from kfp_notebook._api.run import Run
from kfp_notebook._api.source_map import map_frames
from kfp_notebook._errors import run_ended_error
from kfp_notebook._model.events import Event, Listener, RunStarted, TaskFinished
from kfp_notebook._model.failure import brief, without_tail
from kfp_notebook._model.states import RunState, TaskState
from kfp_notebook._spec.ir import PipelineIR, load_pipeline

__all__ = ["KfpLocalSettingsMapped", "install_call_hook", "uninstall_call_hook"]

_original_execute_locally: Any = None
_mapped_config: Any = None


class KfpLocalSettingsMapped(UserWarning):
    """kfp.local.init(...) settings were taken over by kfp-notebook."""


def _kfp_local_settings(config: Any) -> dict[str, Any]:
    """`init()` arguments equivalent to this kfp.local.init(...) config."""
    runner = config.runner
    if type(runner).__name__ == "DockerRunner":
        ours: Any = api.DockerRunner()
    else:
        ours = api.SubprocessRunner(use_venv=bool(getattr(runner, "use_venv", True)))
    return {
        "runner": ours,
        "pipeline_root": config.pipeline_root,
        "raise_on_error": bool(config.raise_on_error),
        "cache": bool(getattr(config, "enable_caching", False)),
    }


def _default_workspace(config: Any) -> str | None:
    """The temporary folder kfp.local.init made for its workspace (not the user's choice)."""
    workspace = str(getattr(config, "workspace_root", "") or "")
    made = os.path.basename(workspace).startswith("kfp-workspace-")
    return workspace if made and os.path.dirname(workspace) == tempfile.gettempdir() else None


def _not_taken_over(config: Any) -> str:
    """What of this kfp.local.init(...) config kfp-notebook does not take over, said once."""
    said = []
    workspace = str(getattr(config, "workspace_root", "") or "")
    if workspace and _default_workspace(config) is None:
        said.append(
            f"workspace_root {workspace!r} (each run's workspace is a folder of its run's, "
            "as the backend gives each run a volume of its own)"
        )
    if getattr(config, "cache_root", None):
        said.append(f"cache_root {config.cache_root!r} (the cache is the pipeline root's index)")
    return f" Not taken over: {'; '.join(said)}." if said else ""


def session_for_direct_calls() -> api.Session:
    """kfp_notebook.init()'s session, unless a kfp.local.init() came later: then one mapped
    from that; without either, the defaults."""
    global _mapped_config
    explicit, config_then = api.configured_over_kfp_local()
    config = api.kfp_local_config()
    if explicit is not None and (config is None or config is config_then):
        return explicit
    if config is not None and config is not _mapped_config:
        settings = _kfp_local_settings(config)
        _mapped_config = config
        made = _default_workspace(config)
        if made is not None:  # kfp.local removes it after its run; ours runs instead
            with contextlib.suppress(OSError):  # only while empty: nothing of anyone's lost
                os.rmdir(made)
        warnings.warn(
            "kfp-notebook runs this call with your kfp.local.init settings (runner "
            f"{settings['runner']!r}, pipeline_root {settings['pipeline_root']!r}, "
            f"raise_on_error={settings['raise_on_error']}, cache={settings['cache']}); call "
            "kfp_notebook.init(...) to choose kfp-notebook's own settings."
            + _not_taken_over(config),
            KfpLocalSettingsMapped,
            stacklevel=4,
        )
        return api.init(**settings, explicit=False)
    return api._current()


_compiled: dict[int, tuple[Any, PipelineIR]] = {}  # id(source) -> (source, its checked IR)
_COMPILED_KEPT = 64


def _checked_ir(task: Any) -> PipelineIR:
    """The checked IR of what the task calls, compiled once per component (or pipeline) object:
    KFP hands every call of one component the same spec object, and local calls take no
    task-level settings, so the IR of a component does not change from call to call."""
    source = task.pipeline_spec if task.pipeline_spec is not None else task.component_spec
    known = _compiled.get(id(source))
    if known is not None and known[0] is source:
        return known[1]
    spec = source if task.pipeline_spec is not None else source.to_pipeline_spec()
    ir = load_pipeline(spec)
    if len(_compiled) >= _COMPILED_KEPT:
        _compiled.clear()
    _compiled[id(source)] = (source, ir)
    return ir


def _execute_locally(task: Any, args: dict[str, Any]) -> None:
    """Replacement for kfp's PipelineTask._execute_locally: run through kfp-notebook."""
    from kfp.dsl.pipeline_task import TaskState as KfpTaskState

    spec = _checked_ir(task)
    session = session_for_direct_calls()
    run: Run
    if in_kernel():
        from kfp_notebook._notebook.display import run_with_widget

        run = run_with_widget(spec, args, session=session)
    else:
        run = _run_printed(session, spec, args)
    task._outputs = run.outputs
    task.state = KfpTaskState.FINAL


class _ThisRun:
    """Hands a listener the events of one run only: the first one started on this thread
    (a run's RunStarted is emitted on the thread that starts it), not those of runs other
    threads start in the same session meanwhile. Keeps the failure messages it saw."""

    def __init__(self, listener: Listener) -> None:
        self.listener = listener
        self.thread = threading.get_ident()
        self.run_id: str | None = None
        self.failures: set[str] = set()

    def __call__(self, event: Event) -> None:
        if self.run_id is None:
            if not isinstance(event, RunStarted) or threading.get_ident() != self.thread:
                return
            self.run_id = event.run_id
        if event.run_id != self.run_id:
            return
        if isinstance(event, TaskFinished) and event.state is TaskState.FAILED:
            self.failures.add(event.message)
        self.listener(event)


def _run_printed(session: api.Session, spec: PipelineIR, args: dict[str, Any]) -> Run:
    """A direct call in a script: the run's lines stream to stdout while it runs, as the CLI
    prints them (kfp.local prints its logs and the tasks' output to stdout too); a failure
    raises (raise_on_error) without quoting again the log lines just printed."""
    from kfp_notebook._views.printer import TerminalPrinter

    if sys.stdout is None:  # no console (pythonw): nothing to print to
        return session.run(spec, args)
    printer = TerminalPrinter(sys.stdout)
    this_run = _ThisRun(printer)
    unsubscribe = session.subscribe(this_run)
    try:
        run = session.run(spec, args, wait=False)
        run.wait()
    finally:
        unsubscribe()
        printer.close(timeout=5.0)
    if session.raise_on_error and run.status is not RunState.SUCCEEDED:
        error = run.error
        if error in this_run.failures:  # a task's failure, its log's tail printed above
            error = without_tail(error)
        error = map_frames(error or "")
        raise run_ended_error(run.run_id, run.status.value, error, brief(error))
    return run


def install_call_hook() -> None:
    global _original_execute_locally
    from kfp.dsl import pipeline_task

    if _original_execute_locally is None:
        _original_execute_locally = pipeline_task.PipelineTask._execute_locally
        pipeline_task.PipelineTask._execute_locally = _execute_locally


def uninstall_call_hook() -> None:
    global _original_execute_locally
    if _original_execute_locally is not None and "kfp.dsl.pipeline_task" in sys.modules:
        sys.modules[
            "kfp.dsl.pipeline_task"
        ].PipelineTask._execute_locally = _original_execute_locally
        _original_execute_locally = None
