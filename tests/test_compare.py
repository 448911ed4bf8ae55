"""Comparing recorded runs: experiments stored per run, the comparison model (parameters,
metrics, classification metrics, documents, tasks, changed code), its Python object (pandas,
HTML, CSV, Markdown), the CLI and the trend, over real runs made through a Session."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

import kfp_notebook
from kfp_notebook import Session
from kfp_notebook._api.experiments import notebook_file_name
from kfp_notebook._cli import main
from kfp_notebook._store.index import connect_readonly, experiment_names
from kfp_notebook._store.reader import StoreReader
from kfp_notebook._views.compare.model import ComparisonError, compare_runs
from kfp_notebook._views.compare.rows import higher_is_better
from kfp_notebook._views.compare.trend import trend
from tests.support.compare_pipelines import Runs, make_runs, other


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return make_runs((tmp_path_factory.mktemp("cmp") / "outputs").resolve())


def cli(*args: str, root: Path) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, "-m", "kfp_notebook", *args, "--pipeline-root", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )


# ----------------------------------------------------------------------------- experiments


def test_experiments_are_stored_and_filter_listings(runs: Runs, pipeline_root: Path) -> None:
    reader = StoreReader(runs.root)
    try:
        assert reader.get_run(runs.ids["a"]).experiment == "sweep"  # the session's
        assert reader.get_run(runs.ids["d"]).experiment == "misc"  # the run's own wins
        assert [r.run_id for r in reader.list_runs(experiment="misc")] == [runs.ids["d"]]
        assert len(reader.list_runs(experiment="sweep")) == 10
    finally:
        reader.close()
    db = connect_readonly(runs.root)
    assert db is not None and experiment_names(db) == {"misc": 1, "sweep": 10}
    db.close()
    listed = cli("runs", "--experiment", "misc", "--json", root=runs.root)
    assert listed.returncode == 0, listed.stderr
    assert [r["run_id"] for r in json.loads(listed.stdout)] == [runs.ids["d"]]
    assert json.loads(listed.stdout)[0]["experiment"] == "misc"

    # No experiment given outside a kernel: the pipeline's name.
    plain_session = Session(pipeline_root=pipeline_root, raise_on_error=False)
    try:
        run = plain_session.run(other, {"x": 1})
        assert run.record.experiment == "other"
    finally:
        plain_session.close()


def test_cli_run_takes_an_experiment(tmp_path: Path, compile_to: Any) -> None:
    path = compile_to(other)
    root = tmp_path / "cli-root"
    done = subprocess.run(
        [sys.executable, "-m", "kfp_notebook", "run", str(path), "--pipeline-root", str(root),
         "--experiment", "from-cli", "--quiet"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    reader = StoreReader(root)
    assert [r.experiment for r in reader.list_runs()] == ["from-cli"]
    reader.close()


def test_notebook_file_name_is_taken_only_from_a_notebook_path() -> None:
    assert notebook_file_name("/home/me/work/train.ipynb") == "train.ipynb"
    assert notebook_file_name("C:\\work\\eval.ipynb") == "eval.ipynb"
    assert notebook_file_name("file:///x/y/z.ipynb?kernel=1") == "z.ipynb"
    assert notebook_file_name("1b7e0c9e-5f1d-4c1f-9d0b-2f8f1b4c9a11") is None
    assert notebook_file_name(".ipynb") is None and notebook_file_name(None) is None


# ----------------------------------------------------------------------------- the model


def compared(runs: Runs, *keys: str) -> Dict[str, Any]:
    reader = StoreReader(runs.root)
    try:
        return dict(compare_runs(reader, [runs.ids[k] for k in keys]))
    finally:
        reader.close()


def test_different_parameters_are_marked(runs: Runs) -> None:
    data = compared(runs, "a", "b")
    params = {p["name"]: p for p in data["parameters"]}
    assert params["lr"]["values"] == [0.1, 0.2] and params["lr"]["differs"] is True
    assert params["epochs"]["values"] == [2, 2] and params["epochs"]["differs"] is False
    assert data["same_pipeline"] is True
    assert [r["run_id"] for r in data["runs"]] == [runs.ids["a"], runs.ids["b"]]


def test_different_metrics_best_marked_by_direction(runs: Runs) -> None:
    metrics = {m["key"]: m for m in compared(runs, "a", "b")["metrics"]}
    accuracy, loss = metrics["fit/accuracy"], metrics["fit/loss"]
    assert accuracy["values"] == [0.9, 0.8] and accuracy["best"] == [0]
    assert accuracy["higher_is_better"] is True and accuracy["differs"] is True
    assert loss["values"] == [pytest.approx(0.3), pytest.approx(0.6)]
    assert loss["higher_is_better"] is False and loss["best"] == [0]
    assert [higher_is_better(n) for n in ("val_loss", "RMSE", "latency_ms", "f1", "auc")] == [
        False, False, False, True, True,
    ]  # fmt: skip


def test_runs_of_different_pipelines_align_by_task_and_miss_metrics(runs: Runs) -> None:
    data = compared(runs, "a", "d")
    assert data["same_pipeline"] is False
    tasks = {t["task_id"]: t for t in data["tasks"]}
    assert tasks["fit"]["statuses"] == ["SUCCEEDED", None]
    assert tasks["plain"]["statuses"] == [None, "SUCCEEDED"]
    assert tasks["plain"]["durations"][1] > 0 and tasks["plain"]["durations"][0] is None
    metrics = {m["key"]: m for m in data["metrics"]}
    assert metrics["fit/accuracy"]["values"] == [0.9, None]  # missing in the other pipeline
    assert metrics["fit/accuracy"]["best"] == [0] and metrics["fit/accuracy"]["differs"]
    params = {p["name"]: p for p in data["parameters"]}
    assert params["x"]["values"] == [None, 3] and params["x"]["differs"]


def test_changed_component_code_and_previews(runs: Runs) -> None:
    data = compared(runs, "a", "b", "c")
    tasks = {t["task_id"]: t for t in data["tasks"]}
    fit_digests = tasks["fit"]["digests"]
    assert fit_digests[0] == fit_digests[1] != fit_digests[2]
    assert tasks["fit"]["code_changed"] is True and tasks["report"]["code_changed"] is False
    assert data["changed_components"] == ["comp-fit"]
    assert tasks["fit"]["cached"] == [False, False, False]
    (quality,) = data["classification"]
    assert quality["task_id"] == "report" and quality["name"] == "quality"
    first = quality["previews"][0]
    assert first["kind"] == "classification"
    assert first["confusion_matrix"] == {"labels": ["no", "yes"], "matrix": [[5, 1], [2, 7]]}
    assert [p["tpr"] for p in first["roc"]] == [0.0, 0.9, 1.0]
    kinds = {d["name"]: [p["kind"] for p in d["previews"]] for d in data["documents"]}
    assert kinds == {"notes": ["markdown"] * 3, "page": ["html"] * 3}
    json.dumps(data, allow_nan=False)


def test_ten_runs_and_wrong_counts(runs: Runs) -> None:
    reader = StoreReader(runs.root)
    try:
        ten = [runs.ids["a"], runs.ids["b"], runs.ids["c"], *runs.sweep]
        data = compare_runs(reader, ten)
        assert len(data["runs"]) == 10
        accuracy = next(m for m in data["metrics"] if m["key"] == "fit/accuracy")
        assert len(accuracy["values"]) == 10 and None not in accuracy["values"]
        assert accuracy["values"][accuracy["best"][0]] == max(accuracy["values"])
        for wrong in ([runs.ids["a"]], [*ten, runs.ids["d"]], [runs.ids["a"], "nope"]):
            with pytest.raises(ComparisonError):
                compare_runs(reader, wrong)
    finally:
        reader.close()


def test_trend_over_an_experiment_in_time_order(runs: Runs) -> None:
    reader = StoreReader(runs.root)
    try:
        shown = trend(reader, "sweep", "fit/accuracy")
        assert [p["run_id"] for p in shown["points"]] == [
            runs.ids["a"], runs.ids["b"], runs.ids["c"], *runs.sweep
        ]  # fmt: skip
        assert [p["value"] for p in shown["points"]][:3] == [0.9, 0.8, 0.95]
        assert [p["value"] for p in trend(reader, "sweep", "loss", last=2)["points"]] == [
            pytest.approx(0.18), pytest.approx(0.21)
        ]  # fmt: skip
        with pytest.raises(ComparisonError, match="fit/accuracy"):
            trend(reader, "sweep", "f1")
    finally:
        reader.close()


# ----------------------------------------------------------------------------- Python object


def test_compare_object_pandas_csv_markdown(runs: Runs) -> None:
    result = kfp_notebook.compare([runs.ids["a"], runs.ids["d"]], pipeline_root=runs.root)
    frame = result.to_pandas()
    assert list(frame.index) == [runs.ids["a"], runs.ids["d"]]
    assert frame["param:lr"].dtype.kind == "f" and frame["param:x"].dtype.kind == "f"
    assert frame.loc[runs.ids["d"], "param:x"] == 3 and math.isnan(
        frame.loc[runs.ids["a"], "param:x"]
    )
    assert frame["metric:fit/accuracy"].dtype.kind == "f"
    assert frame.loc[runs.ids["a"], "metric:fit/accuracy"] == 0.9
    assert frame["status"].tolist() == ["SUCCEEDED", "SUCCEEDED"]
    same = kfp_notebook.compare([runs.ids["a"], runs.ids["b"]], pipeline_root=runs.root)
    assert same.to_pandas()["param:epochs"].dtype.kind == "i"  # ints stay ints
    csv_text = same.to_csv()
    assert csv_text.splitlines()[0].startswith("run_id,pipeline,experiment,status,created")
    assert "param:lr" in csv_text.splitlines()[0] and ",0.2," in csv_text.splitlines()[2]
    text = same.to_markdown()
    assert "| lr | 0.1 | 0.2 |" in text and "| fit/accuracy | **0.9** | 0.8 |" in text


def test_compare_takes_runs_or_an_experiment(runs: Runs) -> None:
    handles = [kfp_notebook.Run(StoreReader(runs.root), runs.ids[k]) for k in ("a", "b")]
    assert kfp_notebook.compare(handles).run_ids == [runs.ids["a"], runs.ids["b"]]
    latest = kfp_notebook.compare(experiment="sweep", last=3, pipeline_root=runs.root)
    assert latest.run_ids == runs.sweep[-3:]
    with pytest.raises(kfp_notebook.KfpNotebookError, match="2 to 10"):
        kfp_notebook.compare([runs.ids["a"]], pipeline_root=runs.root)


def test_html_export_is_self_contained_and_escaped(runs: Runs, tmp_path: Path) -> None:
    result = kfp_notebook.compare(
        experiment="sweep", last=3, pipeline_root=runs.root, trend_metric="fit/accuracy"
    )
    target = tmp_path / "cmp.html"
    text = result.to_html(target)
    assert target.read_text() == text
    lowered = text.lower()
    assert "<script" not in lowered and "<img" not in lowered
    assert "http://" not in lowered.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in lowered
    assert "&lt;script&gt;alert(" in text  # the Markdown artifact's text, escaped
    assert "<iframe sandbox=''" in text  # the HTML artifact: shown, never run
    assert text.count("<svg") == 2  # the ROC curves overlaid and the trend
    assert text.count("<polyline") == 3 + 1 and text.count("<circle") == 10  # 3 runs; trend
    inline = result._repr_html_()
    assert "<script" not in inline.lower() and "<table>" in inline


# ----------------------------------------------------------------------------- CLI


def test_cli_table_json_csv(runs: Runs) -> None:
    table = cli("compare", runs.ids["a"], runs.ids["b"], runs.ids["c"], root=runs.root)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert any(line.split()[:3] == ["lr", "0.1", "0.2"] for line in lines), table.stdout
    assert not any(line.split()[:1] == ["epochs"] for line in lines)  # equal: not shown
    accuracy = next(line for line in lines if line.strip().startswith("fit/accuracy"))
    assert accuracy.split()[1:] == ["0.9", "0.8", "0.95*"]
    loss = next(line for line in lines if line.strip().startswith("fit/loss"))
    assert loss.split()[1:] == ["0.3", "0.6", "0.2*"]
    assert "components changed: comp-fit" in table.stdout
    as_json = cli("compare", runs.ids["a"], runs.ids["b"], "--json", root=runs.root)
    data = json.loads(as_json.stdout)
    assert [r["run_id"] for r in data["runs"]] == [runs.ids["a"], runs.ids["b"]]
    as_csv = cli("compare", "--experiment", "sweep", "--last", "2", "--csv", root=runs.root)
    rows = as_csv.stdout.splitlines()
    assert len(rows) == 3 and rows[1].startswith(runs.sweep[-2] + ",train,sweep,SUCCEEDED,")
    shown = cli("compare", "--experiment", "sweep", "--trend", "accuracy", root=runs.root)
    assert shown.returncode == 0 and len(shown.stdout.splitlines()) == 11


@pytest.mark.parametrize(
    "args, message",
    [
        (["only-one"], "2 to 10"),
        (["a", "b", "--experiment", "sweep"], "not both"),
        (["--last", "3"], "--experiment"),
        (["--experiment", "sweep", "--last", "1"], "2 to 10"),
        (["--trend", "loss"], "--experiment"),
        (["--experiment", "sweep", "--json", "--csv"], "one of"),
        (["--experiment", "nobody"], "0 run(s)"),
    ],
)
def test_cli_usage_mistakes_exit_2_with_one_message(
    runs: Runs,
    args: List[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("_KFP_RUNTIME", "true")  # what main() sets; undone after the test
    assert main(["compare", *args, "--pipeline-root", str(runs.root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1


def test_cli_unknown_run_exit_2(
    runs: Runs, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("_KFP_RUNTIME", "true")
    assert main(["compare", runs.ids["a"], "nope", "--pipeline-root", str(runs.root)]) == 2
    assert "no run 'nope'" in capsys.readouterr().err


KERNEL_CELL = """
import os, kfp_notebook
from kfp import dsl

@dsl.component(base_image="python:3.11")
def one() -> int:
    return 1

kfp_notebook.init(pipeline_root={root!r})
named = kfp_notebook.run(one).record.experiment
os.environ.pop("JPY_SESSION_NAME", None)
get_ipython().user_ns.pop("__session__", None)
unnamed = kfp_notebook.run(one).record.experiment
chosen = kfp_notebook.run(one, experiment="mine").record.experiment
print("EXPERIMENTS", named, unnamed, chosen)
"""


def test_default_experiment_in_a_kernel_is_the_notebook_file(tmp_path: Path) -> None:
    """Jupyter tells a kernel its notebook through JPY_SESSION_NAME (and ipykernel's
    __session__); without either the experiment is "notebook"."""
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "JPY_SESSION_NAME": str(tmp_path / "work" / "analysis.ipynb")}
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env)
    try:
        lines: List[str] = []

        def output(msg: Dict[str, Any]) -> None:
            if msg["msg_type"] == "stream":
                lines.append(msg["content"]["text"])
            if msg["msg_type"] == "error":
                lines.append("\n".join(msg["content"]["traceback"]))

        code = KERNEL_CELL.format(root=str(tmp_path / "outputs"))
        reply = client.execute_interactive(code, timeout=180, output_hook=output)
        assert reply["content"]["status"] == "ok", "".join(lines)
        printed = next(line for line in "".join(lines).splitlines() if "EXPERIMENTS" in line)
        assert printed.split()[1:] == ["analysis.ipynb", "notebook", "mine"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_to_pandas_without_pandas_names_the_extra(
    runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = kfp_notebook.compare([runs.ids["a"], runs.ids["b"]], pipeline_root=runs.root)
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` raises ImportError
    with pytest.raises(kfp_notebook.KfpNotebookError, match=r"kfp-notebook-runner\[compare\]"):
        result.to_pandas()


def test_cached_tasks_are_marked(tmp_path: Path) -> None:
    session = Session(pipeline_root=tmp_path / "cached", cache=True, raise_on_error=False)
    try:
        first, second = session.run(other, {"x": 5}), session.run(other, {"x": 5})
    finally:
        session.close()
    reader = StoreReader(tmp_path / "cached")
    try:
        (plain,) = compare_runs(reader, [first.run_id, second.run_id])["tasks"]
    finally:
        reader.close()
    assert plain["task_id"] == "plain" and plain["cached"] == [False, True]
    assert plain["statuses"] == ["SUCCEEDED", "CACHED"] and plain["code_changed"] is False
