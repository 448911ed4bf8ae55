"""Direct calls of components and pipelines in a plain script (no IPython): after
`kfp_notebook.init()` they run through kfp-notebook; after `kfp.local.init(...)` too, with its
settings mapped and one notice; without either, kfp's own message stays."""

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from kfp import local

from kfp_notebook._store.reader import StoreReader

COMPONENTS = """
import warnings
from kfp import dsl

@dsl.component(base_image="python:3.11")
def add(a: int, b: int) -> int:
    return a + b

@dsl.pipeline
def twice(a: int = 1) -> int:
    return add(a=add(a=a, b=a).output, b=1).output
"""


def _script(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"  # KFP reads the components' source from a file
    script.write_text(textwrap.dedent(COMPONENTS) + textwrap.dedent(body))
    return subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )


def test_after_kfp_notebook_init_direct_calls_run_here(tmp_path: Path) -> None:
    done = _script(
        tmp_path,
        f"""
        import kfp_notebook
        kfp_notebook.init(pipeline_root={str(tmp_path / "ours")!r})
        print("component", add(a=2, b=3).output)
        print("pipeline", twice(a=4).output)
        """,
    )
    assert done.returncode == 0, done.stderr
    assert "component 5" in done.stdout and "pipeline 9" in done.stdout
    runs = StoreReader(tmp_path / "ours").list_runs()
    assert sorted(r.pipeline_name for r in runs) == ["add", "twice"]


def test_kfp_local_init_settings_are_mapped_with_one_notice(tmp_path: Path) -> None:
    done = _script(
        tmp_path,
        f"""
        import kfp_notebook
        from kfp import local
        from kfp_notebook._notebook.calls import install_call_hook
        install_call_hook()  # what %load_ext kfp_notebook does
        local.init(runner=local.SubprocessRunner(use_venv=False),
                   pipeline_root={str(tmp_path / "theirs")!r}, raise_on_error=False)
        import os
        from kfp.local import config as local_config
        made = getattr(local_config.LocalExecutionConfig.instance, "workspace_root", None)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            print("first", add(a=1, b=1).output)
            print("second", add(a=2, b=2).output)
        # the folder kfp.local.init made for its workspace: gone, as after a kfp.local run
        print("workspace left", made is not None and os.path.exists(made))
        print("notices", sum("kfp.local.init settings" in str(w.message) for w in seen))
        print(*[str(w.message) for w in seen])
        """,
    )
    assert done.returncode == 0, done.stderr
    assert "first 2" in done.stdout and "second 4" in done.stdout
    assert "notices 1" in done.stdout and "Not taken over" not in done.stdout
    assert "workspace left False" in done.stdout
    runs = StoreReader(tmp_path / "theirs").list_runs()
    assert len(runs) == 2 and all(r.runner == "subprocess" for r in runs)


@pytest.mark.skipif(
    "workspace_root" not in inspect.signature(local.init).parameters,
    reason="this kfp's local.init takes no workspace_root or cache_root",
)
def test_the_notice_names_the_kfp_local_settings_not_taken_over(tmp_path: Path) -> None:
    done = _script(
        tmp_path,
        f"""
        import kfp_notebook
        from kfp import local
        from kfp_notebook._notebook.calls import install_call_hook
        install_call_hook()
        local.init(runner=local.SubprocessRunner(use_venv=False),
                   pipeline_root={str(tmp_path / "theirs")!r},
                   workspace_root={str(tmp_path / "ws")!r}, cache_root={str(tmp_path / "c")!r})
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            print("sum", add(a=1, b=1).output)
        print("notice", *[str(w.message) for w in seen if "kfp.local.init" in str(w.message)])
        """,
    )
    assert done.returncode == 0, done.stderr
    notice = done.stdout.split("notice ", 1)[1]
    assert f"Not taken over: workspace_root {str(tmp_path / 'ws')!r}" in notice, notice
    assert f"cache_root {str(tmp_path / 'c')!r}" in notice, notice


def test_without_any_init_kfp_says_what_to_do(tmp_path: Path) -> None:
    done = _script(tmp_path, "import kfp_notebook\nadd(a=1, b=1)\n")
    assert done.returncode != 0
    assert "local.init()" in done.stderr
