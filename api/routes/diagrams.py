"""Diagrams of the graph and of a plan, rendered by Graphviz, cached by what they show.

A worker process works out the view (which nodes and edges, numbered how); the
drawing is cached by that view and format, so requests that differ only in what
does not change the picture (a plan's pace, start date, or the wording of its
query) share one drawing, and no client can bypass the cache by varying them.
The ETag is the view's digest: a client revalidates for the price of the view.
"""

import hashlib
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.diagrams import RENDER_TIMEOUT, DiagramFormat, Direction, View, render
from api.jobs import graph_picture, plan_picture
from api.models import ERRORS, ErrorOut
from api.routes.plans import EXAMPLES, dated, request_of
from api.state import AppState
from planner.query import FROM_REQUEST, PlanQuery
from planner.request import MAX_ID_LENGTH, PlanRequest

router = APIRouter(prefix="/v1", responses=ERRORS)
MAX_DEPTH = 10
FORMAT_DOC = "svg (default), png, dot, mermaid or cytoscape (JSON)"
RESPONSES: dict[int | str, dict] = {
    200: {
        "description": "The diagram",
        "content": {
            "image/svg+xml": {"schema": {"type": "string"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "text/vnd.graphviz": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    },
    304: {"description": "Not modified: the ETag still matches"},
    404: {"model": ErrorOut, "description": "Unknown focus id"},
    413: {"model": ErrorOut, "description": "Too large to draw; narrow it with focus and depth"},
    415: {"model": ErrorOut, "description": "The body is not application/json"},
}
FormatQuery = Annotated[DiagramFormat, Query(description=FORMAT_DOC)]
DRAWING_CACHE = "public, max-age=3600"


@router.get("/graph", tags=["graph"], responses=RESPONSES, response_class=Response)
async def graph_diagram(
    request: Request,
    format: FormatQuery = DiagramFormat.SVG,
    focus: Annotated[
        str | None, Query(max_length=MAX_ID_LENGTH, description="Centre on this id")
    ] = None,
    depth: Annotated[int | None, Query(ge=0, le=MAX_DEPTH, description="Hops from focus")] = None,
    direction: Direction = Direction.BOTH,
    papers: Annotated[
        bool,
        Query(
            description="false: concepts and their prerequisites only (a focus paper stays); "
            "the whole graph without papers is the map of the field"
        ),
    ] = True,
) -> Response:
    """The graph, or the neighbourhood of one node: prerequisites up, dependents down.

    The whole graph (no focus) is drawn left to right, each category a cluster."""
    state = AppState.of(request)
    view = await state.workers().run(graph_picture, focus, depth, direction, papers)
    return await _drawing(state, view, format, "focus")


@router.get("/plans/graph", tags=["plans"], responses=RESPONSES, response_class=Response)
async def plan_diagram_from_query(
    request: Request,
    query: Annotated[PlanQuery, Query()],
    format: FormatQuery = DiagramFormat.SVG,
) -> Response:
    """A plan's diagram: steps numbered in order, goals highlighted, categories as clusters."""
    state = AppState.of(request)
    view, method = await state.workers().run(plan_picture, request_of(query), FROM_REQUEST)
    state.counters().fit(method)
    return await _drawing(state, view, format, "goal")


@router.post("/plans/graph", tags=["plans"], responses=RESPONSES, response_class=Response)
async def plan_diagram(
    request: Request,
    body: Annotated[PlanRequest, Body(openapi_examples=EXAMPLES)],
    format: FormatQuery = DiagramFormat.SVG,
) -> Response:
    """The diagram of the plan POST /v1/plans would return for the same request."""
    state = AppState.of(request)
    view, method = await state.workers().run(plan_picture, dated(body))
    state.counters().fit(method)
    return await _drawing(state, view, format, "goals")


async def _drawing(state: AppState, view: View, fmt: DiagramFormat, field: str) -> Response:
    """``view`` drawn in ``fmt``, from the cache when it was drawn before.

    ``dot`` runs as a child process, so waiting on it in a thread leaves the event loop
    free; its own limits (``api.diagrams.run_dot``) bound what one drawing costs.
    """
    key = hashlib.blake2b(repr((fmt.value, view)).encode(), digest_size=32).digest()
    found = state.diagrams.get(key)
    state.counters().cached(found is not None)
    if found is None:
        found = await run_in_threadpool(render, view, fmt, RENDER_TIMEOUT, field)
        state.diagrams.put(key, found)
    content, media_type = found
    headers = {"ETag": f'"{key[:16].hex()}"', "Cache-Control": DRAWING_CACHE}
    return Response(content, media_type=media_type, headers=headers)
