"""`kfp-notebook spin RUN TASK`: one task of a finished run, alone, with that run's inputs, in
the task's own environment; its log streams as in `run`, its outputs are printed, and the exit
status is the task's. Recorded as a new run only with --persist."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from kfp_notebook._errors import PipelineInputError
from kfp_notebook._model.states import RunState

__all__ = ["spin"]


def spin(args: argparse.Namespace) -> int:
    from kfp_notebook._runners import DEFAULT_RUNNER, REMOTE_RUNNER
    from kfp_notebook._store.layout import INDEX_NAME
    from kfp_notebook._store.reader import StoreReader

    root = Path(args.pipeline_root)
    if args.endpoint and not args.persist:  # RUN is read from its cluster; nothing recorded
        from kfp_notebook._api.spin import scratch_root

        held = scratch_root()  # the session's own root, unused: the spin has its scratch one
        try:
            return _spin(args, held, DEFAULT_RUNNER, not args.no_venv)
        finally:
            shutil.rmtree(held, ignore_errors=True)
    if args.endpoint:  # recorded in --pipeline-root as a new run
        return _spin(args, root, DEFAULT_RUNNER, not args.no_venv)
    if not (root / INDEX_NAME).is_file():
        raise PipelineInputError(
            f"no runs in {root} (give the run's --pipeline-root); see `kfp-notebook runs`"
        )
    source = StoreReader(root).get_run(args.run_id)
    if source is None:
        raise PipelineInputError(f"no run {args.run_id!r} in {root}; see `kfp-notebook runs`")
    runner = args.runner or source.runner or DEFAULT_RUNNER
    if runner == REMOTE_RUNNER:  # a cluster's task spins here, as `run` would start it
        runner = DEFAULT_RUNNER
    use_venv = not args.no_venv and bool(source.settings.get("use_venv", True))
    return _spin(args, root, runner, use_venv)


def _spin(args: argparse.Namespace, root: Path, runner: Any, use_venv: bool) -> int:
    from kfp_notebook._api.runner_settings import SubprocessRunner
    from kfp_notebook._api.session import Session
    from kfp_notebook._api.spin import start_spin
    from kfp_notebook._cli.running import Terminated
    from kfp_notebook._engine.spin import check_overrides
    from kfp_notebook._runners import DEFAULT_RUNNER
    from kfp_notebook._spec.arguments import parse_cli_arguments
    from kfp_notebook._views.printer import TerminalPrinter

    if runner == DEFAULT_RUNNER:
        runner = SubprocessRunner(use_venv=use_venv)
    session = Session(runner, root, raise_on_error=False)
    # With --json, stdout holds the JSON alone: the log goes to stderr.
    out = sys.stderr if args.json else sys.stdout
    printer = TerminalPrinter(out, show_logs=not args.quiet, verbose=args.verbose)
    try:
        plan = _plan(args, session)
        check_overrides(plan, [pair.partition("=")[0] for pair in args.param])
        arguments = parse_cli_arguments(plan.ir, args.param)

        if args.new_run_id and not args.persist:
            raise PipelineInputError("--run-id names the run --persist records; add --persist")

        def start(target: Any, ir: Any, arguments: Any, experiment: Any) -> Any:
            target.subscribe(printer)
            return target.run(
                ir, arguments, wait=False, experiment=experiment, run_id=args.new_run_id
            )

        spun = start_spin(session, plan, arguments=arguments, persist=args.persist, start=start)
        try:
            spun.run.wait()
        except (KeyboardInterrupt, Terminated) as stop:
            print("\ncancelling: stopping the spun task...", file=sys.stderr)
            spun.run.cancel()
            return 143 if isinstance(stop, Terminated) else 130
        printer.close(timeout=5.0)  # its lines first, then the outputs
        _print_outputs(spun.task, spun, args.json)
        return 0 if spun.run.status is RunState.SUCCEEDED else 1
    finally:
        session.close()
        printer.close(timeout=5.0)


def _plan(args: argparse.Namespace, session: Any) -> Any:
    """The spin of TASK of RUN, recorded in the pipeline root or (`--endpoint`) read from the
    cluster: its inputs from the deployment's ML Metadata."""
    from kfp_notebook._api.spin import plan_cluster_spin
    from kfp_notebook._cli.cluster import cluster_reader
    from kfp_notebook._engine.spin import plan_spin

    if args.endpoint:
        return plan_cluster_spin(cluster_reader(args).get(args.run_id), args.task, args.pipeline)
    return plan_spin(session.store, args.run_id, args.task, args.pipeline)


def _print_outputs(task: Any, spun: Any, as_json: bool) -> None:
    outputs = {
        "task": spun.plan.task.task_id,
        "spun_from": spun.plan.source_run,
        "status": task.status.value,
        "parameters": task.outputs,
        "artifacts": {a.name: a.uri for a in task.artifacts},
        "run": spun.run.run_id if spun.persisted else None,
        "folder": str(spun.root),
    }
    if as_json:
        print(json.dumps(outputs, indent=1, default=str))
        return
    if spun.persisted:  # (the printer has shown the outputs, as the spin's run's)
        print(f"recorded as run {spun.run.run_id}", file=sys.stderr)
    else:
        print(f"not recorded (--persist records it); outputs in {spun.root}", file=sys.stderr)
