"""The package's layering, seen from outside: what loading the server extension and importing
the package cost and pull in."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ENGINE_SIDE = (
    "kfp_notebook._api",
    "kfp_notebook._engine",
    "kfp_notebook.executors",
    "kfp_notebook._spec",
    "kfp_notebook._notebook",
    "kfp.compiler",
    "kfp.dsl",
    "docker",
)


def test_loading_the_server_extension_loads_no_engine_module(tmp_path: Path) -> None:
    """A real jupyter_server app initialised with the extension enabled, in a fresh process."""
    script = textwrap.dedent(
        f"""
        import json, sys
        from jupyter_server.serverapp import ServerApp
        app = ServerApp()
        app.initialize(argv=[
            "--ServerApp.jpserver_extensions={{'kfp_notebook': True}}",
            "--ServerApp.port=0", "--ServerApp.open_browser=False",
            "--ServerApp.runtime_dir={tmp_path / "runtime"}",
            "--ServerApp.root_dir={tmp_path}",
        ], find_extensions=False)
        hosts = app.web_app.default_router.rules
        patterns = [str(getattr(r.matcher, "regex", ""))
                    for host in hosts for r in getattr(host.target, "rules", [])]
        loaded = [p for p in patterns if "/kfp-notebook/api/" in p]
        print(json.dumps({{
            "handlers": len(loaded),
            "modules": sorted(m for m in sys.modules if m.startswith(("kfp", "docker"))),
        }}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["handlers"] > 0, "the extension did not register its handlers"
    pulled = [m for m in report["modules"] if m.startswith(ENGINE_SIDE)]
    assert pulled == []
    assert "kfp_notebook._server" in report["modules"]


def _median_start(code: str, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def test_importing_the_package_costs_little_over_a_bare_interpreter() -> None:
    bare = _median_start("pass")
    package = _median_start("import kfp_notebook")
    print(f"bare interpreter {bare * 1000:.0f} ms, import kfp_notebook {package * 1000:.0f} ms")
    assert package - bare < 0.150


def test_package_root_loads_names_on_first_use() -> None:
    code = (
        "import sys, kfp_notebook\n"
        "before = [m for m in sys.modules if m.startswith('kfp_notebook.')]\n"
        "kfp_notebook.RunState\n"
        "after = 'kfp_notebook._model.states' in sys.modules\n"
        "print(before, after, sorted(kfp_notebook.__all__) == sorted(set(kfp_notebook.__all__)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] True True"
