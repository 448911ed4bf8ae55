"""The JSON shape of a comparison of 2 to 10 runs and of a metric's trend: what
`compare_runs` and `trend` return, and every renderer (Python or TypeScript) draws. Part of the
one shape: the TypeScript copy is generated with the rest (`_views/typescript.py`)."""

from typing import Any

from typing_extensions import TypedDict

from kfp_notebook._model.states import RunState, TaskState
from kfp_notebook._views.shape import PreviewJSON, RunJSON

__all__ = [
    "ComparedArtifact",
    "ComparedMetric",
    "ComparedParameter",
    "ComparedTask",
    "ComparisonJSON",
    "ComparisonSection",
    "PerRunTable",
    "SectionRow",
    "TrendJSON",
    "TrendPoint",
]


class ComparedParameter(TypedDict):
    name: str
    values: list[Any]  # one per compared run, in order; null where the run has no such argument
    text: list[str]  # the values as every view writes them ("-" for null)
    differs: bool


class ComparedMetric(TypedDict):
    key: str  # "TASK/METRIC", or "TASK/ARTIFACT/METRIC" when a task logs several Metrics
    task_id: str
    artifact: str
    name: str
    values: list[float | None]  # one per run; null where the run has no such metric
    text: list[str]  # the values as every view writes them ("-" for null)
    higher_is_better: bool  # guessed from the name: loss, error, mse, time... are lower-better
    # indexes of the runs with the best value, and with the best under the other direction;
    # empty when no run has a value or every run has the same one
    best: list[int]
    best_reversed: list[int]
    differs: bool


class ComparedArtifact(TypedDict):
    """One artifact of one task (aligned by task id) in every run: classification metrics,
    Markdown or HTML, each run's preview side by side."""

    task_id: str
    name: str
    type: str  # system.ClassificationMetrics, system.Markdown, system.HTML
    previews: list[PreviewJSON | None]  # one per run; null where the run has no such artifact


class ComparedTask(TypedDict):
    task_id: str
    name: str
    component: str
    statuses: list[TaskState | None]  # one per run; null where the run has no such task
    durations: list[float | None]
    cached: list[bool]
    digests: list[str | None]  # of the component's image, command and args (code, packages)
    code_changed: bool  # the digests differ between runs that have the task
    differs: bool  # code, status or caching differ between the runs


class PerRunTable(TypedDict):
    """One row per run (CSV, pandas): run_id ... then `param:NAME` and `metric:KEY` columns."""

    columns: list[str]
    rows: list[list[Any]]


class SectionRow(TypedDict):
    label: str
    cells: list[str]  # one per run
    metric: str | None  # a metric's key: its best cells are marked (under its direction)


class ComparisonSection(TypedDict):
    title: str
    rows: list[SectionRow]
    note: str


class ComparisonJSON(TypedDict):
    """2 to 10 runs side by side, of one pipeline or several (tasks aligned by task id).
    `table` and `sections` are computed from the rest once, for every renderer."""

    runs: list[RunJSON]
    same_pipeline: bool
    parameters: list[ComparedParameter]
    metrics: list[ComparedMetric]
    classification: list[ComparedArtifact]
    documents: list[ComparedArtifact]  # Markdown and HTML
    tasks: list[ComparedTask]
    changed_components: list[str]  # components whose code or packages differ between runs
    table: PerRunTable
    sections: list[ComparisonSection]


class TrendPoint(TypedDict):
    run_id: str
    created: float
    status: RunState
    value: float | None
    text: str  # the value as every view writes it


class TrendJSON(TypedDict):
    """One metric over an experiment's runs, oldest first."""

    experiment: str
    metric: str
    higher_is_better: bool
    best: list[int]  # indexes of the points with the best value (as in ComparedMetric)
    best_reversed: list[int]
    points: list[TrendPoint]
