"""Sorting kfp.local's own tests as `kfp_local_suite.py` runs them: each test case's outcome per
engine, the rules that sort what kfp-notebook does not pass ("kfp.local internals" or "a
difference", with why), and the report (a table per file, then the sorted list)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

ENGINES = ["kfp.local", "kfp-notebook"]

FILES = [
    "pipeline_orchestrator_test.py",
    "task_dispatcher_test.py",
    "subprocess_task_handler_test.py",
    "pip_install_serialization_test.py",
    "docker_task_handler_test.py",
]

# (test id as an fnmatch pattern, text the failure message holds or "", why). INTERNALS: the test
# asserts how kfp.local is built. ON_PURPOSE: kfp-notebook differs, as the KFP backend does or as
# taking kfp.local over means; a difference no rule names is reported with its message.
INTERNALS: list[tuple[str, str, str]] = [
    (
        "pipeline_orchestrator_test.py::*",
        "has length of",
        "lists the pipeline root expecting only the run's folder; kfp-notebook's root also holds "
        "its run index (`.kfp-notebook.sqlite`)",
    ),
    (
        "*",
        "Regex didn't match",
        "matches kfp.local's log lines (its ANSI-coloured text); kfp-notebook logs its own",
    ),
    (
        "*",
        "does not match",
        "matches the wording of kfp.local's error; the type is the same (a RuntimeError) and "
        "kfp-notebook's message says it in its own words (naming the task, and the chain of "
        "nested pipelines it sits in)",
    ),
    (
        "*::test_parallel_for_uses_iterator_policy_parallelism_limit",
        "",
        "spies on kfp.local's ParallelExecutor; kfp-notebook's scheduler keeps `parallelism` "
        "(tests/test_scheduler.py)",
    ),
    (
        "pip_install_serialization_test.py::*",
        "",
        "counts calls into kfp.local's pip_install_manager; kfp-notebook installs once per cached "
        "environment",
    ),
    (
        "docker_task_handler_test.py::TestE2E::*",
        "MagicMock",
        "runs on a mocked docker SDK and asserts kfp.local's calls into it; kfp-notebook's Docker "
        "runner is tested on a real engine (tests/test_docker_executor.py)",
    ),
    (
        "*::TestFstringContainerComponent::*",
        "",
        "switches kfp.local's SubprocessTaskHandler checks off to run a container component as a "
        'process; kfp-notebook does that with SubprocessRunner(containers="local")',
    ),
]
ON_PURPOSE: list[tuple[str, str, str]] = [
    (
        "*::test_must_initialize",
        "",
        "kfp_notebook.init() is in effect: a pipeline runs "
        "without kfp.local.init() (what %load_ext kfp_notebook is for)",
    ),
    (
        "*::test_env_not_initialized",
        "",
        "kfp_notebook.init() is in effect: a component runs without kfp.local.init()",
    ),
    (
        "*::test_exit_handler_with_pipeline_task_final_status",
        "",
        "PipelineTaskFinalStatus.state is `COMPLETE`, the ML Metadata state the backend's driver "
        "passes (backend/src/v2/driver/resolve.go), not kfp.local's `SUCCEEDED`",
    ),
    (
        "*::test_outputpath_result_not_written",
        "",
        "an OutputPath parameter the component never writes fails the task, as the backend's "
        'launcher does (launcher_v2.go: "failed to read output parameter"); kfp.local returns '
        "no output",
    ),
]


@dataclass
class Case:
    id: str
    file: str
    outcome: dict[str, str] = field(default_factory=dict)  # engine -> passed|failed|error|skipped
    message: dict[str, str] = field(default_factory=dict)
    sort: str = ""
    why: str = ""


@dataclass
class FileRun:
    file: str
    engine: str
    seconds: float
    returncode: int
    note: str = ""


def sort_failures(cases: list[Case], engine: str) -> None:
    for case in cases:
        if case.outcome.get(engine, "passed") in ("passed", "skipped"):
            continue
        message = case.message.get(engine, "")
        internal = _rule(INTERNALS, case.id, message)
        case.sort = "kfp.local internals" if internal else "a difference"
        case.why = internal or _rule(ON_PURPOSE, case.id, message)


def _rule(rules: list[tuple[str, str, str]], test_id: str, message: str) -> str:
    for pattern, holds, why in rules:
        if fnmatch.fnmatch(test_id, pattern) and holds in message:
            return why
    return ""


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return " ".join(lines[0].split())[:200] if lines else ""


def report(cases: list[Case], runs: list[FileRun], engines: list[str]) -> str:
    out = ["| file | tests | " + " | ".join(f"{e} passed | {e} time" for e in engines) + " |"]
    out.append("|---|---:|" + "---:|---:|" * len(engines))
    for name in FILES:
        mine = [c for c in cases if c.file == name]
        cells = []
        for engine in engines:
            passed = sum(c.outcome.get(engine) == "passed" for c in mine)
            seconds = sum(r.seconds for r in runs if r.file == name and r.engine == engine)
            cells.append(f"{passed} | {seconds:.0f} s")
        out.append(f"| {name} | {len(mine)} | " + " | ".join(cells) + " |")
    for engine in engines:
        total = sum(c.outcome.get(engine) == "passed" for c in cases)
        seconds = sum(r.seconds for r in runs if r.engine == engine)
        out.append(f"\n{engine}: {total} of {len(cases)} passed in {seconds:.0f} s")
    if "kfp-notebook" in engines:
        failing = [c for c in cases if c.sort]
        for sort in ("a difference", "kfp.local internals"):
            group = [c for c in failing if c.sort == sort]
            out.append(f"\n## kfp-notebook, {sort} ({len(group)})")
            for c in group:
                why = c.why or _first_line(c.message.get("kfp-notebook", ""))
                theirs = c.outcome.get("kfp.local", "")
                also = f" (kfp.local: {theirs})" if theirs and theirs != "passed" else ""
                out.append(f"- `{c.id}`{also}: {why}")
    return "\n".join(out)
