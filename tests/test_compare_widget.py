"""The comparison widget in a kernel: `NotebookComparison` publishes one output holding the
widget view and the static HTML fallback; the widget's synced traits hold the comparison and
the trend as the JSON shape; outside a kernel `kfp_notebook.compare` stays a plain object."""

from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import kfp_notebook
from kfp_notebook._notebook.compare_widget import CompareWidget, NotebookComparison
from kfp_notebook._views.compare.comparison import Comparison
from tests.support.compare_pipelines import Runs, make_runs

pytestmark = pytest.mark.unit

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return make_runs((tmp_path_factory.mktemp("cmpw") / "outputs").resolve())


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()


def test_outside_a_kernel_compare_is_the_plain_object(runs: Runs) -> None:
    found = kfp_notebook.compare([runs.ids["a"], runs.ids["b"]], pipeline_root=runs.root)
    assert type(found) is Comparison
    assert found.run_ids == [runs.ids["a"], runs.ids["b"]]


def test_display_publishes_the_widget_and_the_html_fallback(runs: Runs, shell: object) -> None:
    plain = kfp_notebook.compare(
        experiment="sweep", last=3, pipeline_root=runs.root, trend_metric="accuracy"
    )
    shown = NotebookComparison(plain.data, plain.trend)
    with capture_output() as captured:
        shown._ipython_display_()
    assert len(captured.outputs) == 2
    data = captured.outputs[0].data
    assert data[WIDGET_VIEW]["model_id"]
    assert data["text/html"] == plain._repr_html_()
    assert data["text/plain"] == repr(plain)
    assert shown.to_csv() == plain.to_csv()  # the exports are the same object's
    hint = captured.outputs[1].data["text/plain"]
    assert hint.startswith("re-display this comparison with ")
    assert hint.endswith("%kfp compare --experiment sweep --last 3 --trend accuracy")

    widget = CompareWidget(shown)
    assert widget.comparison == plain.data
    assert plain.trend is not None and widget.trend == plain.trend
    assert len(widget.trend["points"]) == 10
    assert "kfpc-root" in str(widget._esm)  # the comparison bundle, not the run widget's
    widget.close()


def test_a_comparison_without_trend_sends_an_empty_trend(runs: Runs) -> None:
    plain = kfp_notebook.compare([runs.ids["a"], runs.ids["c"]], pipeline_root=runs.root)
    widget = CompareWidget(plain)
    assert widget.trend == {}
    assert NotebookComparison(plain.data).redisplay_command() == (
        f"%kfp compare {runs.ids['a']} {runs.ids['c']}"
    )
    assert [r["run_id"] for r in widget.comparison["runs"]] == [runs.ids["a"], runs.ids["c"]]
    widget.close()
