"""kfp.local's own tests, run under kfp.local and under kfp-notebook, side by side.

    make kfp-local-suite
    python bench/kfp_local_suite.py [--kfp-src DIR] [--engine kfp.local|kfp-notebook|both]
                                    [--only TEXT] [--timeout S] [--json OUT] [--from-json IN]

The test files are read from the installed kfp (its wheel ships `kfp/local/*_test.py`), or from
a kubeflow/pipelines checkout's `sdk/python/kfp/local/` with `--kfp-src`, never kept here, and
run with pytest in a scratch folder, one process per file and engine. They are adapted in one way
only: tasks install kfp from PyPI (the version installed here) instead of from the checkout's
source tree. The checkout's `testing_utilities.LocalRunnerEnvironmentTestCase` copies that tree
for each test and points `dsl.component` at it; here it keeps its clean config and its scratch
working folder, and drops the copy (see `PLUGIN`); the checkout's kfp-pipeline-spec source
the test files install becomes the same package from PyPI (`adapt`).

Under kfp-notebook, `kfp_notebook.init()` runs first (what `%load_ext kfp_notebook` does in a
kernel), so each test's own `kfp.local.init(...)` is taken over and its component and pipeline
calls run on kfp-notebook's engine. Every test that does not pass is sorted: "kfp.local
internals" when it asserts how kfp.local is built (its folder layout, private helpers and
counters, its log text, its calls into a mocked docker SDK), by the rules in `kfp_local_sorting`;
otherwise "a difference", which is behaviour a user's code can meet.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import sysconfig
import tempfile
import time
import venv
import xml.etree.ElementTree as ET
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from kfp_local_sorting import ENGINES, FILES, Case, FileRun, report, sort_failures

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
VENV = CACHE / "kfp-notebook" / "kfp-local-suite"
NEEDS = ["absl-py", "docker", "pytest"]  # what the test files import beyond kfp

# Loaded into each pytest process with `-p`; the engine comes from KFPNB_SUITE_ENGINE.
PLUGIN = r"""
import importlib.util, os, sys, tempfile, pathlib
import kfp.local
from kfp.local import config as local_config

_spec = importlib.util.spec_from_file_location(
    "kfp.local.testing_utilities", os.environ["KFPNB_SUITE_UTILITIES"])
testing_utilities = importlib.util.module_from_spec(_spec)
sys.modules["kfp.local.testing_utilities"] = testing_utilities
_spec.loader.exec_module(testing_utilities)
kfp.local.testing_utilities = testing_utilities


def _set_up(self):  # the checkout's setUp without its copy of the kfp source tree
    local_config.LocalExecutionConfig.instance = None
    self.working_dir = pathlib.Path.cwd()
    self.temp_dir = tempfile.TemporaryDirectory()
    os.chdir(self.temp_dir.name)


def _tear_down(self):
    self.temp_dir.cleanup()
    os.chdir(self.working_dir)


testing_utilities.LocalRunnerEnvironmentTestCase.setUp = _set_up
testing_utilities.LocalRunnerEnvironmentTestCase.tearDown = _tear_down

if os.environ["KFPNB_SUITE_ENGINE"] == "kfp-notebook":
    import kfp_notebook
    kfp_notebook.init()  # as %load_ext kfp_notebook does: later kfp.local.init()s are taken over
"""

# The checkout's kfp-pipeline-spec source (`api/v2alpha1/python`, which needs protoc to build)
# becomes the same package from PyPI, and the fixtures that point `dsl.component` at it stop
# being autouse (kfp's own requirement brings it from PyPI). Each rule must match.
SPEC = re.compile(r"os\.path\.join\(\s*root_dir,\s*'api',\s*'v2alpha1',\s*'python'\s*\)")
FIXTURE = re.compile(r"@pytest\.fixture\(autouse=True\)(\ndef set_packages_for_test_classes\()")


def adapt(name: str, text: str) -> tuple[str, list[str]]:
    """One test file's text, installing kfp-pipeline-spec from PyPI; notes on rules unmatched."""
    if "v2alpha1" not in text:
        return text, []
    wanted = repr(f"kfp-pipeline-spec=={metadata.version('kfp-pipeline-spec')}")
    text, paths = SPEC.subn(lambda _: wanted, text)
    text, fixtures = FIXTURE.subn(r"@pytest.fixture\1", text)
    notes = [] if paths else [f"{name}: its kfp-pipeline-spec path has changed; not adapted"]
    if "def set_packages_for_test_classes(" in text and not fixtures:
        notes.append(f"{name}: its kfp-pipeline-spec fixture has changed; not adapted")
    return text, notes


def suite_python() -> str:
    """A scratch environment over this interpreter's packages (its site-packages added by a `.pth`),
    with the test files' own imports added: what kfp.local's tasks pip-install lands there."""
    python = VENV / "bin" / "python"
    if not python.exists():
        venv.create(VENV, system_site_packages=False, with_pip=True)
        site = subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        parent = sysconfig.get_paths()["purelib"]
        # a site dir, so that its own .pth files (editable installs) count too
        Path(site, "kfpnb_parent.pth").write_text(f"import site; site.addsitedir({parent!r})\n")
    missing = subprocess.run(
        [str(python), "-c", "import absl.testing, docker, pytest"], capture_output=True
    ).returncode
    if missing:
        subprocess.run([str(python), "-m", "pip", "install", "-q", *NEEDS], check=True)
    return str(python)


def prepare(local: Path, work: Path) -> tuple[Path, list[str]]:
    """The test files copied out of `local` into `work`, adapted; notes on what did not."""
    tests = work / "tests"
    tests.mkdir(parents=True)
    notes = []
    for name in FILES:
        text = (local / name).read_text()
        text, said = adapt(name, text)
        notes += said
        (tests / name).write_text(text)
    (tests / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    (work / "kfpnb_suite_plugin.py").write_text(PLUGIN)
    (work / "testing_utilities.py").write_text((local / "testing_utilities.py").read_text())
    return tests, notes


def run_file(python: str, tests: Path, name: str, engine: str, timeout: float) -> FileRun:
    work = tests.parent
    xml = work / f"{engine}-{name}.xml"
    env = {
        **os.environ,
        "PYTHONPATH": str(work),
        "PYTHONDONTWRITEBYTECODE": "1",
        "KFPNB_SUITE_ENGINE": engine,
        "KFPNB_SUITE_UTILITIES": str(work / "testing_utilities.py"),
    }
    argv = [python, "-m", "pytest", "-q", "-p", "kfpnb_suite_plugin", f"--junitxml={xml}", name]
    started = time.monotonic()
    try:
        done = subprocess.run(
            argv, cwd=tests, env=env, capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        code, note = done.returncode, (done.stdout.strip().splitlines() or [""])[-1]
    except subprocess.TimeoutExpired:
        code, note = -1, f"stopped after {timeout:g}s"
    return FileRun(name, engine, round(time.monotonic() - started, 1), code, note)


def read_results(xml: Path, name: str, engine: str, cases: dict[str, Case]) -> None:
    if not xml.exists():
        return
    for tc in ET.parse(xml).getroot().iter("testcase"):
        test_id = f"{name}::{tc.get('classname', '').rsplit('.', 1)[-1]}::{tc.get('name')}"
        case = cases.setdefault(test_id, Case(test_id, name))
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            found = tc.find(tag)
            if found is not None:
                outcome = "failed" if tag == "failure" else tag
                message = (found.get("message") or "") + "\n" + (found.text or "")
                break
        case.outcome[engine], case.message[engine] = outcome, message.strip()


def rereport(saved_json: Path) -> str:
    """The report on results saved with --json, sorted by today's rules."""
    saved = json.loads(saved_json.read_text())
    cases = [Case(**c) for c in saved["cases"]]
    runs = [FileRun(**r) for r in saved["runs"]]
    engines = [e for e in ENGINES if any(e in c.outcome for c in cases)]
    sort_failures(cases, "kfp-notebook")
    return report(cases, runs, engines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--kfp-src",
        type=Path,
        help="a kubeflow/pipelines checkout to read "
        "the tests from (default: the installed kfp's own)",
    )
    parser.add_argument("--engine", choices=[*ENGINES, "both"], default="both")
    parser.add_argument("--only", default="", help="only test files whose name contains this")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per test file")
    parser.add_argument("--json", type=Path, help="write every result here")
    parser.add_argument("--from-json", type=Path, help="report on results saved with --json")
    args = parser.parse_args(argv)
    if args.from_json:
        print(rereport(args.from_json))
        return 0
    if args.kfp_src:
        local = args.kfp_src / "sdk" / "python" / "kfp" / "local"
    else:
        import kfp.local

        local = Path(kfp.local.__file__).parent
    if not all((local / name).is_file() for name in [*FILES, "testing_utilities.py"]):
        parser.error(f"{local} lacks kfp.local's test files: pass a kubeflow/pipelines checkout")
    engines = ENGINES if args.engine == "both" else [args.engine]
    python = suite_python()
    cases: dict[str, Case] = {}
    runs: list[FileRun] = []
    with tempfile.TemporaryDirectory(prefix="kfpnb-kfp-local-suite-") as tmp:
        tests, notes = prepare(local, Path(tmp))
        for note in notes:
            print(note, flush=True)
        for name in [f for f in FILES if args.only in f]:
            for engine in engines:
                run = run_file(python, tests, name, engine, args.timeout)
                runs.append(run)
                read_results(Path(tmp) / f"{engine}-{name}.xml", name, engine, cases)
                print(f"{engine:13} {name}: {run.note} ({run.seconds:.0f} s)", flush=True)
    ordered = sorted(cases.values(), key=lambda c: (FILES.index(c.file), c.id))
    sort_failures(ordered, "kfp-notebook")
    print(report(ordered, runs, engines))
    if args.json:
        saved = {"cases": [asdict(c) for c in ordered], "runs": [asdict(r) for r in runs]}
        args.json.write_text(json.dumps(saved, indent=1))
    return 0


if __name__ == "__main__":
    from scratch import use_scratch

    use_scratch("kfpnb-bench-kfp-local-suite-")
    sys.exit(main())
