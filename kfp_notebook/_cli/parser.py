"""The `kfp-notebook` command line: every subcommand, its options and their help, and the
type of a `--runner` value (checked by the runner registry, so a wrong name exits 2 at once)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._model.states import RUN_STATE_NAMES, parse_run_state
from kfp_notebook._runners import DEFAULT_RUNNER, check_runner, runner_help
from kfp_notebook._store.layout import check_run_id

__all__ = ["parser"]

_ROOT_HELP = "runs' folder, or s3:// minio:// gs://BUCKET/PREFIX (default ./local_outputs)"
_DESCRIPTION = "Run compiled Kubeflow pipelines locally; list, show, compare and follow runs."


def _runner(name: str) -> str:
    try:
        return check_runner(name)
    except KfpNotebookError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _run_id(text: str) -> str:
    try:
        return check_run_id(text)
    except KfpNotebookError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _whole(minimum: int, what: str, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number of at least `minimum` and at most `maximum` (`what`
    says what it counts)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value}: give at least {minimum} {what}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"{value}: give at most {maximum} {what}")
        return value

    return parse


_count = _whole(0, "lines")
_workers = _whole(1, "parallel task")
_runs = _whole(1, "run")


def _run_state(text: str) -> str:
    """An argparse type: a run state, in any case (failed is FAILED)."""
    try:
        return parse_run_state(text).value
    except KfpNotebookError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_port = _whole(0, "(a TCP port; 0 picks a free one)", 65535)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kfp-notebook", description=_DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a compiled pipeline YAML/JSON locally")
    run.add_argument("file", help="a compiled pipeline (.yaml or .json, from kfp.compiler)")
    run.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a pipeline argument, typed by the pipeline's inputs (lists and dicts as JSON); "
        "repeat for several",
    )
    run.add_argument(
        "--runner",
        default=DEFAULT_RUNNER,
        type=_runner,
        help="subprocess: cached virtual environments (default); docker: a container per task;"
        f" or {runner_help()}",
    )
    run.add_argument(
        "--no-venv",
        action="store_true",
        help="run tasks in this interpreter instead of cached environments",
    )
    run.add_argument(
        "--workers", type=_workers, default=None, help="parallel tasks (default: CPUs)"
    )
    run.add_argument("--cache", action="store_true", help="reuse outputs of identical tasks")
    run.add_argument("--pipeline-root", default="./local_outputs", help=_ROOT_HELP)
    run.add_argument("--object-root", help="artifacts to this s3:// minio:// gs:// root instead")
    run.add_argument("--dry-run", action="store_true", help="list the tasks, run nothing")
    run.add_argument("--from-task", help="resume the latest (or --run-id) run from this task")
    run.add_argument("--run-id", type=_run_id, help="id of the new run, or of the run to resume")
    run.add_argument("--quiet", action="store_true", help="do not print task log lines")
    run.add_argument(
        "--verbose",
        action="store_true",
        help="also print KFP's executor boilerplate in task logs (the log files keep it always)",
    )
    run.add_argument("--experiment", help="group the run under this name (default: pipeline's)")
    runs = sub.add_parser("runs", help="list runs in a pipeline root, newest first")
    runs.add_argument("--pipeline-root", default="./local_outputs", help=_ROOT_HELP)
    runs.add_argument("--limit", type=_runs, default=20, help="at most this many (default 20)")
    runs.add_argument(
        "--status", type=_run_state, help=f"only runs in this state: {RUN_STATE_NAMES}"
    )
    runs.add_argument("--experiment", help="only runs of this experiment")
    runs.add_argument("--json", action="store_true", help="print the runs as JSON")
    compare = sub.add_parser("compare", help="2 to 10 runs side by side, or a metric's trend")
    compare.add_argument("runs", nargs="*", metavar="RUN", help="run ids (see kfp-notebook runs)")
    compare.add_argument("--pipeline-root", default="./local_outputs", help=_ROOT_HELP)
    compare.add_argument("--experiment", help="compare this experiment's latest runs")
    compare.add_argument("--last", type=int, help="how many of them (2 to 10; default 10)")
    compare.add_argument("--trend", metavar="METRIC", help="the metric over the experiment")
    compare.add_argument("--json", action="store_true", help="print the comparison as JSON")
    compare.add_argument("--csv", action="store_true", help="print one CSV row per run")
    graph = sub.add_parser(
        "graph", help="a compiled pipeline's graph before it runs (Mermaid or an HTML page)"
    )
    graph.add_argument("pipeline", help="the compiled pipeline (YAML or JSON)")
    graph.add_argument(
        "--format", choices=["mermaid", "html"], default=None,
        help="mermaid (a flowchart) or html (a self-contained page, drawn as the run widget "
        "draws it); default: html for -o *.html, else mermaid",
    )  # fmt: skip
    graph.add_argument("-o", "--output", metavar="FILE", help="write it here, not to stdout")
    _spin_options(sub)
    show = sub.add_parser("show", help="one run with its tasks and artifacts")
    show.add_argument("run_id", help="a run id (see kfp-notebook runs)")
    show.add_argument("--pipeline-root", default="./local_outputs", help=_ROOT_HELP)
    show.add_argument("--json", action="store_true", help="print the run as JSON")
    cancel = sub.add_parser("cancel", help="cancel a run going on (in any process)")
    cancel.add_argument("run_id", help="a running run's id (see kfp-notebook runs)")
    cancel.add_argument("--pipeline-root", default="./local_outputs", help=_ROOT_HELP)
    cancel.add_argument(
        "--token", help="bearer token for the cluster of a cluster run that nobody follows"
    )
    logs = sub.add_parser("logs", help="print a run's (or one task's) log")
    logs.add_argument("run_id", help="a run id (see kfp-notebook runs)")
    logs.add_argument(
        "task", nargs="?", help="a task id (see kfp-notebook show RUN); all if left out"
    )
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing until it ends")
    logs.add_argument(
        "--tail", "-n", type=_count, metavar="N", help="start at the last N lines (default: all)"
    )
    logs.add_argument("--pipeline-root", default="./local_outputs", help=_ROOT_HELP)
    logs.add_argument(
        "--verbose",
        action="store_true",
        help="also print KFP's executor boilerplate (the log files keep it always)",
    )
    gc = sub.add_parser("gc", help="remove cached task environments (and images) not in use")
    gc.add_argument(
        "--older-than-days",
        type=float,
        default=None,
        help="keep environments used within this many days (default: remove all "
        "that no process is using)",
    )
    gc.add_argument(
        "--images",
        action="store_true",
        help="also remove the Docker images the docker runner derived (kfp-notebook-env:*) "
        "that no container uses",
    )
    gc.add_argument("--dry-run", action="store_true", help="say what would go, remove nothing")
    _bridge_options(sub, run)
    _cluster_reading(runs, show, logs, compare)
    return parser


def _cluster_reading(
    runs: argparse.ArgumentParser,
    show: argparse.ArgumentParser,
    logs: argparse.ArgumentParser,
    compare: argparse.ArgumentParser,
) -> None:
    """`--endpoint URL` on the reading commands: a cluster's runs, whoever started them; and
    `--token` for `show` to follow again a recorded cluster run that nobody follows."""
    reading = (
        (runs, "list that KFP cluster's runs"),
        (show, "show that KFP cluster's run RUN"),
        (logs, "read the log from that KFP cluster"),
        (compare, "runs not recorded here are read from that KFP cluster"),
    )
    for command, what in reading:
        group = command.add_argument_group("on a Kubeflow Pipelines cluster")
        group.add_argument("--endpoint", help=f"KFP API URL: {what} (started anywhere)")
        token = "bearer token for the endpoint"
        if command is show:
            token += " (also to follow again a recorded cluster run nobody follows)"
        group.add_argument("--token", help=token)
        group.add_argument("--namespace", help="the cluster namespace (multi-user KFP)")


def _spin_options(sub: argparse._SubParsersAction) -> None:
    spin = sub.add_parser(
        "spin", help="run one task of a finished run again, alone, with that run's inputs"
    )
    spin.add_argument("run_id", type=_run_id, help="the run (see kfp-notebook runs)")
    spin.add_argument(
        "task", help="the task's id (for-loop-2[3]/train) or its name when only one has it"
    )
    spin.add_argument(
        "--pipeline", metavar="FILE", help="take the task's component from this compiled "
        "pipeline or component (the fixed code), with the same inputs",
    )  # fmt: skip
    spin.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE",
        help="override one of the task's input parameters; repeat for several",
    )  # fmt: skip
    spin.add_argument(
        "--persist", action="store_true",
        help="record the spin as a new run in the pipeline root (the run spun is never changed)",
    )  # fmt: skip
    spin.add_argument(
        "--runner", type=_runner, default=None,
        help=f"how the task runs (default: as the run did): {runner_help()}",
    )  # fmt: skip
    spin.add_argument(
        "--run-id",
        dest="new_run_id",
        type=_run_id,
        help="with --persist: the id of the run recording the spin",
    )
    spin.add_argument("--no-venv", action="store_true", help="run it in this interpreter")
    spin.add_argument("--pipeline-root", default="./local_outputs", help=_ROOT_HELP)
    spin.add_argument("--quiet", action="store_true", help="do not print the task's log lines")
    spin.add_argument("--verbose", action="store_true", help="also print KFP's boilerplate")
    spin.add_argument("--json", action="store_true", help="print the outputs as JSON")
    group = spin.add_argument_group("a task of a run on a Kubeflow Pipelines cluster")
    group.add_argument("--endpoint", help="KFP API URL: RUN is a run there (started anywhere)")
    group.add_argument("--token", help="bearer token for the endpoint")
    group.add_argument("--namespace", help="the cluster namespace (multi-user KFP)")


# ---------------------------------------------------------------- the Kubeflow bridge
def _bridge_options(sub: argparse._SubParsersAction, run: argparse.ArgumentParser) -> None:
    """`run --endpoint URL ...` (a run on a KFP cluster) and `serve` (KFP's API, locally)."""
    run.add_argument("--params-json", help="a JSON file of pipeline arguments")
    remote = run.add_argument_group("on a Kubeflow Pipelines cluster")
    remote.add_argument("--endpoint", help="KFP API URL: run there (the Kubeflow runner)")
    remote.add_argument("--token", help="bearer token for the endpoint")
    remote.add_argument("--namespace", help="the cluster namespace (multi-user KFP)")
    serve = sub.add_parser("serve", help="serve KFP's v2beta1 REST API, backed by this engine")
    serve.add_argument("--port", type=_port, default=8888, help="the port (default 8888)")
    serve.add_argument(
        "--bind", default="127.0.0.1", help="the address (default loopback; others need --token)"
    )
    serve.add_argument("--token", help="the bearer token clients send (default: generated)")
    serve.add_argument("--pipeline-root", default="./local_outputs", help=_ROOT_HELP)
    serve.add_argument("--workers", type=_workers, default=None, help="parallel tasks per run")
    serve.add_argument(
        "--runner",
        default=DEFAULT_RUNNER,
        type=_runner,
        help=f"how the served runs execute their tasks: {runner_help()}",
    )
    serve.add_argument("--no-venv", action="store_true", help="tasks in this interpreter")
    serve.add_argument(
        "--backend-shape",
        action="store_true",
        help="task details exactly as KFP's backend sends them (no pod names, no outputs: "
        "clients find those in ML Metadata), to test a client as against a cluster",
    )
