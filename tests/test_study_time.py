"""Study time is the time of the material: lengths make minutes, depths add up, at file:line."""

import pytest

from graph.study_time import (
    DEMO_MINUTES,
    MINUTES_PER_QUESTION,
    clock_seconds,
    length_minutes,
)
from graph.taxonomy import ResourceKind, StudyDepth
from tests.helpers import concept_yaml, only, run_check

VIDEO = """    - id: talk
      kind: video
      title: A talk
      url: https://example.org/talk
      length: {duration: "12:30"}
      minutes: 13
      free: true
    - id: notes
      kind: blog
      title: Long notes
      url: https://example.org/notes
      length: {words: 9000}
      minutes: 45
      free: true
"""
CHECKLIST = "  checklist:\n    - Can you do one thing?\n    - Can you do another?\n"
# talk 13 + 2 questions at 5 = 23; talk + notes + questions + the demo = 13 + 45 + 10 + 20 = 88
DEPTHS = """  depths:
    overview: {resources: [talk], minutes: 13}
    study: {resources: [talk], checklist: true, minutes: 23}
    deep: {resources: [talk, notes], checklist: true, demo: true, minutes: 88}
"""


def concept_with(resources: str = VIDEO, depths: str = DEPTHS, **fields: object) -> str:
    """A concept with resources, a checklist and depths in place of bare minutes."""
    text = concept_yaml("a", **fields).replace("  minutes: 10\n", "")
    return text + "  resources:\n" + resources + CHECKLIST + depths


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


@pytest.mark.parametrize(
    ("clock", "seconds"), [("17:05", 1025), ("1:56:20", 6980), ("0:45", 45), ("17:5", None)]
)
def test_running_times_are_read_as_clocks(clock, seconds):
    assert clock_seconds(clock) == seconds


def test_a_length_makes_minutes_at_the_stated_rates():
    assert length_minutes(ResourceKind.VIDEO, duration="12:30") == 13  # rounded up
    assert length_minutes(ResourceKind.VIDEO, duration=("10:00", "10:01")) == 21
    assert length_minutes(ResourceKind.BLOG, words=4_000) == 20  # 200 words a minute
    assert length_minutes(ResourceKind.HANDS_ON, words=4_000) == 40  # at the keyboard
    assert length_minutes(ResourceKind.BOOK, pages=12) == 60
    assert length_minutes(ResourceKind.COURSE, stated=240) == 240


def test_depths_that_add_up_load_and_are_what_a_concept_offers(data_dir):
    result = run_check(data_dir(concepts=concept_with()))
    assert result.errors == []
    concept = result.graph.concepts["a"]
    assert list(concept.depths) == [StudyDepth.DEEP, StudyDepth.STUDY, StudyDepth.OVERVIEW]
    assert concept.minutes == 23  # the study depth's
    deep = concept.depths[StudyDepth.DEEP]
    assert deep.minutes == 13 + 45 + 2 * MINUTES_PER_QUESTION + DEMO_MINUTES
    assert concept.resource("talk").length == "12:30 running time"


def test_a_depth_whose_minutes_disagree_with_its_material_is_an_error_at_its_line(data_dir):
    text = concept_with(depths=DEPTHS.replace("minutes: 23", "minutes: 30"))
    diagnostic = only(run_check(data_dir(concepts=text)), "schema")
    assert diagnostic.location.line == line_of(text, "study:")
    assert "makes 23" in diagnostic.message and "write minutes: 23" in diagnostic.message


def test_a_depth_naming_material_the_concept_lacks_gets_did_you_mean(data_dir):
    text = concept_with(depths=DEPTHS.replace("[talk, notes]", "[talk, notse]"))
    diagnostic = only(run_check(data_dir(concepts=text)), "schema")
    assert diagnostic.location.line == line_of(text, "deep:")
    assert "'notse'" in diagnostic.message and "did you mean 'notes'" in diagnostic.message


def test_a_depth_assigning_a_demo_the_concept_lacks_is_an_error(data_dir):
    text = concept_with(demo="null")
    diagnostic = only(run_check(data_dir(concepts=text)), "schema")
    assert "assigns the demo" in diagnostic.message


def test_resource_minutes_must_be_what_its_length_makes(data_dir):
    text = concept_with(resources=VIDEO.replace("minutes: 45", "minutes: 30"))
    diagnostic = only(run_check(data_dir(concepts=text)), "schema")
    assert diagnostic.location.line == line_of(text, "minutes: 30")
    assert "9,000 words" in diagnostic.message and "write minutes: 45" in diagnostic.message


def test_a_resource_without_minutes_is_an_error_at_its_record(data_dir):
    text = concept_with(resources=VIDEO.replace("      minutes: 13\n", ""))
    diagnostic = only(run_check(data_dir(concepts=text)), "schema")
    assert "missing required field 'minutes'" in diagnostic.message
    assert diagnostic.location.line == line_of(text, "- id: talk")


def test_a_length_gives_exactly_one_fact(data_dir):
    text = concept_with(resources=VIDEO.replace('{duration: "12:30"}', "{words: 10, pages: 2}"))
    diagnostic = only(run_check(data_dir(concepts=text)), "schema")
    assert "exactly one of duration, words, pages or stated" in diagnostic.message


def test_an_overview_is_one_short_resource(data_dir):
    long_overview = DEPTHS.replace(
        "overview: {resources: [talk], minutes: 13}", "overview: {resources: [notes], minutes: 45}"
    )
    text = concept_with(depths=long_overview.replace("minutes: 23", "minutes: 55"))
    diagnostic = only(run_check(data_dir(concepts=text)), "schema")
    assert "at most 30 min" in diagnostic.message


def test_deeper_depths_take_longer(data_dir):
    text = concept_with(
        depths=DEPTHS.replace(
            "study: {resources: [talk], checklist: true, minutes: 23}",
            "study: {resources: [talk], minutes: 13}",
        )
    )
    diagnostic = only(run_check(data_dir(concepts=text)), "schema")
    assert "must be shorter" in diagnostic.message


def test_a_graph_that_gives_only_minutes_plans_as_one_depth_of_them(data_dir):
    result = run_check(data_dir(concepts=concept_yaml("a")))
    concept = result.graph.concepts["a"]
    assert list(concept.depths) == [StudyDepth.STUDY]
    assert concept.depths[StudyDepth.STUDY].minutes == concept.minutes == 10
    assert concept.depths[StudyDepth.STUDY].given
