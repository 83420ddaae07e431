"""The .ics calendar, the schema.org JSON-LD and the Moodle competency CSV, read back with
real parsers: icalendar, json and csv. Real graph, and the hostile one on both tracks."""

import csv
import io
import json
import random
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar
from icalendar.prop import vText

from api.errors import ApiError
from api.exports.case import plan_prerequisites, plan_title
from api.exports.formats import GraphFormat, PlanFormat, render_graph, render_plan
from api.exports.ics import PRODID, plan_ics
from api.exports.jsonld import iso_duration, plan_jsonld
from api.exports.moodle import graph_moodle_csv, neutralise, plan_moodle_csv, write_csv
from graph import load_graph
from graph.taxonomy import Level, Track
from planner.material import describe
from planner.plan import make_plan
from planner.request import Pace, PlanRequest
from tests.helpers import REPO
from tests.hostile import GOAL, HOSTILE_TITLES, hostile_graph, hostile_plan

BASE = "https://syllabus.example/api"
START = date(2026, 12, 1)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""What a spreadsheet reads as the start of a formula, after any whitespace: OWASP's, a line
feed, and the fullwidth = + - @ (written as escapes here, not copied from the exporter)."""
FORMULA_RE = re.compile(r"\s*[" + re.escape("".join(FORMULA_START)) + "]")
"""A trigger after any whitespace (``\\s`` is Unicode's; a tab may be the trigger itself)."""
C0_DROPPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Control characters no cell may hold: all C0 but tab, line feed and carriage return."""
WORD_JOINER = "\u2060"
MOODLE_HEADER = [
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
]
"""As Moodle's tool_lpimportcsv names its columns (lang/en), in its importer's order."""


@pytest.fixture(scope="module")
def graph():
    return load_graph(REPO, cache_dir=None)


@pytest.fixture(scope="module")
def gpt_plan(graph):
    request = PlanRequest(goals=["gpt"], pace=Pace(minutes_per_day=30), start=START)
    return make_plan(graph, request)


@pytest.fixture(scope="module")
def paper_plan(graph):
    request = PlanRequest(
        goals=["direct-preference-optimisation"], track="paper", known=["linear-algebra"]
    )
    return make_plan(graph, request)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return hostile_graph(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def hostile_plans(hostile):
    return {track: hostile_plan(hostile, track) for track in Track}


@pytest.fixture(scope="module", params=["gpt", *Track])
def scheduled(request, graph, gpt_plan, hostile, hostile_plans):
    """(graph, plan) for every scheduled plan: the real gpt plan and both hostile ones."""
    if request.param == "gpt":
        return graph, gpt_plan
    return hostile, hostile_plans[request.param]


# --- iCalendar -------------------------------------------------------------------------------


def events(data: bytes):
    return Calendar.from_ical(data).walk("VEVENT")


def test_one_event_per_session_on_its_day(scheduled):
    graph, plan = scheduled
    calendar = Calendar.from_ical(plan_ics(plan, graph))
    found = calendar.walk("VEVENT")
    assert len(found) == len(plan.schedule.sessions) > 0
    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["VERSION"]) == "2.0"
    # icalendar's reader does not type NAME (RFC 7986) or X-WR-CALNAME and hands them back
    # as written: the title escaped as TEXT, which both are.
    name = vText(plan_title(plan, graph)).to_ical().decode()
    assert str(calendar["NAME"]) == str(calendar["X-WR-CALNAME"]) == name
    stamp = datetime.combine(plan.schedule.start, datetime.min.time(), tzinfo=UTC)
    for event, session in zip(found, plan.schedule.sessions, strict=True):
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert type(start) is date and start == session.date  # an all-day DATE, no clock time
        assert end == session.date + timedelta(days=1)
        assert event["DTSTAMP"].dt == stamp
    assert len({str(e["UID"]) for e in found}) == len(found)


def test_description_lists_the_parts_with_the_exact_titles(scheduled):
    graph, plan = scheduled
    steps = {s.number: s for s in plan.steps}
    for event, session in zip(events(plan_ics(plan, graph)), plan.schedule.sessions, strict=True):
        description = str(event["DESCRIPTION"])
        for part in session.parts:
            step = steps[part.step]
            share = part.minutes if part.minutes == step.minutes else f"{part.minutes} of "
            assert f"Step {part.step}: {step.title} ({share}" in description
            # What the step assigns, worded as every other face words it.
            for material in step.material:
                assert f"- {describe(material)}" in description


def test_hostile_titles_survive_the_calendar(hostile, hostile_plans):
    light = hostile_plans[Track.LIGHTWEIGHT]
    text = "\n".join(str(e["DESCRIPTION"]) for e in events(plan_ics(light, hostile)))
    for title in HOSTILE_TITLES.values():
        assert title in text
    paper = hostile.papers["hostile-paper"].title
    described = [str(e["DESCRIPTION"]) for e in events(plan_ics(hostile_plans["paper"], hostile))]
    assert any(paper in d for d in described)


def test_summary_is_one_short_line_naming_the_first_part(scheduled):
    graph, plan = scheduled
    steps = {s.number: s for s in plan.steps}
    for event, session in zip(events(plan_ics(plan, graph)), plan.schedule.sessions, strict=True):
        summary = str(event["SUMMARY"])
        assert summary.startswith("Study: ") and "\n" not in summary and len(summary) < 120
        assert summary.endswith(f", {session.minutes} min")
        first = " ".join(steps[session.parts[0].step].title.split())
        assert summary.startswith(f"Study: {first[:50]}")
        more = len(session.parts) - 1
        assert (f"(+{more} more)" in summary) == bool(more)


def test_no_raw_newline_breaks_a_property(scheduled):
    graph, plan = scheduled
    data = plan_ics(plan, graph)
    physical = data.split(b"\r\n")
    assert physical[-1] == b""  # every line, the last included, ends in CRLF
    for line in physical[:-1]:
        assert b"\n" not in line and b"\r" not in line
        assert len(line) <= 75  # folded, as RFC 5545 asks
    logical = re.sub(rb"\r\n[ \t]", b"", data).split(b"\r\n")[:-1]
    for line in logical:  # after unfolding, each line is one property: NAME[;params]:value
        assert re.match(rb"^[A-Z][A-Z0-9-]*[;:]", line), line[:80]
    assert logical[0] == b"BEGIN:VCALENDAR" and logical[-1] == b"END:VCALENDAR"


def test_the_calendar_reserialises(scheduled):
    graph, plan = scheduled
    data = plan_ics(plan, graph)
    again = Calendar.from_ical(data).to_ical()
    assert again == data
    assert len(events(again)) == len(plan.schedule.sessions)


def test_same_plan_same_bytes_and_uids_follow_the_dates(graph, gpt_plan):
    data = plan_ics(gpt_plan, graph)
    assert plan_ics(gpt_plan, graph) == data
    faster = make_plan(
        graph, PlanRequest(goals=["gpt"], pace=Pace(minutes_per_day=60), start=START)
    )
    uids = {e["DTSTART"].dt: str(e["UID"]) for e in events(data)}
    faster_uids = {e["DTSTART"].dt: str(e["UID"]) for e in events(plan_ics(faster, graph))}
    # A new pace re-dates the plan: a re-import updates the sessions on the same days.
    assert all(uids[day] == uid for day, uid in faster_uids.items())
    other = make_plan(
        graph, PlanRequest(goals=["attention"], pace=Pace(minutes_per_day=30), start=START)
    )
    other_uids = {str(e["UID"]) for e in events(plan_ics(other, graph))}
    assert not other_uids & set(uids.values())


def test_backslash_n_in_a_title_stays_two_characters(graph, gpt_plan):
    title = "C:\\New\\Notes; a,b \\N end\\"
    steps = (gpt_plan.steps[0]._replace(title=title), *gpt_plan.steps[1:])
    plan = replace(gpt_plan, steps=steps)
    data = plan_ics(plan, graph)
    assert title in str(events(data)[0]["DESCRIPTION"])


def test_an_unscheduled_plan_has_no_calendar(graph, paper_plan):
    with pytest.raises(ApiError) as caught:
        plan_ics(paper_plan, graph)
    assert (caught.value.status, caught.value.code, caught.value.field) == (
        422,
        "needs-pace",
        "pace",
    )
    with pytest.raises(ApiError):
        render_plan(paper_plan, graph, PlanFormat.ICS, BASE)


def test_a_schedule_without_sessions_has_no_calendar(graph, gpt_plan):
    empty = replace(gpt_plan, schedule=replace(gpt_plan.schedule, sessions=()))
    with pytest.raises(ApiError) as caught:
        plan_ics(empty, graph)
    assert caught.value.status == 422


def test_render_plan_serves_the_calendar(graph, gpt_plan):
    served = render_plan(gpt_plan, graph, PlanFormat.ICS, BASE)
    assert served.media_type.startswith("text/calendar")
    assert served.content == plan_ics(gpt_plan, graph)


# --- JSON-LD ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0, "PT0M"), (5, "PT5M"), (60, "PT1H"), (165, "PT2H45M"), (1800, "PT30H"), (61, "PT1H1M")],
)
def test_iso_duration(minutes, text):
    assert iso_duration(minutes) == text


def parse_duration(text: str) -> int:
    found = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?", text)
    assert found and (found[1] or found[2]), text
    return int(found[1] or 0) * 60 + int(found[2] or 0)


def test_iso_duration_round_trips_and_refuses_negatives():
    assert all(parse_duration(iso_duration(m)) == m for m in range(0, 3000, 7))
    with pytest.raises(ValueError):
        iso_duration(-1)


def served_jsonld(plan, graph):
    """The JSON-LD as the service sends it, read back with json."""
    return json.loads(render_plan(plan, graph, PlanFormat.JSONLD, BASE).content)


def types(node) -> list[str]:
    return node["@type"] if isinstance(node["@type"], list) else [node["@type"]]


@pytest.mark.parametrize("which", ["gpt", "paper"])
def test_jsonld_course_and_its_parts(graph, gpt_plan, paper_plan, which):
    plan = gpt_plan if which == "gpt" else paper_plan
    course = served_jsonld(plan, graph)
    assert course["@context"] == "https://schema.org" and course["@type"] == "Course"
    assert course["name"] == plan_title(plan, graph)
    assert parse_duration(course["timeRequired"]) == plan.minutes
    parts = course["hasPart"]
    assert [p["position"] for p in parts] == [s.number for s in plan.steps]
    assert [p["name"] for p in parts] == [s.title for s in plan.steps]
    assert sum(parse_duration(p["timeRequired"]) for p in parts) == plan.minutes
    ids = [p["@id"] for p in parts]
    assert len(set(ids)) == len(ids) and all(i.startswith(f"{BASE}/v1/") for i in ids)
    for part, step in zip(parts, plan.steps, strict=True):
        assert "LearningResource" in types(part)
        if step.kind == "concept":
            assert part["@id"] == f"{BASE}/v1/concepts/{step.id}"
            assert part["educationalLevel"] in set(Level)
            assert part["teaches"]["termCode"] == step.id
        else:
            assert "ScholarlyArticle" in types(part) and part["url"] == step.link
            assert part["@id"] == f"{BASE}/v1/papers/{step.id}"
            assert {t["termCode"] for t in part["teaches"]} == set(graph.papers[step.id].teaches)


def test_competency_required_names_earlier_parts(graph, gpt_plan, paper_plan):
    for plan in (gpt_plan, paper_plan):
        parts = served_jsonld(plan, graph)["hasPart"]
        position = {p["identifier"]: p["position"] for p in parts}
        needs = plan_prerequisites(plan, graph)
        linked = 0
        for part, step in zip(parts, plan.steps, strict=True):
            required = [r["termCode"] for r in part.get("competencyRequired", [])]
            assert all(position[r] < part["position"] for r in required)
            assert required == list(needs[step.id])
            linked += len(required)
        assert linked > 0


def test_course_prerequisites_are_the_known_names(graph, gpt_plan, paper_plan):
    known = served_jsonld(paper_plan, graph)["coursePrerequisites"]
    assert known == [graph.concepts["linear-algebra"].title]
    assert "coursePrerequisites" not in served_jsonld(gpt_plan, graph)


def test_course_id_is_the_link_that_asks_for_the_plan(graph, paper_plan):
    url = urlsplit(served_jsonld(paper_plan, graph)["@id"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{BASE}/v1/plans"
    query = parse_qs(url.query)
    assert query == {
        "goal": ["direct-preference-optimisation"],
        "known": ["linear-algebra"],
        "track": ["paper"],
    }


def test_hostile_titles_round_trip_through_jsonld(hostile, hostile_plans):
    for plan in hostile_plans.values():
        assert plan_jsonld(plan, hostile, BASE) == served_jsonld(plan, hostile)
        course = served_jsonld(plan, hostile)
        names = [p["name"] for p in course["hasPart"]]
        assert names == [s.title for s in plan.steps]
        assert course["teaches"][0]["name"] == hostile.concepts[GOAL].title
    light = [p["name"] for p in served_jsonld(hostile_plans[Track.LIGHTWEIGHT], hostile)["hasPart"]]
    assert set(HOSTILE_TITLES.values()) <= set(light)
    paper = served_jsonld(hostile_plans[Track.PAPER], hostile)["hasPart"]
    assert hostile.papers["hostile-paper"].title in [p["name"] for p in paper]


# --- Moodle competency framework CSV ---------------------------------------------------------


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), strict=True))


def starts_a_formula(cell: str) -> bool:
    """Whether a spreadsheet would read ``cell`` as a formula: a trigger after any whitespace."""
    return FORMULA_RE.match(cell) is not None


def check_safe_cells(rows: list[list[str]]) -> None:
    """No cell is a formula (bar the apostrophe guard) and none holds a dropped control."""
    for row in rows:
        for cell in row:
            assert cell.startswith("'") or not starts_a_formula(cell), (row[:3], cell[:40])
            assert not C0_DROPPED.search(cell), (row[:3], cell[:40])


def intended(text: str) -> str:
    """``text`` as the exporter means to write it, worked out here one step at a time: the
    controls dropped, an apostrophe before a formula, and a word joiner after an odd run of
    backslashes before a quote or at the end (where PHP would take the backslash as an escape).
    """
    text = C0_DROPPED.sub("", text)
    if starts_a_formula(text):
        text = "'" + text
    out, run = [], 0
    for i, char in enumerate(text):
        out.append(char)
        run = run + 1 if char == "\\" else 0
        if run % 2 and text[i + 1 : i + 2] in ('"', ""):
            out.append(WORD_JOINER)
    return "".join(out)


def unguard(cell: str) -> str:
    """The text back from a cell of a hostile title: no apostrophe guard, no word joiner."""
    if cell.startswith("'") and starts_a_formula(cell[1:]):
        cell = cell[1:]
    return re.sub("(?<=\\\\)" + WORD_JOINER + '(?="|$)', "", cell)


PHP = shutil.which("php")
needs_php = pytest.mark.skipif(PHP is None, reason="php is missing: `make test` installs it")
PHP_READER = """
$text = stream_get_contents(STDIN);
$read = [];
foreach (["C", "C.UTF-8"] as $locale) {
    if (setlocale(LC_ALL, $locale) === false) {
        fwrite(STDERR, "no locale $locale\\n");
        exit(3);
    }
    $file = fopen("php://memory", "w+");
    fwrite($file, $text);
    rewind($file);
    $rows = [];
    while (($row = fgetcsv($file)) !== false) {
        $rows[] = $row;
    }
    $read[$locale] = $rows;
}
echo json_encode($read, JSON_THROW_ON_ERROR);
"""
"""Moodle's reading: fgetcsv with its default separator, enclosure and escape (a backslash)."""


def php_read(text: str) -> list[list[str]]:
    """``text`` as real PHP's fgetcsv reads it, in the C locale and in C.UTF-8 (Moodle sets a
    UTF-8 locale; fgetcsv steps through characters by it), which must agree."""
    assert PHP is not None
    done = subprocess.run(
        [PHP, "-n", "-d", "display_errors=stderr", "-r", PHP_READER],
        input=text.encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    read = json.loads(done.stdout)
    assert read["C"] == read["C.UTF-8"]
    return read["C"]


def check_framework(rows: list[list[str]]) -> dict[str, list[str]]:
    """What Moodle's importer relies on; returns the competency rows by ID number."""
    assert rows[0] == MOODLE_HEADER
    assert all(len(row) == len(MOODLE_HEADER) for row in rows)
    framework, competencies = rows[1], rows[2:]
    assert framework[12] == "1" and all(row[12] == "0" for row in competencies)
    scale = json.loads(framework[6])
    assert len(framework[5].split(",")) == 2 and len(scale) == 3
    assert any(s.get("scaledefault") for s in scale) and any(s.get("proficient") for s in scale)
    by_id = {row[1]: row for row in competencies}
    assert len(by_id) == len(competencies)  # ID numbers are unique
    seen: set[str] = set()
    for row in competencies:
        assert row[0] == "" or row[0] in seen  # parents come first
        seen.add(row[1])
        assert row[2] and len(row[2]) <= 100  # Moodle keeps 100 characters of a short name
        for ref in filter(None, row[10].split(",")):
            assert ref in by_id, (row[1], ref)
    check_safe_cells(rows)
    return by_id


def test_graph_framework_has_every_category_concept_and_paper(graph):
    rows = read_csv(render_graph(graph, GraphFormat.MOODLE_CSV, BASE).content.decode())
    by_id = check_framework(rows)
    categories = {c.category for c in graph.concepts.values()}
    assert len(rows) == 2 + len(categories) + len(graph.concepts) + 1 + len(graph.papers)
    assert rows[1][13] == "domain,concept"
    for cid, concept in graph.concepts.items():
        assert by_id[cid][0] == f"category:{concept.category}"
        assert list(filter(None, by_id[cid][10].split(","))) == list(concept.requires)
    for pid, paper in graph.papers.items():
        assert by_id[pid][0] == "group:papers"
        assert set(filter(None, by_id[pid][10].split(","))) == set(paper.requires)


def test_plan_framework_lists_the_steps_in_order(graph, gpt_plan, paper_plan):
    for plan in (gpt_plan, paper_plan):
        rows = read_csv(plan_moodle_csv(plan, graph))
        by_id = check_framework(rows)
        assert len(rows) == 2 + len(plan.steps)
        assert [row[1] for row in rows[2:]] == [s.id for s in plan.steps]
        needs = plan_prerequisites(plan, graph)
        for step in plan.steps:
            assert by_id[step.id][0] == ""
            assert list(filter(None, by_id[step.id][10].split(","))) == list(needs[step.id])
            assert by_id[step.id][2] == step.title


def test_moodle_csv_is_deterministic(graph, gpt_plan):
    assert plan_moodle_csv(gpt_plan, graph) == plan_moodle_csv(gpt_plan, graph)
    assert graph_moodle_csv(graph) == graph_moodle_csv(graph)


def test_formulas_are_neutralised_and_other_titles_kept(hostile, hostile_plans):
    rows = read_csv(graph_moodle_csv(hostile))
    by_id = check_framework(rows)
    for name, title in HOSTILE_TITLES.items():
        if name == "long":
            continue
        assert by_id[f"hostile-{name}"][2] == intended(title)
    assert by_id[GOAL][2] == "'" + hostile.concepts[GOAL].title  # +SUM(...)
    paper = by_id["hostile-paper"]
    assert paper[2] == "'" + hostile.papers["hostile-paper"].title  # @IMPORT(...)
    assert paper[3].startswith("'=HYPERLINK(")  # the author leads the description
    assert "\nthe rest." in paper[3]  # a newline inside a quoted cell survives


def test_the_long_title_survives_in_the_description(hostile, hostile_plans):
    title = HOSTILE_TITLES["long"]
    for text in (graph_moodle_csv(hostile), plan_moodle_csv(hostile_plans["lightweight"], hostile)):
        row = check_framework(read_csv(text))["hostile-long"]
        assert row[2].endswith("…") and title.startswith(row[2][:-1]) and len(row[2]) == 100
        assert row[3].startswith(title + "\n\n")


def test_hostile_plans_as_moodle_frameworks(hostile, hostile_plans):
    for plan in hostile_plans.values():
        rows = read_csv(plan_moodle_csv(plan, hostile))
        by_id = check_framework(rows)
        assert rows[1][2] == plan_title(plan, hostile)  # "+SUM" is not at the start here
        assert len(by_id) == len(plan.steps)
    paper_rows = check_framework(read_csv(plan_moodle_csv(hostile_plans["paper"], hostile)))
    # The paper needs what it requires and what the goal it is read for requires.
    assert paper_rows["hostile-paper"][10] == "hostile-quote,hostile-accents"


def all_moodle_exports(graph, gpt_plan, paper_plan, hostile, hostile_plans) -> dict[str, str]:
    """Every Moodle export the tests know: the built-in graph's and its plans, the hostile
    graph's and its plan on each track."""
    exports = {
        "graph": graph_moodle_csv(graph),
        "gpt plan": plan_moodle_csv(gpt_plan, graph),
        "paper plan": plan_moodle_csv(paper_plan, graph),
        "hostile graph": graph_moodle_csv(hostile),
    }
    for track, plan in hostile_plans.items():
        exports[f"hostile {track} plan"] = plan_moodle_csv(plan, hostile)
    return exports


def test_no_cell_of_any_export_is_a_formula_or_holds_a_control(
    graph, gpt_plan, paper_plan, hostile, hostile_plans
):
    exports = all_moodle_exports(graph, gpt_plan, paper_plan, hostile, hostile_plans)
    for text in exports.values():
        check_safe_cells(read_csv(text))
    by_id = check_framework(read_csv(exports["hostile graph"]))
    guarded = {name for name in HOSTILE_TITLES if by_id[f"hostile-{name}"][2].startswith("'")}
    assert guarded == {"formula", "space-formula", "newline-formula", "tab-formula", "fullwidth"}


@needs_php
def test_php_reads_every_export_as_python_does(graph, gpt_plan, paper_plan, hostile, hostile_plans):
    for name, text in all_moodle_exports(
        graph, gpt_plan, paper_plan, hostile, hostile_plans
    ).items():
        rows = read_csv(text)
        assert php_read(text) == rows, name
        check_framework(rows)


@needs_php
def test_php_reads_the_hostile_titles_as_meant(hostile, hostile_plans):
    graph_text = graph_moodle_csv(hostile)
    by_id = check_framework(php_read(graph_text))
    for cid, concept in hostile.concepts.items():
        if cid == "hostile-long":
            assert by_id[cid][3] == intended(f"{concept.title}\n\n{concept.summary}")
            continue
        assert by_id[cid][2] == intended(concept.title)
        assert unguard(by_id[cid][2]) == concept.title  # nothing of the title is lost
        assert by_id[cid][3] == intended(concept.summary)
        assert unguard(by_id[cid][3]) == concept.summary  # it ends in a backslash
    paper = hostile.papers["hostile-paper"]
    assert by_id[paper.id][2] == intended(paper.title)
    for plan in hostile_plans.values():
        steps = check_framework(php_read(plan_moodle_csv(plan, hostile)))
        for step in plan.steps:
            if step.id != "hostile-long":
                assert steps[step.id][2] == intended(step.title)
            if step.kind == "concept":  # the summary's backslash is not the last character here
                assert hostile.concepts[step.id].summary in steps[step.id][3]
    # The title with a backslash before a quote and one at its end, exactly:
    title = HOSTILE_TITLES["backslash-quote"]
    expected = title.replace('\\"', "\\" + WORD_JOINER + '"') + WORD_JOINER
    assert by_id["hostile-backslash-quote"][2] == intended(title) == expected


NASTY = [
    '\\"',
    'a \\" b',
    '\\""',
    '""\\',
    "ends in a backslash \\",
    "ends in two \\\\",
    "ends in three \\\\\\",
    '\\\\\\"',
    '\\\\"',
    '\\\\\\\\"',
    '"',
    '""',
    'a "lone" quote"',
    '"\\',
    '\\"\\"\\',
    "\\",
    "\\\\",
    "",
    " ",
    "line\nbreak",
    "crlf\r\ninside",
    "cr\ralone",
    "\\\n",
    "\\\r\n",
    '\\\n"',
    "\n",
    "ends in a newline\n",
    "comma, inside",
    ",",
    "\\,",
    '\\",\\"',
    "tab\\\t",
    "NUL\x00inside",
    "\x00=1+2",
    "bell\x07 and escape\x1b[31m",
    'é\\"ü\\',
    '日本語 \\" テスト\\',
    "=1+2",
    " =1+2",
    "\t=1",
    "\u3000=1",
    "\xa0+1",
    "\uff1d1",
    "'=already",
    "a\\b\\nc",
]
"""Cells that try to part PHP's reading from RFC 4180's: a backslash before a quote, at the
end, in runs of every parity, lone and doubled quotes, newlines, commas and controls."""


@pytest.mark.parametrize(
    "space", ["", " ", "  ", "\t", "\n", "\r\n", " \t", "\xa0", "\u2003", "\u3000"]
)
def test_every_trigger_after_any_whitespace_is_guarded(space):
    for trigger in FORMULA_START:
        cell = f"{space}{trigger}1+2"
        assert neutralise(cell) == "'" + cell, repr(cell)
        assert neutralise("\x00" + cell) == "'" + cell, repr(cell)  # a NUL hides nothing
    plain = f"{space}1+2"  # no formula, unless the whitespace holds a tab, CR or LF
    guarded = any(char in FORMULA_START for char in space)
    assert neutralise(plain) == ("'" + plain if guarded else plain), repr(plain)


def test_only_an_odd_backslash_run_before_a_quote_or_the_end_changes():
    assert neutralise('a\\"b') == "a\\" + WORD_JOINER + '"b'
    assert neutralise("end\\") == "end\\" + WORD_JOINER
    assert neutralise('a\\\\"b') == 'a\\\\"b'  # an even run pairs up in PHP too
    assert neutralise("end\\\\") == "end\\\\"
    assert neutralise("a\\b\\nc") == "a\\b\\nc"
    assert neutralise("NUL\x00 bell\x07 tab\t lf\n cr\r") == "NUL bell tab\t lf\n cr\r"
    for cell in NASTY:
        assert neutralise(cell) == intended(cell), cell


@needs_php
def test_nasty_cells_read_alike_by_php_and_python():
    rows = [[cell, *[""] * 13] for cell in NASTY]
    rows += [NASTY[i : i + 14] for i in range(0, len(NASTY) - 13, 5)]  # side by side
    text = write_csv(rows)
    expected = [MOODLE_HEADER, *([intended(cell) for cell in row] for row in rows)]
    assert read_csv(text) == expected
    assert php_read(text) == expected


@needs_php
def test_random_cells_read_alike_by_php_and_python():
    pieces = ["\\", "\\", '"', ",", "\n", "\r", "\r\n", " ", "a", "=", "'", "\t", "\x00"]
    pieces += ["é", "\u3000", "\uff1d", "\uff20", WORD_JOINER]
    rng = random.Random(4180)
    rows = [
        ["".join(rng.choices(pieces, k=rng.randint(0, 10))) for _ in MOODLE_HEADER]
        for _ in range(400)
    ]
    text = write_csv(rows)
    expected = [MOODLE_HEADER, *([intended(cell) for cell in row] for row in rows)]
    assert read_csv(text) == expected
    assert php_read(text) == expected
