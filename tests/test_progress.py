"""Progress on a plan: steps done, in progress or skipped, in the planner, the API and the CLI."""

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.models import PlanOut
from api.plan_output import plan_data, to_data
from graph import load_graph
from planner.errors import ErrorCode, PlanError
from planner.plan import make_plan
from planner.progress import StepStatus
from planner.request import Pace, PlanRequest
from tests.helpers import REPO
from tests.test_cli import syllabus

GOALS = ["rlhf", "direct-preference-optimisation"]
START = date(2026, 12, 7)
BASE = PlanRequest(goals=GOALS, budget_minutes=600, pace=Pace(minutes_per_day=45), start=START)


@pytest.fixture(scope="module")
def graph():
    return load_graph(REPO, cache_dir=None)


@pytest.fixture(scope="module")
def plain(graph):
    """The RLHF + DPO plan with no progress: the plan progress applies to."""
    return make_plan(graph, BASE)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), budget=st.sampled_from([None, 600, 1200]))
def test_progress_keeps_the_order_fits_what_is_left_and_schedules_only_it(
    graph, plain, data, budget
):
    ids = [s.id for s in plain.steps]
    status = data.draw(
        st.lists(st.sampled_from(list(StepStatus)), min_size=len(ids), max_size=len(ids))
    )
    marked = {f: [n for n, s in zip(ids, status, strict=True) if s == f] for f in StepStatus}
    request = BASE.model_copy(
        update={
            "budget_minutes": budget,
            "done": marked[StepStatus.DONE],
            "doing": marked[StepStatus.DOING],
            "skipped": marked[StepStatus.SKIPPED],
        }
    )
    plan = make_plan(graph, request)
    by_id = {s.id: s for s in plan.steps}
    # every done and skipped step stays, in the plan's order, with its status
    for node, mark in zip(ids, status, strict=True):
        if mark in (StepStatus.DONE, StepStatus.SKIPPED):
            assert by_id[node].status is mark
    order = [s.id for s in plan.steps]
    kept = [n for n in ids if n in by_id]
    assert [n for n in order if n in ids] == kept
    # time done + left + skipped is the plan's; done + left is within the budget
    p = plan.progress
    if set(status) == {StepStatus.TODO}:  # nothing marked: no progress to sum up
        assert p is None and plan.steps == plain.steps if budget == 600 else p is None
        return
    assert p is not None and p.ignored == ()
    assert p.minutes_done + p.minutes_left + p.minutes_skipped == plan.minutes
    assert p.minutes_done == sum(s.minutes for s in plan.steps if s.status is StepStatus.DONE)
    if budget is not None:
        assert p.minutes_done + p.minutes_left <= budget
    # the schedule starts at start and holds exactly the remaining steps, all their minutes
    assert plan.schedule is not None
    scheduled: dict[str, int] = {}
    for session in plan.schedule.sessions:
        for part in session.parts:
            assert plan.steps[part.step - 1].id == part.id
            scheduled[part.id] = scheduled.get(part.id, 0) + part.minutes
    left = {s.id: s.minutes for s in plan.steps if s.status in (StepStatus.TODO, StepStatus.DOING)}
    assert scheduled == {n: m for n, m in left.items() if m}
    if plan.schedule.sessions:
        assert plan.schedule.sessions[0].date == START
        assert sum(s.minutes for s in plan.schedule.sessions) == p.minutes_left


def test_done_and_skipped_time_goes_to_the_remaining_steps(graph, plain):
    """Done time is spent from the budget; skipped time is freed for the rest."""
    ids = [s.id for s in plain.steps]
    plan = make_plan(graph, BASE.model_copy(update={"done": ids[:3], "skipped": [ids[4]]}))
    assert plan.progress is not None
    assert plan.progress.minutes_done == sum(s.minutes for s in plain.steps[:3])
    left_before = sum(s.minutes for s in plain.steps) - plan.progress.minutes_done
    assert plan.progress.minutes_left > left_before - plain.steps[4].minutes  # the freed time
    assert plan.progress.minutes_done + plan.progress.minutes_left <= 600


def test_a_step_in_progress_is_scheduled_first_when_its_prerequisites_allow(graph, plain):
    last_free = next(  # a later step that needs none of the steps before it
        s for s in reversed(plain.steps) if not graph.prerequisites(s.id, False)
    )
    plan = make_plan(graph, BASE.model_copy(update={"doing": [last_free.id]}))
    assert plan.schedule is not None
    assert plan.schedule.sessions[0].parts[0].id == last_free.id
    assert [s.id for s in plan.steps] == [s.id for s in plain.steps]


def test_a_step_marked_twice_is_a_conflict_naming_the_field(graph):
    with pytest.raises(PlanError) as error:
        make_plan(graph, BASE.model_copy(update={"done": ["ppo"], "skipped": ["ppo"]}))
    assert (error.value.code, error.value.field, error.value.value) == (
        ErrorCode.CONFLICT,
        "skipped",
        "ppo",
    )


@pytest.fixture(scope="module")
def client(graph) -> TestClient:
    return TestClient(create_app(graph))


def test_api_link_and_post_carry_progress(client, plain):
    ids = [s.id for s in plain.steps]
    query = {
        "goal": GOALS,
        "budget": "10h",
        "pace": "45m/day",
        "start": START.isoformat(),
        "done": f"{ids[0]},{ids[1]}",  # comma-separated
        "skipped": [ids[3]],
        "doing": "no-such-step",
    }
    got = client.get("/v1/plans", params=query)
    assert got.status_code == 200, got.text
    plan = PlanOut.model_validate(got.json())
    assert [s.status for s in plan.steps[:4]] == ["done", "done", "todo", "skipped"]
    assert plan.progress is not None and plan.progress.ignored == ["no-such-step"]
    posted = client.post(
        "/v1/plans",
        json={"goals": GOALS, "budget_minutes": 600, "done": ids[:2], "skipped": [ids[3]]},
    )
    assert posted.status_code == 200
    assert posted.json()["progress"]["minutes_done"] == plan.progress.minutes_done
    # without a start, a link's schedule starts today
    undated = {k: v for k, v in query.items() if k != "start"}
    today = client.get("/v1/plans", params=undated).json()["schedule"]
    assert date.fromisoformat(today["start"]) in (date.today(), date.today() + timedelta(1))
    markdown = client.get("/v1/plans", params={**query, "format": "markdown"}).text
    assert "(done)" in markdown and "- [x] " in markdown and "Done: 2 steps" in markdown


def test_api_conflicting_progress_is_a_422_naming_the_field(client):
    got = client.get("/v1/plans", params={"goal": "rlhf", "done": "ppo", "doing": "ppo"})
    assert got.status_code == 422
    error = got.json()["error"]
    assert (error["code"], error["field"], error["value"]) == (
        "conflicting-request",
        "doing",
        "ppo",
    )


def test_cli_takes_progress_options_from_the_query_model():
    done = syllabus("plan", "rlhf", "--done", "vectors-dot-products", "--format", "markdown")
    assert done.returncode == 0, done.stderr
    assert "### 1. Vectors and Dot Products (done)" in done.stdout
    assert "Done: 1 step, " in done.stdout
    twice = syllabus("plan", "rlhf", "--done", "ppo", "--skipped", "ppo")
    assert twice.returncode == 2 and "error: --skipped: 'ppo' is marked both" in twice.stderr


def test_the_plan_json_carries_each_status_and_the_summary(graph, plain):
    ids = [s.id for s in plain.steps]
    plan = make_plan(graph, BASE.model_copy(update={"done": [ids[0]], "doing": [ids[1]]}))
    data = PlanOut.model_validate(plan_data(plan))
    assert [s.status for s in data.steps[:3]] == ["done", "doing", "todo"]
    assert data.progress is not None and data.progress.model_dump() == to_data(plan.progress)
    assert PlanOut.model_validate(plan_data(plain)).progress is None
