"""Direct calls in a plain script behave like kfp.local's: of `kfp_notebook.init(...)` and
`kfp.local.init(...)`, the one called last decides how the calls run."""

import subprocess
import sys
import textwrap
from pathlib import Path

from kfp_notebook._store.reader import StoreReader

COMPONENTS = """
import warnings
from kfp import dsl

@dsl.component(base_image="python:3.11")
def shout(word: str) -> str:
    print("saying", word)
    return word.upper()

@dsl.component(base_image="python:3.11")
def boom(x: int) -> int:
    raise ValueError(f"no good x {x}")

@dsl.pipeline
def loud(word: str = "hey") -> str:
    return shout(word=shout(word=word).output).output
"""


def _script(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"  # KFP reads the components' source from a file
    script.write_text(textwrap.dedent(COMPONENTS) + textwrap.dedent(body))
    return subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )


def test_the_later_init_wins(tmp_path: Path) -> None:
    a, b, c = (str(tmp_path / name) for name in "abc")
    done = _script(
        tmp_path,
        f"""
        import kfp_notebook
        from kfp import local
        kfp_notebook.init(pipeline_root={a!r})
        print("a", shout(word="a").output)
        local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root={b!r},
                   raise_on_error=False)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            print("b", shout(word="b").output)
            boom(x=1)  # kfp.local's raise_on_error=False is in force too
            print("b again", shout(word="bb").output)
        print("notices", sum("kfp.local.init settings" in str(w.message) for w in seen))
        kfp_notebook.init(pipeline_root={c!r})
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            print("c", shout(word="c").output)
        print("notices then", len(seen))
        """,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "a A" in out and "b B" in out and "b again BB" in out and "c C" in out
    assert "notices 1" in out and "notices then 0" in out
    runs = {p: StoreReader(p).list_runs() for p in (a, b, c)}
    assert [r.pipeline_name for r in runs[a]] == ["shout"]
    assert sorted(r.pipeline_name for r in runs[b]) == ["boom", "shout", "shout"]
    assert all(r.runner == "subprocess" for r in runs[b])
    assert [r.pipeline_name for r in runs[c]] == ["shout"]
