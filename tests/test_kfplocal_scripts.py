"""Direct calls in a plain script behave like kfp.local's: every task's output is streamed and a
failed task or run is said (also with raise_on_error=False); and of `kfp_notebook.init(...)` and
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


def test_a_component_called_in_a_script_streams_its_output(tmp_path: Path) -> None:
    done = _script(
        tmp_path,
        f"""
        import kfp_notebook
        kfp_notebook.init(pipeline_root={str(tmp_path / "ours")!r})
        print("before")
        print("got", shout(word="hi").output)
        print("pipeline", loud(word="yo").output)
        """,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "saying hi" in out and "saying yo" in out and "saying YO" in out
    # kfp.local's order: the script's own lines and the run's lines as they happen
    assert out.index("before") < out.index("saying hi") < out.index("got HI")
    assert out.index("got HI") < out.index("saying yo") < out.index("pipeline YO")
    assert "SUCCEEDED" in out
    assert sorted(r.pipeline_name for r in StoreReader(tmp_path / "ours").list_runs()) == [
        "loud",
        "shout",
    ]


def test_a_failing_component_shows_its_traceback_and_one_failure_line(tmp_path: Path) -> None:
    done = _script(
        tmp_path,
        f"""
        import kfp_notebook
        kfp_notebook.init(pipeline_root={str(tmp_path / "ours")!r})
        boom(x=3)
        print("not reached")
        """,
    )
    assert done.returncode != 0
    assert "not reached" not in done.stdout
    both = done.stdout + done.stderr
    assert both.count("ValueError: no good x 3") == 1, both  # the task's traceback, once
    assert "Traceback" in done.stdout
    assert done.stdout.count("boom FAILED") == 1, done.stdout
    assert "RunFailedError" in done.stderr  # the call raised, as kfp.local's does


def test_with_raise_on_error_false_a_failure_is_still_said(tmp_path: Path) -> None:
    done = _script(
        tmp_path,
        f"""
        import kfp_notebook
        kfp_notebook.init(pipeline_root={str(tmp_path / "ours")!r}, raise_on_error=False)
        boom(x=4)
        print("went on")
        """,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("ValueError: no good x 4") == 1, out
    assert out.count("boom FAILED") == 1, out
    assert out.index("boom FAILED") < out.index("went on")


def test_calls_in_two_threads_each_print_their_own_run(tmp_path: Path) -> None:
    done = _script(
        tmp_path,
        f"""
        import threading
        import kfp_notebook

        @dsl.component(base_image="python:3.11")
        def slow(word: str) -> str:
            import time
            time.sleep(1.0)  # the two runs overlap
            print("slowly", word)
            return word

        kfp_notebook.init(pipeline_root={str(tmp_path / "ours")!r})
        calls = [threading.Thread(target=slow, kwargs={{"word": w}}) for w in ("one", "two")]
        for call in calls:
            call.start()
        for call in calls:
            call.join()
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("slowly one") == 1 and done.stdout.count("slowly two") == 1
    assert done.stdout.count("SUCCEEDED in") == 2, done.stdout


def test_kfp_notebook_run_stays_silent_in_a_script(tmp_path: Path) -> None:
    done = _script(
        tmp_path,
        f"""
        import kfp_notebook
        kfp_notebook.init(pipeline_root={str(tmp_path / "ours")!r})
        print("got", kfp_notebook.run(shout, {{"word": "hi"}}).output)
        """,
    )
    assert done.returncode == 0, done.stderr
    assert "got HI" in done.stdout and "saying" not in done.stdout


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
