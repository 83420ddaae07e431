"""Health, version and metrics: is the service up, which graph does it serve, how is it doing?"""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.models import ERRORS, VersionOut
from api.state import AppState, app_state

router = APIRouter(responses=ERRORS)
State = Annotated[AppState, Depends(app_state)]


@router.get("/healthz", tags=["meta"])
async def healthz() -> dict[str, str]:
    """Liveness: answers while the process serves requests."""
    return {"status": "ok"}


@router.get("/v1/version", tags=["meta"])
async def version(state: State) -> VersionOut:
    """The API version, the graph's content hash (changes with any data edit) and its counts."""
    graph = state.graph
    return VersionOut(
        version="1",
        content_hash=graph.content_hash,
        concepts=len(graph.concepts),
        papers=len(graph.papers),
        paths=len(graph.paths),
        edges=graph.digraph.number_of_edges(),
    )


@router.get(
    "/metrics",
    tags=["meta"],
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> Response:
    """Prometheus metrics: requests and latency per route, errors, diagram cache hits,
    budget fits by method (solver time limits among them)."""
    content, media_type = AppState.of(request).counters().exposition()
    return Response(content, media_type=media_type, headers={"Cache-Control": "no-store"})
