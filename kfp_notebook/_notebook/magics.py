"""`%%component` and `%kfp` magics, registered by `%load_ext kfp_notebook`."""

from __future__ import annotations

import ast
import html
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import HTML, display

import kfp_notebook._api.session as api
from kfp_notebook._api import source_map
from kfp_notebook._api.remote import follow_recorded
from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._notebook.calls import install_call_hook, uninstall_call_hook
from kfp_notebook._notebook.component_cell import component_from_cell
from kfp_notebook._notebook.display import _unsubscribe_when_done, show_run
from kfp_notebook._notebook.widget import RunWidget
from kfp_notebook._remote.reattach import recorded_remote
from kfp_notebook._runners import DEFAULT_RUNNER, REMOTE_RUNNER, check_runner, runner_help
from kfp_notebook._views.run_view import RunView

__all__ = ["KfpMagics", "load", "unload"]

_COMMANDS = ("init", "runs", "show", "logs", "cancel", "compile", "compare", "spin")


def _value(text: str) -> Any:
    """`--run n=3 xs=[1,2] name=abc`: Python literals where they parse, strings otherwise."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _pairs(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--run takes name=value pairs; got {item!r}.")
        out[key.strip()] = _value(value)
    return out


@magics_class
class KfpMagics(Magics):
    @magic_arguments()
    @argument("--packages", default="", help="comma-separated packages_to_install")
    @argument("--base-image", default=None, help="the component's base image")
    @argument("--pip-index-url", action="append", default=[], help="a pip index URL")
    @argument("--name", default=None, help="bind the component to this name instead")
    @argument("--run", nargs="*", default=None, metavar="k=v", help="run it now with these")
    @cell_magic
    def component(self, line: str, cell: str) -> Any:
        """Turn the cell's one function into a KFP lightweight component."""
        args = parse_argstring(self.component, line)
        packages = [p.strip() for p in args.packages.split(",") if p.strip()]
        try:
            name, comp = component_from_cell(
                cell,
                self._namespace,
                packages=packages,
                base_image=args.base_image,
                pip_index_urls=args.pip_index_url,
                label=f"%%component cell {source_map.calling_cell() or ''}".rstrip(),
                first_line=2,  # the cell's first line is `%%component`
            )
        except KfpNotebookError as exc:
            raise UsageError(str(exc)) from None
        if args.name:
            comp.component_spec.name = args.name
            comp.name = args.name
            name = args.name
        self._namespace[name] = comp
        if args.run is None:
            return None
        try:
            return comp(**_pairs(args.run))
        except KfpNotebookError as exc:
            raise UsageError(str(exc)) from None

    @magic_arguments()
    @argument("command", choices=_COMMANDS, help="what to do")
    @argument("rest", nargs="*", help="RUN_ID [TASK], PIPELINE OUT.yaml, or RUN RUN ... to compare")
    @argument("--runner", default=DEFAULT_RUNNER, help=f"kubeflow, {runner_help()}")
    @argument("--endpoint", default=None, help="KFP API URL (the kubeflow runner)")
    @argument("--namespace", default=None, help="cluster namespace (the kubeflow runner)")
    @argument("--token", default=None, help="bearer token for the endpoint")
    @argument("--pipeline-root", default="./local_outputs")
    @argument("--workers", type=int, default=None)
    @argument("--cache", action="store_true")
    @argument("--limit", type=int, default=20)
    @argument("--experiment", default=None, help="init: group the coming runs; runs, compare")
    @argument("--last", type=int, default=None, help="compare an experiment's latest N runs")
    @argument("--trend", default=None, metavar="METRIC", help="compare: a metric's trend")
    @argument("--in-kernel", action="store_true", help="spin: call the task's function here")
    @argument("--persist", action="store_true", help="spin: record the spin as a new run")
    @line_magic
    def kfp(self, line: str) -> Any:
        """%kfp init|runs|show RUN|logs RUN [TASK]|cancel RUN|compile PIPELINE OUT.yaml|
        compare RUN RUN ... (or --experiment E [--last N] [--trend METRIC])|
        spin RUN TASK [--in-kernel] [--persist]"""
        args = parse_argstring(self.kfp, line)
        try:
            return getattr(self, f"_{args.command}")(args)
        except (KfpNotebookError, KeyError) as exc:
            raise UsageError(str(exc).strip("'\"")) from None

    @property
    def _namespace(self) -> dict[str, Any]:
        assert self.shell is not None, "the magics are used from an IPython shell"
        namespace: dict[str, Any] = self.shell.user_ns
        return namespace

    def _init(self, args: Any) -> None:
        runner: Any = check_runner(args.runner, remote_ok=True)
        if runner == REMOTE_RUNNER:
            runner = api.KubeflowRunner(args.endpoint, args.namespace, None, args.token)
            where = f" at {runner.resolved_endpoint()}"
        else:
            where = ""
        api.init(runner, args.pipeline_root, args.workers, args.cache, experiment=args.experiment)
        experiment = f", experiment={args.experiment}" if args.experiment else ""
        print(
            f"kfp-notebook: runner={args.runner}{where}, pipeline_root={args.pipeline_root}"
            f"{experiment}"
        )

    def _runs(self, args: Any) -> None:
        records = api.list_runs(limit=args.limit, experiment=args.experiment)
        head = ("run", "pipeline", "status", "started", "tasks")
        rows = [
            (r.run_id, r.pipeline_name, r.status.value, _time(r.created), _counts(r.task_counts))
            for r in records
        ]
        cells = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
            for row in rows
        )
        header = "".join(f"<th>{h}</th>" for h in head)
        text = "\n".join("  ".join(str(c) for c in row) for row in rows) or "no runs yet"
        display(
            {"text/html": f"<table><tr>{header}</tr>{cells}</table>", "text/plain": text},
            raw=True,
        )

    def _one(self, args: Any, what: str) -> str:
        if not args.rest:
            raise UsageError(f"%kfp {args.command} needs a {what}.")
        return str(args.rest[0])

    def _show(self, args: Any) -> Any:
        """The run's widget; a cluster run that no process follows is followed again from
        here (with --token, or the session's), its widget live until the cluster ends it."""
        run_id, session = self._one(args, "run id"), api._current()
        if recorded_remote(session.store, run_id) is None:
            return show_run(run_id, session)
        view = RunView.from_store(session.store, run_id)
        unsubscribe = session.subscribe(view)  # before the follower's first event
        live = follow_recorded(session, run_id, args.token)
        if live is None:
            unsubscribe()
            return show_run(run_id, session)
        session.subscribe(_unsubscribe_when_done(run_id, unsubscribe))
        return RunWidget(view, on_cancel=live.cancel, session=session)

    def _logs(self, args: Any) -> None:
        run = api.get_run(self._one(args, "run id"))
        task = args.rest[1] if len(args.rest) > 1 else None
        print(run.logs(task))

    def _cancel(self, args: Any) -> None:
        run = api.get_run(self._one(args, "run id"))
        run.cancel()
        print(f"{run.run_id}: {run.status.value}")

    def _compare(self, args: Any) -> Any:
        """The comparison object: the last line of a cell, it displays itself (a widget)."""
        from kfp_notebook._notebook.entry import compare

        return compare(
            args.rest, experiment=args.experiment, last=args.last, trend_metric=args.trend
        )

    def _spin(self, args: Any) -> Any:
        """The task alone, with the run's inputs, and the notebook's edited component if any."""
        if len(args.rest) != 2:
            raise UsageError("usage: %kfp spin RUN TASK [--in-kernel] [--persist]")
        from kfp_notebook._notebook.spin import spin_from_magic

        run_id, task = args.rest
        return spin_from_magic(
            api._current(), self._namespace, run_id, task, in_kernel=args.in_kernel,
            persist=args.persist,
        )  # fmt: skip

    def _compile(self, args: Any) -> None:
        if len(args.rest) != 2:
            raise UsageError("usage: %kfp compile PIPELINE OUT.yaml")
        name, out = args.rest
        if name not in self._namespace:
            raise UsageError(f"no {name!r} in the notebook; define the pipeline first.")
        from kfp import compiler

        compiler.Compiler().compile(self._namespace[name], package_path=out)
        display(HTML(f"compiled <code>{html.escape(name)}</code> to {html.escape(out)}"))


def _time(stamp: float) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M:%S")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {s.lower()}" for s, n in sorted(counts.items()) if n)


def load(ipython: Any) -> None:
    ipython.register_magics(KfpMagics)
    install_call_hook()
    from kfp_notebook._notebook.spin import install
    from kfp_notebook._notebook.static_graph import install_display

    install()
    install_display(ipython)  # a @dsl.pipeline function displayed draws its graph


def unload(ipython: Any) -> None:
    uninstall_call_hook()
