"""serve's List calls page and sort as the backend does (backend/src/apiserver/list/list.go):
20 a page when none is asked, never more than 200, `sort_by` as "field", "field asc" or
"field desc" on a field the messages have (with `name` and `id` as aliases), else 400."""

import pytest

from kfp_notebook._kfp_api.convert import ListQuery

pytestmark = pytest.mark.unit

ROWS = [
    {"run_id": f"r{i:03d}", "display_name": f"n{(7 * i) % 250:03d}", "created_at": f"{i:03d}"}
    for i in range(250)
]


def test_a_page_is_20_by_default_and_200_at_most_with_a_token_for_the_rest() -> None:
    page, total, token = ListQuery({}).apply(ROWS)
    assert (len(page), total) == (20, 250) and token
    page, total, token = ListQuery({"page_size": "1000"}).apply(ROWS)
    assert (len(page), total) == (200, 250) and token
    rest, _, end = ListQuery({"page_size": "1000", "page_token": token}).apply(ROWS)
    assert len(rest) == 50 and end == ""
    assert {r["run_id"] for r in page + rest} == {r["run_id"] for r in ROWS}


def test_sort_by_takes_the_backends_forms_and_refuses_others() -> None:
    newest = ListQuery({"sort_by": "created_at DESC", "page_size": "3"}).apply(ROWS)[0]
    assert [r["run_id"] for r in newest] == ["r249", "r248", "r247"]
    by_name = ListQuery({"sort_by": "name asc", "page_size": "2"}).apply(ROWS)[0]
    assert [r["display_name"] for r in by_name] == ["n000", "n001"]
    by_id = ListQuery({"sort_by": "id desc", "page_size": "1"}).apply(ROWS)[0]
    assert by_id[0]["run_id"] == "r249"
    for bad in ("created_at down", "created_at desc extra"):
        with pytest.raises(ValueError, match="invalid sort by format"):
            ListQuery({"sort_by": bad})
    with pytest.raises(ValueError, match="Invalid sorting field"):
        ListQuery({"sort_by": "colour"}).apply(ROWS)
    with pytest.raises(ValueError, match="must not be negative"):
        ListQuery({"page_size": "-1"})


def test_the_runs_parsed_files_held_are_the_latest_few() -> None:
    """A listing reads every run's kept fields; serve holds the last 256, not all of them."""
    from kfp_notebook._kfp_api.runs import _Recent

    made: list[str] = []
    recent = _Recent(size=3)

    def make(key: str):
        return lambda: made.append(key) or {"key": key}

    for key in "abcdea":
        assert recent.get(key, make(key)) == {"key": key}
    assert made == ["a", "b", "c", "d", "e", "a"]  # a was dropped when d came
    assert list(recent.held) == ["d", "e", "a"]
    recent.get("d", make("d"))  # held: not made again, now the latest
    assert made[-1] == "a" and list(recent.held) == ["e", "a", "d"]
