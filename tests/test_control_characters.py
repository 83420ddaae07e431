"""Control characters: the data check refuses them in every text of the graph, at their
file and line, naming the character; and no export writes one that reaches it anyway
(RFC 5545 forbids them in a calendar's text)."""

import re
from dataclasses import replace

import pytest
from icalendar import Calendar

from api.exports.ics import plan_ics, without_controls
from graph.taxonomy import Track
from tests.helpers import concept_yaml, only, paper_yaml, run_check
from tests.hostile import hostile_graph, hostile_plan

# Each as a YAML double-quoted escape writes it, with the code point the error must name.
CONTROLS = [
    ("\\0", "U+0000"),
    ("\\a", "U+0007"),
    ("\\e", "U+001B"),
    ("\\x1f", "U+001F"),
    ("\\v", "U+000B"),
    ("\\x7f", "U+007F"),
    ("\\N", "U+0085"),
    ("\\x9f", "U+009F"),
]
PATH = "- id: route\n  title: Route\n  summary: S.\n  track: lightweight\n  steps:\n    - a\n"
RESOURCE = (
    "  resources:\n"
    "    - kind: blog\n"
    "      title: {text}\n"
    "      url: https://example.com/a\n"
    "      minutes: 10\n"
    "      free: true\n"
)


def placements(escape: str) -> list[tuple[str, str, str]]:
    """(file, YAML of that file, the text of the line that holds ``escape``)."""
    bad = f'"Bad {escape} text"'
    question = f'"Can you say {escape} why?"'
    concepts = concept_yaml("a")
    return [
        ("concepts", concept_yaml("a", title=bad), f"title: {bad}"),
        ("concepts", concept_yaml("a", summary=bad), f"summary: {bad}"),
        ("concepts", concept_yaml("a", aliases=f"[{bad}]"), f"aliases: [{bad}]"),
        ("concepts", concept_yaml("a", checklist=f"[{question}]"), question),
        ("concepts", concept_yaml("a") + RESOURCE.format(text=bad), f"title: {bad}"),
        (
            "concepts",
            concept_yaml("a", kind="practice", activity=bad),
            f"activity: {bad}",
        ),
        ("papers", concepts + paper_yaml("p", title=bad), f"title: {bad}"),
        ("papers", concepts + paper_yaml("p", first_author=bad), f"first_author: {bad}"),
        ("papers", concepts + paper_yaml("p", venue=bad), f"venue: {bad}"),
        ("papers", concepts + paper_yaml("p", advice=bad), f"advice: {bad}"),
        ("papers", concepts + paper_yaml("p", questions=f"[{question}]"), question),
        ("paths", PATH.replace("summary: S.", f"summary: {bad}"), f"summary: {bad}"),
        ("paths", PATH.replace("    - a\n", f"    - title: {bad}\n      covers: [a]\n"), bad),
    ]


@pytest.mark.parametrize(("escape", "code"), CONTROLS)
def test_the_check_refuses_a_control_character_in_every_text(data_dir, escape, code):
    for name, text, needle in placements(escape):
        files = {name: text}
        if name == "papers":
            concepts, paper = text.split("- id: p")
            files = {"concepts": concepts, "papers": "- id: p" + paper}
        elif name == "paths":
            files = {"concepts": concept_yaml("a"), "paths": text}
        result = run_check(data_dir(**files))
        problem = only(result, "schema")
        written = files[name]
        line = next(n for n, ln in enumerate(written.splitlines(), 1) if needle in ln)
        assert (problem.location.file.name, problem.location.line) == (f"{name}.yaml", line)
        assert f"control character {code}" in problem.message, problem.render()
        assert "delete it" in (problem.hint or "")
        for stale in ("concepts", "papers", "paths"):  # the next placement starts afresh
            (problem.location.file.parent / f"{stale}.yaml").unlink(missing_ok=True)


def test_tab_newline_and_carriage_return_are_text(data_dir):
    text = concept_yaml("a", title='"Tab\\there"', summary='"Two\\nlines\\r\\nand a CR\\r."')
    assert run_check(data_dir(concepts=text)).errors == []


def test_the_rendered_error_reads_as_one_line(data_dir):
    text = concept_yaml("a", title='"Bad \\0 title"')
    rendered = only(run_check(data_dir(concepts=text)), "schema").render()
    assert "\x00" not in rendered and "\n" not in rendered
    assert "concepts.yaml:2: error: title: contains the control character U+0000 (NULL)" in (
        rendered
    )


# --- exports ----------------------------------------------------------------------------------

NASTY = "Nul\x00 bell\x07 esc\x1b[31m del\x7f nel\x85 csi\x9b cr\r lf\n crlf\r\n tab\t end"
C0_BUT_LINE_ENDS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|(?<!\r)\n")


def test_without_controls_keeps_text_drops_controls():
    assert without_controls(NASTY) == "Nul bell esc[31m del nel csi cr\n lf\n crlf\n tab\t end"
    kept = "Naïve Bayes à la São Paulo \uff1d1 \u2028 \xa0"  # letters, signs, separators
    assert without_controls(kept) == kept


@pytest.fixture(scope="module")
def nasty_plans(tmp_path_factory):
    """The hostile plans with every title, advice and material title full of controls: the
    loader refuses such data, so they are put on the plan's records directly."""
    graph = hostile_graph(tmp_path_factory.mktemp("hostile"))
    plans = []
    for track in Track:
        plan = hostile_plan(graph, track)
        steps = tuple(
            step._replace(
                title=NASTY + step.title,
                advice=None if step.advice is None else NASTY + step.advice,
                material=tuple(m._replace(title=NASTY + m.title) for m in step.material),
            )
            for step in plan.steps
        )
        plans.append(replace(plan, steps=steps))
    concepts = {
        cid: concept._replace(title=NASTY + concept.title)
        for cid, concept in graph.concepts.items()
    }
    return replace(graph, concepts=concepts), plans


def test_the_calendar_never_writes_a_control_character(nasty_plans):
    graph, plans = nasty_plans
    for plan in plans:
        data = plan_ics(plan, graph)
        assert C0_BUT_LINE_ENDS.search(data) is None  # only CRLF, and TAB, below a space
        text = data.decode()
        assert not re.search("[\x7f-\x9f]", text)
        calendar = Calendar.from_ical(data)
        events = calendar.walk("VEVENT")
        assert len(events) == len(plan.schedule.sessions)
        description = str(events[0]["DESCRIPTION"])
        assert "Nul bell esc[31m del nel csi cr\n lf\n crlf\n tab\t end" in description
        first = plan.steps[0].title.removeprefix(NASTY)
        assert first.split("\n")[0] in description
