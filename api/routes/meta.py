"""Health and version: is the service up, and which graph does it serve?"""

from typing import Annotated

from fastapi import APIRouter, Depends

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
