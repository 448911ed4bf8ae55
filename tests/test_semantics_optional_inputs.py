"""Optional inputs and defaults through nested pipelines, resolved along the whole chain as the
KFP backend does (backend/src/v2/driver/resolve.go, resolveInputs: a DAG driver gives every
input not passed to it its declared default, else null; a task input bound to a null one is not
passed, so the task's own default applies): a value passed at any level wins, otherwise the
innermost declared default, nil and non-nil defaults at parent and child level alike.
KFP's own cases: test_data/sdk_compiled_pipelines/valid/parallel_and_nested/
nested_pipeline_opt_input*.py."""

from typing import Optional

from kfp import dsl

from kfp_notebook import RunState

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def show_bool(x: bool = False) -> str:
    return repr(x)


@dsl.component(base_image=IMAGE)
def show_int(x: int = 1) -> str:
    return repr(x)


@dsl.component(base_image=IMAGE)
def show_opt(x: Optional[int] = None) -> str:
    return repr(x)


@dsl.component(base_image=IMAGE)
def show_nil_bool(x: bool = None) -> str:  # type: ignore[assignment]  # noqa: RUF013 (KFP's test data)
    return repr(x)


@dsl.pipeline
def child_nil(b: Optional[bool] = None, i: Optional[int] = None):
    show_bool(x=b)
    show_int(x=i)
    show_opt(x=i)
    show_nil_bool(x=b)


@dsl.pipeline
def child_set(b: bool = True, i: int = 0):
    show_bool(x=b)
    show_int(x=i)
    show_opt(x=i)
    show_nil_bool(x=b)


@dsl.pipeline
def parent(
    pnil_b: Optional[bool] = None,
    pnil_i: Optional[int] = None,
    pset_b: bool = True,
    pset_i: int = 5,
):
    child_nil()  # child-nil: nothing passed, child defaults nil
    child_set()  # child-set: nothing passed, child defaults set
    child_nil(b=pnil_b, i=pnil_i)  # child-nil-2: parent nil, child nil
    child_set(b=pnil_b, i=pnil_i)  # child-set-2: parent nil, child set
    child_nil(b=pset_b, i=pset_i)  # child-nil-3: parent set, child nil
    child_set(b=pset_b, i=pset_i)  # child-set-3: parent set, child set


def _values(run, child: str) -> tuple[str, str, str, str]:
    tasks = run.tasks
    return tuple(  # type: ignore[return-value]
        tasks[f"{child}/{name}"].outputs["Output"]
        for name in ("show-bool", "show-int", "show-opt", "show-nil-bool")
    )


def test_defaults_resolve_along_the_nested_chain(session, compile_to) -> None:
    run = session.run(compile_to(parent))
    assert run.status is RunState.SUCCEEDED, run.error
    # nothing declared above the component: its own default (False, 1, None, None)
    assert _values(run, "child-nil") == ("False", "1", "None", "None")
    assert _values(run, "child-nil-2") == ("False", "1", "None", "None")
    # the child pipeline's default wins over the component's (bool False -> True, int 1 -> 0)
    assert _values(run, "child-set") == ("True", "0", "0", "True")
    assert _values(run, "child-set-2") == ("True", "0", "0", "True")
    # the parent's default wins over the child's and the component's
    assert _values(run, "child-nil-3") == ("True", "5", "5", "True")
    assert _values(run, "child-set-3") == ("True", "5", "5", "True")


def test_a_value_passed_at_the_top_wins_everywhere(session, compile_to) -> None:
    run = session.run(compile_to(parent), {"pnil_b": False, "pnil_i": 7, "pset_i": 0})
    assert run.status is RunState.SUCCEEDED, run.error
    assert _values(run, "child-nil-2") == ("False", "7", "7", "False")
    assert _values(run, "child-set-2") == ("False", "7", "7", "False")
    assert _values(run, "child-set-3") == ("True", "0", "0", "True")
    # untouched: nothing was passed to these children
    assert _values(run, "child-set") == ("True", "0", "0", "True")


@dsl.pipeline
def grandchild(i: int = 3):
    show_int(x=i)


@dsl.pipeline
def middle(i: Optional[int] = None):
    grandchild(i=i)


@dsl.pipeline
def top():
    middle()


def test_a_nil_level_in_between_passes_nothing(session) -> None:
    """top -> middle (nil default) -> grandchild (3): nothing passed, so the innermost declared
    default, the grandchild's 3, applies; not the middle's null."""
    run = session.run(top)
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.tasks["middle/grandchild/show-int"].outputs["Output"] == "3"


@dsl.component(base_image=IMAGE)
def show_text(x: Optional[str] = None) -> str:
    return repr(x)


@dsl.pipeline
def groups_over_nil(x: Optional[str] = None):
    with dsl.If(x == "a"):
        show_text(x=x)
    with dsl.ParallelFor([1, 2]):
        show_text(x=x)


def test_an_unset_optional_input_passes_through_conditions_and_loops(session) -> None:
    """Conditions and loops are DAGs the compiler made, whose inputs are never optional: an
    unset optional pipeline input reaches them as null, not as a missing value."""
    run = session.run(groups_over_nil)
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.tasks["condition-1/show-text"].status.value == "SKIPPED"
    assert run.tasks["for-loop-3[0]/show-text-2"].outputs["Output"] == "None"
    run = session.run(groups_over_nil, {"x": "a"})
    assert run.tasks["condition-1/show-text"].outputs["Output"] == "'a'"
    assert run.tasks["for-loop-3[1]/show-text-2"].outputs["Output"] == "'a'"
