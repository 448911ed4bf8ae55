"""Conditions and selectors as the KFP compiler writes them."""

import pytest

from kfp_notebook._errors import PipelineSpecError
from kfp_notebook._spec.cel import evaluate_condition, evaluate_selector

pytestmark = pytest.mark.unit

P = "inputs.parameter_values"


@pytest.mark.parametrize(
    ("expression", "values", "expected"),
    [
        (
            f"{P}['pipelinechannel--flip-Output'] == 'heads'",
            {"pipelinechannel--flip-Output": "heads"},
            True,
        ),
        (f"!({P}['a'] == 'heads') && {P}['a'] == 'tails'", {"a": "tails"}, True),
        (f"!({P}['a'] == 'heads') && !({P}['a'] == 'tails')", {"a": "tails"}, False),
        (f"int({P}['n']) > 2", {"n": 3}, True),
        (f"int({P}['n']) > 2", {"n": 2.0}, False),
        (f"double({P}['x']) <= 2.5", {"x": 2.5}, True),
        (f"{P}['b'] == true", {"b": True}, True),
        (f"{P}['b'] == 'true'", {"b": True}, True),
        (f"{P}['s'] == \"it's\"", {"s": "it's"}, True),
        (f"{P}['n'] == 'x' || {P}['n'] != 3", {"n": 3}, False),
        (f"{P}['n'] == '3'", {"n": 3}, False),
    ],
)
def test_conditions(expression: str, values: dict, expected: bool) -> None:
    assert evaluate_condition(expression, values) is expected


def test_unknown_input_and_bad_ordering_raise_clear_errors() -> None:
    with pytest.raises(PipelineSpecError, match="reads input 'missing'"):
        evaluate_condition(f"{P}['missing'] == 1", {})
    with pytest.raises(PipelineSpecError, match="cannot order"):
        evaluate_condition(f"{P}['s'] > 1", {"s": "text"})
    with pytest.raises(PipelineSpecError, match="cannot read"):
        evaluate_condition("__import__('os') ; 1", {})


def test_selectors() -> None:
    assert evaluate_selector('parseJson(string_value)["a"]', {"a": 1}) == 1
    assert evaluate_selector('parseJson(string_value)["a"]["b"]', '{"a": {"b": [1]}}') == [1]
