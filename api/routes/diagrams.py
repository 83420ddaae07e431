"""Diagrams of the graph and of a plan, rendered by Graphviz, cached, served with an ETag."""

import hashlib
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response

from api.diagrams import DiagramFormat, Direction, graph_diagram, plan_diagram
from api.models import ERRORS, ErrorOut
from api.routes.plans import EXAMPLES, QueryRequest
from api.state import AppState, app_state
from planner.plan import make_plan
from planner.request import PlanRequest

router = APIRouter(prefix="/v1", responses=ERRORS)
State = Annotated[AppState, Depends(app_state)]
MAX_DEPTH = 10
FORMAT_DOC = "svg (default), png, dot, mermaid or cytoscape (JSON)"
RESPONSES: dict[int | str, dict] = {
    200: {
        "description": "The diagram",
        "content": {
            "image/svg+xml": {},
            "image/png": {},
            "text/vnd.graphviz": {},
            "text/plain": {},
            "application/json": {},
        },
    },
    304: {"description": "Not modified: the ETag still matches"},
    404: {"model": ErrorOut, "description": "Unknown focus id"},
    413: {"model": ErrorOut, "description": "Too large to draw; narrow it with focus and depth"},
}
FormatQuery = Annotated[DiagramFormat, Query(description=FORMAT_DOC)]


@router.get("/graph", tags=["graph"], responses=RESPONSES, response_class=Response)
def graph_picture(
    request: Request,
    state: State,
    format: FormatQuery = DiagramFormat.SVG,
    focus: Annotated[str | None, Query(max_length=100, description="Centre on this id")] = None,
    depth: Annotated[int | None, Query(ge=0, le=MAX_DEPTH, description="Hops from focus")] = None,
    direction: Direction = Direction.BOTH,
) -> Response:
    """The graph, or the neighbourhood of one node: prerequisites up, dependents down."""
    key = ("graph", format.value, focus, depth, direction.value)
    return _cached(
        state, request, key, lambda: graph_diagram(state.graph, format, focus, depth, direction)
    )


@router.get("/plans/graph", tags=["plans"], responses=RESPONSES, response_class=Response)
def plan_picture_from_query(
    request: Request,
    state: State,
    plan_request: QueryRequest,
    format: FormatQuery = DiagramFormat.SVG,
) -> Response:
    """A plan's diagram: steps numbered in order, goals highlighted, categories as clusters."""
    return _plan_picture(request, state, plan_request, format)


@router.post("/plans/graph", tags=["plans"], responses=RESPONSES, response_class=Response)
def plan_picture(
    request: Request,
    state: State,
    body: Annotated[PlanRequest, Body(openapi_examples=EXAMPLES)],
    format: FormatQuery = DiagramFormat.SVG,
) -> Response:
    """The diagram of the plan POST /v1/plans would return for the same request."""
    return _plan_picture(request, state, body, format)


def _plan_picture(
    request: Request, state: State, plan_request: PlanRequest, fmt: DiagramFormat
) -> Response:
    key = ("plan", fmt.value, plan_request.model_dump_json())

    def render() -> tuple[bytes, str]:
        return plan_diagram(state.graph, make_plan(state.graph, plan_request), fmt)

    return _cached(state, request, key, render)


def _cached(
    state: AppState, request: Request, key: tuple, render: Callable[[], tuple[bytes, str]]
) -> Response:
    """Serve from the cache by (graph hash, parameters); 304 when the client has it already."""
    full_key = (state.graph.content_hash, *key)
    etag = '"' + hashlib.sha256(repr(full_key).encode()).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    found = state.diagrams.get(full_key)
    if found is None:
        found = render()
        state.diagrams.put(full_key, found)
    content, media_type = found
    return Response(content, media_type=media_type, headers=headers)
