"""The CPU-heavy work behind the API, as plain functions of the app's state.

Each runs in a worker process (``api.compute``) and returns bytes or a small
picklable record; errors travel back as ApiError. ``pace``, ``start`` and the
like shape a plan's JSON and exports but not its picture, so a diagram job
returns the view to draw: the server caches drawings by view, not by request.
"""

from typing import NamedTuple

from api.diagrams import Direction, View, graph_view, plan_view
from api.errors import ApiError, from_plan_error
from api.exports.case import Json, graph_case, plan_case
from api.exports.formats import (
    GraphFormat,
    PlanFormat,
    Rendered,
    file_stem,
    json_bytes,
    plan_data,
)
from api.exports.formats import render_graph as render_graph_export
from api.exports.formats import render_plan as render_plan_export
from api.state import AppState, demo_status_of
from planner.errors import PlanError
from planner.plan import Plan, make_plan
from planner.query import FROM_REQUEST
from planner.request import PlanRequest


class Answer(NamedTuple):
    """A plan in one format, ready to send, and how its budget was fitted (for metrics)."""

    content: bytes
    media_type: str
    filename: str
    fit_method: str


def plan_answer(
    state: AppState,
    request: PlanRequest,
    fmt: PlanFormat,
    base_url: str,
    names: dict[str, str] | None = None,
) -> Answer:
    """The plan ``request`` asks for, as ``fmt``; the JSON carries each step's demo status.

    ``names`` respells the planner's field names in errors (``goals`` -> ``goal`` for a
    URL's query).
    """
    plan = _plan(state, request, names)
    if fmt is PlanFormat.JSON:
        data = plan_data(plan)
        for step in data["steps"]:
            step["demo_status"] = demo_status_of(state, step["demo"]) or None
        filename = f"{file_stem(plan)}.json"
        return Answer(json_bytes(data), "application/json", filename, plan.fit_method)
    rendered = render_plan_export(plan, state.graph, fmt, base_url, request)
    return Answer(rendered.content, rendered.media_type, rendered.filename, plan.fit_method)


def plan_picture(
    state: AppState, request: PlanRequest, names: dict[str, str] | None = None
) -> tuple[View, str]:
    """The view of the plan ``request`` asks for, and how its budget was fitted."""
    plan = _plan(state, request, names)
    return plan_view(state.graph, plan), plan.fit_method


def graph_picture(
    state: AppState,
    focus: str | None,
    depth: int | None,
    direction: Direction,
    papers: bool = True,
) -> View:
    """The view of the graph, or of ``focus``'s neighbourhood; without papers if asked."""
    return graph_view(state.graph, focus, depth, direction, papers=papers)


def graph_export(state: AppState, fmt: GraphFormat, base_url: str) -> Rendered:
    """The whole graph as a competency framework."""
    return render_graph_export(state.graph, fmt, base_url)


def graph_case_package(state: AppState, base_url: str) -> Json:
    """The whole graph as a CASE package, for the CASE provider API to index."""
    return graph_case(state.graph, base_url)


def plan_case_package(state: AppState, request: PlanRequest, base_url: str) -> Json:
    """The plan ``request`` asks for as a CASE package, its uris carrying the request."""
    plan = _plan(state, request, FROM_REQUEST)
    return plan_case(plan, state.graph, base_url, request=request)


def _plan(state: AppState, request: PlanRequest, names: dict[str, str] | None) -> Plan:
    try:
        return make_plan(state.graph, request)
    except PlanError as error:
        raise from_plan_error(error, names) from None


__all__ = [
    "Answer",
    "ApiError",
    "graph_case_package",
    "graph_export",
    "graph_picture",
    "plan_answer",
    "plan_case_package",
    "plan_picture",
]
