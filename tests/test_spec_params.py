"""Parameter types (kfp_notebook._spec.params): coercion between tasks as the backend does it,
strict checks of user arguments, and `--param` parsing. Pure code, no processes."""

import pytest

from kfp_notebook._spec.params import (
    ParameterTypeError,
    check_argument,
    coerce,
    describe_type,
    parse_cli_value,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (3.0, "NUMBER_INTEGER", 3),
        (3.5, "NUMBER_INTEGER", 3.5),  # not whole: left for the task to reject
        (3.0, "NUMBER_DOUBLE", 3.0),
        ([1.0, 2.0, 2.5], "LIST", [1, 2, 2.5]),
        ({"a": {"b": [4.0]}}, "STRUCT", {"a": {"b": [4]}}),
        ("[1, 2]", "LIST", [1, 2]),  # a list that arrived as JSON text
        ("not json", "LIST", "not json"),
        ('{"k": 1}', "LIST", '{"k": 1}'),  # JSON of the wrong shape stays text
        ("3.0", "STRING", "3.0"),
        (True, "BOOLEAN", True),
    ],
)
def test_coerce_undoes_protobuf_number_widening(value, kind, expected) -> None:
    out = coerce(value, kind)
    assert out == expected and type(out) is type(expected)


def test_check_argument_refuses_wrong_types_with_an_example() -> None:
    with pytest.raises(ParameterTypeError, match=r"'n' expects an integer .* Pass e.g. n=3"):
        check_argument("n", "3", "NUMBER_INTEGER")
    with pytest.raises(ParameterTypeError, match="expects a number"):
        check_argument("x", True, "NUMBER_DOUBLE")  # a bool is not a number here
    assert check_argument("n", 3.0, "NUMBER_INTEGER") == 3
    assert check_argument("xs", [1.0], "LIST") == [1]


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("7", "NUMBER_INTEGER", 7),
        ("0.25", "NUMBER_DOUBLE", 0.25),
        ("YES", "BOOLEAN", True),
        ("0", "BOOLEAN", False),
        ("[1, 2.0]", "LIST", [1, 2]),
        ('{"a": 1}', "STRUCT", {"a": 1}),
        ("hello", "STRING", "hello"),
    ],
)
def test_parse_cli_value(text, kind, expected) -> None:
    assert parse_cli_value("p", text, kind) == expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [("seven", "NUMBER_INTEGER"), ("maybe", "BOOLEAN"), ("{", "STRUCT"), ("[1]", "STRUCT")],
)
def test_parse_cli_value_says_what_to_pass(text, kind) -> None:
    with pytest.raises(ParameterTypeError, match=f"expects {describe_type(kind)}"):
        parse_cli_value("p", text, kind)
