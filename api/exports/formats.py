"""Every way a plan (or the whole graph) can leave the service, behind one function each.

Each format lives in its own module; these two functions pick one and say how to
serve it: the bytes, their media type, and a file name for downloads.
"""

from enum import StrEnum
from typing import Any

import orjson

from api.errors import ApiError
from api.plan_output import plan_data
from graph import KnowledgeGraph
from planner.checklist import checklist_markdown
from planner.plan import Plan
from planner.request import PlanRequest


class PlanFormat(StrEnum):
    JSON = "json"
    MARKDOWN = "markdown"
    ICS = "ics"
    CASE = "case"
    MOODLE_CSV = "moodle-csv"
    IMSCC = "imscc"
    JSONLD = "jsonld"


class GraphFormat(StrEnum):
    CASE = "case"
    MOODLE_CSV = "moodle-csv"


class Rendered:
    """An export ready to send."""

    def __init__(self, content: bytes, media_type: str, filename: str) -> None:
        self.content, self.media_type, self.filename = content, media_type, filename


def render_plan(
    plan: Plan,
    graph: KnowledgeGraph,
    fmt: PlanFormat,
    base_url: str,
    request: PlanRequest | None = None,
) -> Rendered:
    """``plan`` in ``fmt``; ApiError when the plan lacks what the format needs.

    ``request``, what the plan was made from, lets a CASE export's uris resolve on the
    server at ``base_url`` (``planner.query.steps_query``)."""
    name = file_stem(plan)
    if fmt is PlanFormat.JSON:
        return Rendered(json_bytes(plan_data(plan)), "application/json", f"{name}.json")
    if fmt is PlanFormat.MARKDOWN:
        text = checklist_markdown(plan).encode()
        return Rendered(text, "text/markdown; charset=utf-8", f"{name}.md")
    if fmt is PlanFormat.ICS:
        from api.exports.ics import plan_ics

        return Rendered(plan_ics(plan, graph), "text/calendar; charset=utf-8", f"{name}.ics")
    if fmt is PlanFormat.CASE:
        from api.exports.case import plan_case

        data = plan_case(plan, graph, base_url, request=request)
        return Rendered(json_bytes(data), "application/json", f"{name}.case.json")
    if fmt is PlanFormat.MOODLE_CSV:
        from api.exports.moodle import plan_moodle_csv

        csv = plan_moodle_csv(plan, graph).encode()
        return Rendered(csv, "text/csv; charset=utf-8", f"{name}.moodle.csv")
    if fmt is PlanFormat.IMSCC:
        from api.exports.imscc import plan_imscc

        return Rendered(plan_imscc(plan, graph), "application/zip", f"{name}.imscc")
    if fmt is PlanFormat.JSONLD:
        from api.exports.jsonld import plan_jsonld

        data = plan_jsonld(plan, graph, base_url)
        return Rendered(json_bytes(data), "application/ld+json", f"{name}.jsonld")
    raise ApiError(422, "invalid-request", f"unknown format {fmt!r}", "format")


def file_stem(plan: Plan) -> str:
    """The name an export of ``plan`` is saved under: its preset, or its first goals."""
    name = "-".join(plan.goals[:3]) if not plan.preset else plan.preset
    return name[:80] or "plan"


def render_graph(graph: KnowledgeGraph, fmt: GraphFormat, base_url: str) -> Rendered:
    """The whole graph as a competency framework."""
    if fmt is GraphFormat.CASE:
        from api.exports.case import graph_case

        return Rendered(
            json_bytes(graph_case(graph, base_url)), "application/json", "syllabus.case.json"
        )
    from api.exports.moodle import graph_moodle_csv

    csv = graph_moodle_csv(graph).encode()
    return Rendered(csv, "text/csv; charset=utf-8", "syllabus.moodle.csv")


def json_bytes(data: Any) -> bytes:
    """JSON for the API's answers and exports: orjson, the fastest encoder we measured."""
    return orjson.dumps(data)
