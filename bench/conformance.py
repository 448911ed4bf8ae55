"""Conformance: KFP's public test-data pipelines run by kfp-notebook and by kfp.local, side by side.

    make conformance KFP_SRC=<a kubeflow/pipelines checkout>
    python bench/conformance.py --kfp-src DIR [--only TEXT] [--timeout S] [--jobs N]
                                [--containers refuse|local] [--skip-kfp-local] [--json OUT]

Every pipeline of `test_data/sdk_compiled_pipelines/` (not `invalid/`) is taken from the
checkout, never copied: each `.py` is compiled with the installed kfp into a temporary folder
(its checked-in YAML is used if that fails), a YAML without a `.py` is used as it is. Each
pipeline then runs with its defaults in its own subprocess with a timeout, once with
kfp-notebook and once with kfp.local (`SubprocessRunner(use_venv=False)`, in a scratch virtual
environment with the system's packages, so what its tasks pip-install never lands in this
interpreter). A pipeline passes when its run ends as KFP's end-to-end tests expect: FAILED for
`valid/failing/`, SUCCEEDED for the rest. What does not pass is sorted by why: offline-only
limits (gs://, oci://, s3://, model hubs), container components (they need Docker), Kubernetes-
only features, required arguments, timeouts, and the rest, which are gaps.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import venv
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

RESULT = "KFPNB-CONFORMANCE-RESULT "
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
VENV = CACHE / "kfp-notebook" / "conformance"

# Children, each run as `python -c` in its own process with a timeout.
COMPILE = r"""
import ast, json, runpy, sys
from pathlib import Path
from kfp import compiler
from kfp.dsl.base_component import BaseComponent
from kfp.dsl.graph_component import GraphComponent
src, out = Path(sys.argv[1]), sys.argv[2]
sys.path[:0] = [str(src.parent), sys.argv[3]]
names, parameters = [], {}
for node in ast.walk(ast.parse(src.read_text())):
    if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "compile":
        args = [k.value for k in node.keywords if k.arg == "pipeline_func"] + node.args[:1]
        names += [a.id for a in args if isinstance(a, ast.Name)]
        given = [k.value for k in node.keywords if k.arg == "pipeline_parameters"]
        if given and not parameters:
            try:
                parameters = ast.literal_eval(given[0])
            except ValueError:
                pass
found = runpy.run_path(str(src), run_name="kfpnb_conformance")
pipelines = [n for n in names if isinstance(found.get(n), BaseComponent)]
pipelines += [n for n, v in found.items() if isinstance(v, GraphComponent)][-1:]
if not pipelines:
    print("KFPNB-CONFORMANCE-RESULT " + json.dumps({"status": "NOT_A_PIPELINE"}))
    sys.exit(0)
compiler.Compiler().compile(
    found[pipelines[0]], package_path=out, pipeline_parameters=parameters or None
)
print("KFPNB-CONFORMANCE-RESULT " + json.dumps({"status": "COMPILED", "name": pipelines[0]}))
"""
OURS = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
from kfp_notebook import Session, SubprocessRunner
session = Session(runner=SubprocessRunner(containers=sys.argv[3]), pipeline_root=sys.argv[2],
                  raise_on_error=False)
try:
    run = session.run(sys.argv[1])
    result = {"status": run.status.value, "error": run.error}
except Exception as exc:
    result = {"status": "ERROR", "error": f"{type(exc).__name__}: {exc}"}
finally:
    session.close()
print("KFPNB-CONFORMANCE-RESULT " + json.dumps(result))
"""
KFP_LOCAL = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
from kfp import components, local
local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=sys.argv[2])
try:
    components.load_component_from_file(sys.argv[1])()
    result = {"status": "SUCCEEDED", "error": ""}
except Exception as exc:
    failed = "finished with status" in str(exc)
    result = {"status": "FAILED" if failed else "ERROR", "error": f"{type(exc).__name__}: {exc}"}
print("KFPNB-CONFORMANCE-RESULT " + json.dumps(result))
"""

OFFLINE = (
    "gs://",
    "oci://",
    "s3://",
    "minio://",
    "huggingface",
    "Hugging Face",
    "hf://",
    "googleapis.com",
    "Internet connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Failed to establish a new connection",
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Unit:
    id: str
    py: Path | None
    yaml: Path | None
    expect: str
    compiled: str = ""
    runs: dict[str, dict[str, str]] = field(default_factory=dict)


def discover(root: Path) -> list[Unit]:
    """One unit per `.py` (with the YAML checked in beside it) and per YAML without a `.py`."""
    files = [
        p
        for p in sorted(root.rglob("*"))
        if p.suffix in (".py", ".yaml") and p.name != "__init__.py" and "invalid" not in p.parts
    ]

    def stem(p: Path) -> str:
        return p.stem.replace("-", "_")

    units, claimed = [], set()
    for py in (p for p in files if p.suffix == ".py"):
        mine = [y for y in files if y.suffix == ".yaml" and y.parent == py.parent]
        mine = sorted((y for y in mine if stem(y).startswith(stem(py))), key=lambda y: len(y.name))
        claimed.update(mine[:1])
        units.append(_unit(root, py, py, mine[0] if mine else None))
    for yaml in (p for p in files if p.suffix == ".yaml" and p not in claimed):
        units.append(_unit(root, yaml, None, yaml))
    return units


def _unit(root: Path, path: Path, py: Path | None, yaml: Path | None) -> Unit:
    rel = path.relative_to(root)
    expect = "FAILED" if "failing" in rel.parts else "SUCCEEDED"
    return Unit(str(rel), py, yaml, expect)


def _child(argv: list[str], timeout: float, cwd: Path) -> dict[str, str]:
    started = time.monotonic()
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, cwd=cwd, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        return {"status": "TIMEOUT", "error": f"no result within {timeout:g}s", "seconds": "-"}
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    result = json.loads(lines[-1][len(RESULT) :]) if lines else {}
    if not result:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        result = {"status": "ERROR", "error": " | ".join(tail) or f"exit status {done.returncode}"}
    result["seconds"] = f"{time.monotonic() - started:.1f}"
    return result


def kfp_local_python() -> str:
    """A scratch environment on top of this interpreter's packages for kfp.local's tasks."""
    python = VENV / "kfp-local-venv" / "bin" / "python"
    if not python.exists():
        venv.create(python.parent.parent, system_site_packages=True, with_pip=True)
    return str(python)


_KFP_PIN = threading.Lock()


def _keep_kfp(python: str) -> None:
    """kfp.local with use_venv=False pip-installs the kfp a YAML pins into its own interpreter:
    put this machine's kfp back before each run, so every pipeline meets the same kfp.local."""
    want = metadata.version("kfp")
    with _KFP_PIN:
        probe = [python, "-c", "from importlib.metadata import version; print(version('kfp'))"]
        have = subprocess.run(probe, capture_output=True, text=True).stdout.strip()
        if have != want:
            install = [python, "-m", "pip", "install", "-q", "--no-deps", f"kfp=={want}"]
            subprocess.run(install, capture_output=True, check=False)


def run_unit(unit: Unit, args: argparse.Namespace, work: Path, local_python: str | None) -> Unit:
    folder = work / re.sub(r"[^A-Za-z0-9_.-]+", "_", unit.id)
    folder.mkdir(parents=True, exist_ok=True)
    target = unit.yaml
    if unit.py is not None:
        out = folder / "pipeline.yaml"
        argv = [sys.executable, "-c", COMPILE, str(unit.py), str(out), str(args.kfp_src)]
        result = _child(argv, args.timeout, folder)
        unit.compiled = result["status"]
        if result["status"] == "NOT_A_PIPELINE":
            return unit
        if result["status"] == "COMPILED":
            target = out
        elif target is None:
            unit.runs["compile"] = result
            return unit
        else:
            unit.compiled = f"checked-in YAML (compiling failed: {result['error'][:160]})"
    assert target is not None
    ours = [sys.executable, "-c", OURS, str(target), str(folder / "ours"), args.containers]
    unit.runs["kfp-notebook"] = _child(ours, args.timeout, folder)
    if local_python:
        _keep_kfp(local_python)
        theirs = [local_python, "-c", KFP_LOCAL, str(target), str(folder / "kfp-local")]
        unit.runs["kfp.local"] = _child(theirs, args.timeout, folder)
    classify_runs(unit, target.read_text(encoding="utf-8", errors="replace"))
    return unit


def classify_runs(unit: Unit, compiled: str = "") -> None:
    """Each run's verdict, from its error and from the pipeline's sources in the checkout."""
    text = compiled + "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in (unit.py, unit.yaml) if p
    )
    for run in unit.runs.values():
        run["verdict"], run["why"] = classify(unit, run, text)


def classify(unit: Unit, run: dict[str, str], pipeline_text: str) -> tuple[str, str]:
    error = _ANSI.sub("", run.get("error", "")).strip()
    short = " ".join(error.split())[:220]
    if run["status"] == unit.expect:
        return "pass", ""
    if run["status"] == "TIMEOUT":
        return "timeout", short
    if any(m in error for m in OFFLINE) or any(m in pipeline_text for m in OFFLINE):
        return "offline-only", short
    if "container component" in error or "containerized" in error:
        return "needs Docker", short
    if re.search(r"platforms:\s*\n\s*kubernetes:", pipeline_text):
        return "Kubernetes-only", short
    if "needs a value for" in error or "the enclosing DAG has no artifact" in error:
        return "needs arguments", short
    if run["status"] == "SUCCEEDED":
        return "gap", "succeeded where the backend's e2e test expects FAILED"
    return "gap", short


def report(units: list[Unit], runners: list[str]) -> str:
    ran = [u for u in units if u.runs and "compile" not in u.runs]
    lines = [f"{len(ran)} pipelines ran (of {len(units)} files found)"]
    skipped = [u.id for u in units if u.compiled == "NOT_A_PIPELINE"]
    broken = [u for u in units if "compile" in u.runs]
    if skipped:
        lines.append(f"{len(skipped)} files define no pipeline: {', '.join(skipped)}")
    for u in broken:
        lines.append(f"does not compile, no YAML beside it: {u.id}: {u.runs['compile']['error']}")
    for u in ran:
        if u.compiled.startswith("checked-in"):
            lines.append(f"{u.id}: ran its {u.compiled}")
    for name in runners:
        verdicts: dict[str, list[Unit]] = {}
        for u in ran:
            verdicts.setdefault(u.runs[name]["verdict"], []).append(u)
        lines.append(f"\n== {name}: {len(verdicts.get('pass', []))}/{len(ran)} pass")
        for verdict, group in sorted(verdicts.items()):
            if verdict == "pass":
                continue
            lines.append(f"  -- {verdict} ({len(group)})")
            for u in group:
                r = u.runs[name]
                lines.append(f"     {u.id}: {r['status']} (expected {u.expect}): {r['why']}")
    if len(runners) == 2:
        a, b = runners
        only_a = [u.id for u in ran if _passes(u, a) and not _passes(u, b)]
        only_b = [u.id for u in ran if _passes(u, b) and not _passes(u, a)]
        lines.append(f"\npass with {a} only ({len(only_a)}): {', '.join(only_a) or '-'}")
        lines.append(f"pass with {b} only ({len(only_b)}): {', '.join(only_b) or '-'}")
    return "\n".join(lines)


def _path(text: str | None) -> Path | None:
    return Path(text) if text else None


def _passes(unit: Unit, runner: str) -> bool:
    return unit.runs[runner]["verdict"] == "pass"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kfp-src", type=Path, required=True, help="kubeflow/pipelines checkout")
    parser.add_argument("--only", default="", help="only pipelines whose path contains this")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per step")
    parser.add_argument("--jobs", type=int, default=1, help="pipelines at a time")
    parser.add_argument("--containers", choices=["refuse", "local"], default="refuse")
    parser.add_argument("--skip-kfp-local", action="store_true")
    parser.add_argument("--json", type=Path, help="write every result here")
    parser.add_argument("--from-json", type=Path, help="report on the results saved there")
    args = parser.parse_args(argv)
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        units = [Unit(**{**u, "py": _path(u["py"]), "yaml": _path(u["yaml"])}) for u in saved]
        for u in units:
            classify_runs(u)
        print(report(units, sorted({n for u in units for n in u.runs} - {"compile"})))
        return 0
    root = args.kfp_src / "test_data" / "sdk_compiled_pipelines"
    if not root.is_dir():
        parser.error(f"{root} is not a folder: pass a kubeflow/pipelines checkout as --kfp-src")
    units = [u for u in discover(root) if args.only in u.id]
    local_python = None if args.skip_kfp_local else kfp_local_python()
    runners = ["kfp-notebook"] + ([] if args.skip_kfp_local else ["kfp.local"])
    with (
        tempfile.TemporaryDirectory(prefix="kfpnb-conformance-") as tmp,
        ThreadPoolExecutor(max(1, args.jobs)) as pool,
    ):
        futures = [pool.submit(run_unit, u, args, Path(tmp), local_python) for u in units]
        for future in futures:
            u = future.result()
            summary = "  ".join(f"{n}={r['status']}" for n, r in u.runs.items())
            print(f"{u.id}: {summary or u.compiled}", flush=True)
    print(report(units, runners))
    if args.json:
        args.json.write_text(json.dumps([asdict(u) for u in units], indent=1, default=str))
    return 0


if __name__ == "__main__":
    from scratch import use_scratch

    use_scratch("kfpnb-bench-conformance-")
    sys.exit(main())
