"""A graph whose titles try to break every output format: quotes, markup, backslashes,
newlines, spreadsheet formulas and a 5,000-character title, on real YAML through the loader.
"""

import json
from datetime import date
from pathlib import Path

from graph import KnowledgeGraph, load_graph
from graph.taxonomy import Track
from planner.plan import Plan, make_plan
from planner.request import Pace, PlanRequest

HOSTILE_TITLES = {
    "quote": 'The "quoted" concept',
    "markup": "<script>alert('x')</script> & <b>bold</b>",
    "backslash": "C:\\path\\to\\thing \\n not a newline",
    "newline": "First line\nSecond line",
    "formula": "=cmd|' /C calc'!A0",
    "long": "Long " + "x" * 4995,
    # PHP's fgetcsv reads a backslash before a quote as an escape by default
    "backslash-quote": 'A backslash \\" before a quote, and one at the end \\',
    # spreadsheets read a formula after leading whitespace, and the fullwidth signs too
    "space-formula": " =1+2 after a space",
    "newline-formula": "\n=1+2 after a newline",
    "tab-formula": "\t@SUM(1) after a tab",
    "fullwidth": "\uff1d1\uff0b2 \uff0d3 \uff20x",  # fullwidth = + - @
    "accents": "Naïve Bayes à la São Paulo",
}
GOAL = "hostile-goal"


def write_hostile_graph(directory: Path) -> Path:
    """concepts.yaml (and papers.yaml) with hostile titles, in ``directory``; returns it."""
    ids = [f"hostile-{name}" for name in HOSTILE_TITLES]
    records = []
    for title, cid in zip(HOSTILE_TITLES.values(), ids, strict=True):
        requires = [ids[ids.index(cid) - 1]] if ids.index(cid) else []
        records.append(_concept(cid, title, requires))
    records.append(_concept(GOAL, '+SUM(1,2) "goal" <i>', ids[-1:]))
    (directory / "concepts.yaml").write_text("".join(records), encoding="utf-8")
    paper = {
        "id": "hostile-paper",
        "title": '@IMPORT("evil") </title><script>x</script> "paper"',
        "first_author": '=HYPERLINK("http://evil")',
        "year": 2017,
        "arxiv": "1706.03762",
        "venue": "NeurIPS <2017>",
        "priority": "essential",
        "phase": "core-architecture",
        "depth": "close",
        "advice": "Read \\section{3} & <em>skip</em>\nthe rest.",
        "minutes": {"close": 60, "selective": 30, "skim": 10},
        "teaches": [GOAL],
        "requires": [ids[0]],
    }
    (directory / "papers.yaml").write_text("- " + _yaml_map(paper, 2), encoding="utf-8")
    return directory


def _concept(cid: str, title: str, requires: list[str]) -> str:
    record = {
        "id": cid,
        "title": title,
        "summary": f'A summary with <tags>, "quotes" and a \\ for {cid}, ending in \\',
        "category": "math-foundations",
        "level": "beginner",
        "minutes": 20,
        "demo": cid,
        "requires": requires,
        "resources": [
            {
                "kind": "blog",
                "title": '"><img src=x onerror=alert(1)>',
                "url": "https://example.com/a?b=1&c=<2>",
                "minutes": 10,
                "free": True,
            }
        ],
        "checklist": ['Can you explain "<this>" & =that?'],
    }
    return "- " + _yaml_map(record, 2)


def _yaml_map(record: dict, indent: int) -> str:
    """JSON is valid YAML: each value as a JSON scalar or list keeps every character exact."""
    pad = " " * indent
    lines = [f"{key}: {json.dumps(value)}" for key, value in record.items()]
    return lines[0] + "\n" + "".join(f"{pad}{line}\n" for line in lines[1:])


def hostile_graph(directory: Path) -> KnowledgeGraph:
    return load_graph(write_hostile_graph(directory), cache_dir=None)


def hostile_plan(graph: KnowledgeGraph, track: Track = Track.LIGHTWEIGHT) -> Plan:
    """A scheduled plan through every hostile concept (and, on the paper track, the paper)."""
    request = PlanRequest(
        goals=[GOAL], track=track, pace=Pace(minutes_per_day=30), start=date(2026, 12, 1)
    )
    return make_plan(graph, request)
