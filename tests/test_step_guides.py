"""What a step says to do, in the exports as on the page: a paper's reading depth in words,
what to focus on and its questions; a demo's command and source; each piece of material with
its address. Requested from the real app (the API's own plan, Markdown and calendar)."""

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from graph import load_graph
from graph.taxonomy import ReadingDepth
from planner.checklist import markdown_text
from planner.material import READING_GUIDE, demo_command, demo_source
from tests.helpers import REPO

# DPO on the paper track, deep, in 60 hours: papers read at several depths, some more
# lightly than they call for, and concept steps whose deep depth assigns their demo.
QUERY = {
    "goal": "direct-preference-optimisation",
    "track": "paper",
    "depth": "deep",
    "budget": "60h",
    "pace": "2h/day",
    "start": "2026-12-01",
}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(load_graph(REPO, cache_dir=None)))


@pytest.fixture(scope="module")
def plan(client) -> dict:
    response = client.get("/v1/plans", params=QUERY)
    assert response.status_code == 200, response.text
    return response.json()


def demo_steps(plan: dict) -> list[dict]:
    return [s for s in plan["steps"] if any(m["kind"] == "demo" for m in s["material"])]


def test_every_demo_named_by_the_graph_has_the_source_file_the_steps_name():
    graph = load_graph(REPO, cache_dir=None)
    demos = {c.demo for c in graph.concepts.values() if c.demo is not None}
    assert demos and all((REPO / demo_source(d)).is_file() for d in demos)


def test_markdown_says_how_to_read_each_paper_and_how_to_run_each_demo(client, plan):
    markdown = client.get("/v1/plans", params={**QUERY, "format": "markdown"}).text
    chunks = markdown.split("\n### ")[1:]  # one per step, in order
    assert len(chunks) == len(plan["steps"])
    depths = set()
    for step, chunk in zip(plan["steps"], chunks, strict=True):
        if step["kind"] == "paper":
            depths.add(step["depth"])
            guide = READING_GUIDE[ReadingDepth(step["depth"])]
            # before the material: what to do comes first, then the boxes to tick
            assert chunk.index(guide) < chunk.index("- [ ]"), step["id"]
            assert step["advice"] and "Focus: " in chunk
        if step in demo_steps(plan):
            command, source = demo_command(step["demo"]), demo_source(step["demo"])
            line = markdown_text(f"Run the demo: {command} (source: {source})")
            assert line in chunk, step["id"]
    assert depths == {"close", "selective", "skim"}  # every depth's words, not one
    assert demo_steps(plan)


def test_calendar_events_carry_the_links_the_guide_the_questions_and_the_demo(client, plan):
    data = client.get("/v1/plans", params={**QUERY, "format": "ics"}).content
    text = "\n".join(str(e["DESCRIPTION"]) for e in Calendar.from_ical(data).walk("VEVENT"))
    for step in plan["steps"]:
        for piece in step["material"]:
            if piece["url"]:
                assert f"- {piece['text']} <{piece['url']}>" in text, piece["title"]
        if step["kind"] == "paper":
            assert READING_GUIDE[ReadingDepth(step["depth"])] in text
            assert all(f"? {q}" in text for q in step["checklist"]), step["id"]
    for step in demo_steps(plan):
        assert f"Run the demo: {demo_command(step['demo'])}" in text


def test_the_demo_command_is_the_clis_own_spelling():
    """`syllabus demos run <id>` as the CLI parses it: its help answers, and an unknown id is
    refused with a did-you-mean (no demo runs)."""
    args = demo_command("kv-cahce").split()[1:]
    assert CliRunner().invoke(cli, [*args[:-1], "--help"]).exit_code == 0
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 2 and "kv-cache" in refused.output
