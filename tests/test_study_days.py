"""Study days as typed: every accepted form means the days it says, and nothing else passes.

"mon-fri" once became Mondays only (the first three letters of each comma item), with no
error; these tests hold the parser to the days a reader of the text would count, over
every subset of the week and every range, and through the API and the CLI.
"""

import json
from itertools import combinations

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli_app
from graph import load_graph
from planner.errors import PlanError
from planner.request import WEEKDAYS
from planner.study_days import parse_study_days
from tests.helpers import REPO

FULL = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
SUBSETS = [set(c) for n in range(1, 8) for c in combinations(range(7), n)]


def days(text: str) -> list[str]:
    return [str(d) for d in parse_study_days(text)]


@pytest.mark.parametrize("chosen", SUBSETS, ids=lambda s: "".join(map(str, sorted(s))))
def test_every_subset_reads_back_in_every_list_form(chosen):
    week = [str(WEEKDAYS[i]) for i in sorted(chosen)]
    for written in (
        ",".join(week),
        " ".join(week),
        ", ".join(week),
        " ".join(FULL[i].title() for i in sorted(chosen)),
        ",".join(reversed(week)),  # order does not matter: the days come back in week order
    ):
        assert days(written) == week, written


@pytest.mark.parametrize("first", range(7))
@pytest.mark.parametrize("last", range(7))
def test_a_range_is_every_day_from_its_first_to_its_last_wrapping_over_the_weekend(first, last):
    span = {(first + i) % 7 for i in range((last - first) % 7 + 1)}
    expected = [str(WEEKDAYS[i]) for i in sorted(span)]
    short = f"{WEEKDAYS[first]}-{WEEKDAYS[last]}"
    assert days(short) == expected
    assert days(f"{FULL[first]} \u2013 {FULL[last]}") == expected


def test_the_forms_the_issue_names():
    assert days("mon-fri") == ["mon", "tue", "wed", "thu", "fri"]
    assert days("tue-thu") == ["tue", "wed", "thu"]
    assert days("mon,wed,fri") == days("mon wed fri") == ["mon", "wed", "fri"]
    assert days("weekdays") == days("Weekday") == ["mon", "tue", "wed", "thu", "fri"]
    assert days("weekends") == ["sat", "sun"]
    assert days("weekends, wed") == ["wed", "sat", "sun"]
    assert days("tues thurs") == ["tue", "thu"]


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("funday", "funday"),
        ("mon-fry", "fry"),
        ("mo", "mo"),
        ("mon-", "mon-"),
        ("mon;wed", "mon;wed"),
        ("1-5", "1-5"),
        ("monk", "monk"),
        ("weekdays-sun", "weekdays"),
    ],
)
def test_anything_else_is_an_error_naming_the_item_and_the_accepted_forms(text, item):
    with pytest.raises(PlanError) as caught:
        parse_study_days(text)
    assert caught.value.field == "days"
    assert repr(item) in str(caught.value)
    assert "mon-fri" in str(caught.value) and "weekends" in str(caught.value)


@pytest.mark.parametrize("text", ["", " , ,"])
def test_no_days_is_an_error(text):
    with pytest.raises(PlanError, match="names no study days"):
        parse_study_days(text)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,-", max_size=30))
def test_any_text_either_names_days_or_is_a_plan_error(text):
    try:
        result = parse_study_days(text)
    except PlanError as error:
        assert error.field == "days"
    else:
        assert result and result == sorted(set(result), key=WEEKDAYS.index)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(load_graph(REPO, cache_dir=None)))


def test_the_api_schedules_on_the_days_a_range_names(client):
    query = {"goal": "attention", "pace": "1h/week", "start": "2026-12-07", "days": "mon-fri"}
    plan = client.get("/v1/plans", params=query).json()
    assert plan["schedule"]["study_days"] == ["mon", "tue", "wed", "thu", "fri"]

    response = client.get("/v1/plans", params={**query, "days": "mon-fry"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["field"], error["value"]) == ("days", "mon-fry")
    assert "fri" in error["suggestions"]
    assert "mon-fri" in error["message"]


def test_the_cli_schedules_on_weekends():
    args = ["plan", "attention", "--pace", "1h/day", "--days", "weekends", "--format", "json"]
    result = CliRunner().invoke(cli_app, [*args, "--start", "2026-12-07"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["schedule"]["study_days"] == ["sat", "sun"]
