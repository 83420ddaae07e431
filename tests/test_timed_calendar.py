"""A time of day for the study sessions: ``at`` (HH:MM) in ``timezone`` (IANA), on every
face (POST body, GET query, command line), and the .ics it makes read back with
icalendar: timed events at that local time for the session's minutes, all-day without it."""

import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from pydantic import ValidationError

from api.app import create_app
from api.exports.ics import plan_ics
from api.models import PlanOut
from graph import load_graph
from planner.plan import make_plan
from planner.query import PlanQuery
from planner.request import Pace, PlanRequest
from tests.helpers import REPO

START = date(2026, 3, 20)  # Paris moves its clocks on 29 March, inside the schedule
SYLLABUS = os.path.join(os.path.dirname(sys.executable), "syllabus")


@pytest.fixture(scope="module")
def graph():
    return load_graph(REPO, cache_dir=None)


@pytest.fixture(scope="module")
def client(graph):
    return TestClient(create_app(graph, processes=0))


def timed(graph, at: str | None, timezone: str | None = None, minutes: int = 45):
    fields = {"at": at} | ({"timezone": timezone} if timezone else {})
    request = PlanRequest(
        goals=["attention"], pace=Pace(minutes_per_day=minutes), start=START, **fields
    )
    return make_plan(graph, request)


@pytest.mark.parametrize(
    ("at", "zone"),
    [("19:30", "Europe/Paris"), ("07:05", "America/New_York"), ("23:50", "Asia/Kolkata")],
)
def test_each_session_starts_at_the_local_time_for_its_minutes(graph, at, zone):
    plan = timed(graph, at, zone)
    data = plan_ics(plan, graph)
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == len(plan.schedule.sessions) > 8
    clock = time.fromisoformat(at)
    for event, session in zip(events, plan.schedule.sessions, strict=True):
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert isinstance(start, datetime) and start.tzinfo is not None
        assert event["DTSTART"].params["TZID"] == event["DTEND"].params["TZID"] == zone
        assert (start.date(), start.time()) == (session.date, clock)  # local wall time
        # The offset of that zone on that day (both sides of the clock change).
        local = datetime.combine(session.date, clock, tzinfo=ZoneInfo(zone))
        assert start.utcoffset() == local.utcoffset()
        assert start.astimezone(UTC) == local.astimezone(UTC)
        assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(minutes=session.minutes)
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == [zone]
    assert b"VALUE=DATE" not in data
    if zone == "Europe/Paris":  # the clocks move forward an hour within the schedule
        assert [e["DTSTART"].dt.utcoffset() for e in events[8:10]] == [
            timedelta(hours=1),
            timedelta(hours=2),
        ]


def test_utc_is_the_default_zone_and_needs_no_vtimezone(graph):
    plan = timed(graph, "06:00")
    assert plan.schedule.timezone == "UTC"
    data = plan_ics(plan, graph)
    assert b"BEGIN:VTIMEZONE" not in data and b"DTSTART:20260320T060000Z" in data
    events = Calendar.from_ical(data).walk("VEVENT")
    for event, session in zip(events, plan.schedule.sessions, strict=True):
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert start == datetime.combine(session.date, time(6), tzinfo=UTC)
        assert end - start == timedelta(minutes=session.minutes)


def test_a_session_past_midnight_ends_the_next_day(graph):
    plan = timed(graph, "23:30", "Europe/Paris", minutes=90)
    event = Calendar.from_ical(plan_ics(plan, graph)).walk("VEVENT")[0]
    session = plan.schedule.sessions[0]
    assert event["DTEND"].dt.date() == session.date + timedelta(days=1)


def test_a_session_across_the_clock_change_lasts_its_minutes(graph):
    request = PlanRequest(
        goals=["attention"],
        pace=Pace(minutes_per_day=90),
        start=date(2026, 3, 29),  # Paris skips 02:00 to 03:00 this night
        at="01:30",
        timezone="Europe/Paris",
    )
    plan = make_plan(graph, request)
    event = Calendar.from_ical(plan_ics(plan, graph)).walk("VEVENT")[0]
    start, end = event["DTSTART"].dt, event["DTEND"].dt
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(minutes=90)
    assert (start.time(), end.time()) == (time(1, 30), time(4, 0))  # elapsed, not wall, time


def test_without_at_sessions_stay_all_day(graph):
    plan = timed(graph, None, "Europe/Paris")
    data = plan_ics(plan, graph)
    assert data.count(b"DTSTART;VALUE=DATE:") == len(plan.schedule.sessions)
    assert b"BEGIN:VTIMEZONE" not in data and b"TZID" not in data
    for event in Calendar.from_ical(data).walk("VEVENT"):
        assert type(event["DTSTART"].dt) is date


@pytest.mark.parametrize("bad", ["25:00", "7pm", "7:00", "19:00:00", "19h", "", " 19:00"])
def test_at_must_be_hh_mm(bad):
    with pytest.raises(ValidationError):
        PlanRequest(goals=["gpt"], at=bad)
    assert PlanRequest(goals=["gpt"], at="00:00").at == time(0, 0)
    assert PlanRequest(goals=["gpt"], at="23:59").model_dump(mode="json")["at"] == "23:59"


def test_post_body_and_get_query_give_the_same_timed_calendar(client):
    body = {
        "goals": ["attention"],
        "pace": {"minutes_per_day": 45},
        "start": START.isoformat(),
        "at": "19:30",
        "timezone": "Europe/Paris",
    }
    posted = client.post("/v1/plans", params={"format": "ics"}, json=body)
    query = "goal=attention&pace=45m/day&start=2026-03-20&at=19:30&tz=Europe/Paris&format=ics"
    linked = client.get(f"/v1/plans?{query}")
    assert posted.status_code == linked.status_code == 200
    assert posted.content == linked.content
    assert b"DTSTART;TZID=Europe/Paris:20260320T193000" in posted.content
    plan = client.post("/v1/plans", json=body).json()
    PlanOut.model_validate(plan)
    assert plan["schedule"]["at"] == "19:30" and plan["schedule"]["timezone"] == "Europe/Paris"
    untimed = client.post("/v1/plans", json={**body, "at": None}).json()
    assert untimed["schedule"]["at"] is None


@pytest.mark.parametrize("bad", ["25:00", "7pm", "12:60", "noon"])
def test_a_bad_time_is_a_422_naming_at(client, bad):
    body = {"goals": ["gpt"], "pace": {"minutes_per_day": 30}, "at": bad}
    for response in (
        client.post("/v1/plans", json=body),
        client.get("/v1/plans", params={"goal": "gpt", "pace": "30m/day", "at": bad}),
    ):
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["field"] == "at" and error["code"] == "invalid-request"
        assert "HH:MM" in error["message"] and error["value"] == bad


def test_an_unknown_time_zone_is_a_422_with_did_you_mean(client):
    body = {"goals": ["gpt"], "at": "19:00", "timezone": "Europe/Pariss"}
    posted = client.post("/v1/plans", json=body)
    linked = client.get("/v1/plans", params={"goal": "gpt", "at": "19:00", "tz": "Europe/Pariss"})
    for response, field in ((posted, "timezone"), (linked, "tz")):
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["field"] == field and error["value"] == "Europe/Pariss"
        assert error["suggestions"][0] == "Europe/Paris"
        assert "unknown time zone 'Europe/Pariss'" in error["message"]
    for zone in ("", "../../etc/passwd", "Mars/Olympus_Mons", "x" * 500):
        response = client.post("/v1/plans", json={"goals": ["gpt"], "timezone": zone})
        assert response.status_code == 422 and response.json()["error"]["field"] == "timezone"


def test_the_query_names_its_own_fields():
    query = PlanQuery(goal=["gpt"], at="08:15", tz="Asia/Tokyo", pace="30m/day")
    request = query.to_request(today=START)
    assert (request.at, request.timezone) == (time(8, 15), "Asia/Tokyo")
    assert PlanQuery(goal=["gpt"]).to_request().timezone == "UTC"


def test_openapi_documents_at_with_its_pattern(client):
    schema = client.get("/openapi.json").json()
    body = schema["components"]["schemas"]["PlanRequest"]["properties"]
    at = next(s for s in body["at"]["anyOf"] if s.get("type") == "string")
    assert at["pattern"] == r"^([01]\d|2[0-3]):[0-5]\d$"
    assert body["timezone"]["default"] == "UTC"
    params = {p["name"]: p for p in schema["paths"]["/v1/plans"]["get"]["parameters"]}
    query_at = next(s for s in params["at"]["schema"]["anyOf"] if s.get("type") == "string")
    assert query_at["pattern"] == at["pattern"] and "tz" in params


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SYLLABUS_CACHE_DIR": ""}
    env.pop("SYLLABUS_DATA", None)
    return subprocess.run(
        [SYLLABUS, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_command_line_at_and_tz():
    common = ["attention", "--pace", "45m/day", "--start", "2026-03-20"]
    ics = run_cli("export", "ics", *common, "--at", "19:30", "--tz", "Europe/Paris")
    assert ics.returncode == 0, ics.stderr
    assert "DTSTART;TZID=Europe/Paris:20260320T193000" in ics.stdout
    bad_time = run_cli("plan", *common, "--at", "7pm")
    assert bad_time.returncode == 2
    assert bad_time.stderr.startswith("error: --at: '7pm' is not a time of day"), bad_time.stderr
    bad_zone = run_cli("plan", *common, "--at", "19:00", "--tz", "Europe/Pariss")
    assert bad_zone.returncode == 2
    assert bad_zone.stderr.startswith("error: --tz: unknown time zone 'Europe/Pariss'")
    assert "did you mean 'Europe/Paris'" in bad_zone.stderr
