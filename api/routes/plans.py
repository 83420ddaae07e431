"""Plans: POST a request, or GET one from a shareable URL; as JSON or any export format.

Both build the one request model (``PlanRequest``; a URL gives its text form,
``PlanQuery``) and send the work to a worker process (``api.compute``).
"""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response

from api.errors import ApiError, from_plan_error
from api.exports.formats import GraphFormat, PlanFormat
from api.jobs import graph_export, plan_answer
from api.models import ERRORS, CasePackage, ErrorOut, PlanOut
from api.state import AppState
from planner.errors import PlanError
from planner.query import FROM_REQUEST, PlanQuery
from planner.request import PlanRequest

router = APIRouter(prefix="/v1", tags=["plans"], responses=ERRORS)

EXAMPLES = {
    "budgeted": {
        "summary": "GPT in six hours at 30 minutes a day",
        "value": {
            "goals": ["gpt"],
            "known": ["linear-algebra"],
            "budget_minutes": 360,
            "pace": {"minutes_per_day": 30},
            "start": "2026-12-01",
        },
    },
    "evenings": {
        "summary": "Attention at 45 minutes every evening at 19:00, Paris time (timed .ics)",
        "value": {
            "goals": ["attention"],
            "pace": {"minutes_per_day": 45},
            "start": "2026-12-01",
            "at": "19:00",
            "timezone": "Europe/Paris",
        },
    },
    "papers": {
        "summary": "DPO and RAG through the papers",
        "value": {"goals": ["direct-preference-optimisation", "rag"], "track": "paper"},
    },
    "preset": {"summary": "A curated path as it stands", "value": {"goals": ["researcher-path"]}},
}
FORMAT_DOC = (
    "json (default), markdown (the checklist), ics (needs a pace), case, moodle-csv, "
    "imscc or jsonld"
)


def _plan_responses() -> dict[int | str, dict[str, Any]]:
    """The plan's JSON first (a generated client reads the first media type), then exports."""
    return {
        200: {
            "model": PlanOut | CasePackage,
            "description": "The plan (JSON), or the export asked for with format",
            "content": {
                "application/json": {},  # first: the schema of PlanOut | CasePackage goes here
                "text/markdown": {"schema": {"type": "string"}},
                "text/calendar": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
                "application/zip": {"schema": {"type": "string", "format": "binary"}},
                "application/ld+json": {"schema": {"type": "object"}},
            },
        },
        415: {"model": ErrorOut, "description": "The body is not application/json"},
        422: {"model": ErrorOut, "description": "A field of the request is invalid"},
    }


PLAN_RESPONSES = _plan_responses()
FormatQuery = Annotated[PlanFormat, Query(description=FORMAT_DOC)]


@router.post("/plans", responses=PLAN_RESPONSES, response_class=Response)
async def post_plan(
    request: Request,
    body: Annotated[PlanRequest, Body(openapi_examples=EXAMPLES)],
    format: FormatQuery = PlanFormat.JSON,
) -> Response:
    """Plan a path: prerequisites first, fitted to the budget, dated at the pace."""
    state = AppState.of(request)
    answer = await state.workers().run(plan_answer, dated(body), format, base_url(request))
    state.counters().fit(answer.fit_method)
    return _send(answer.content, answer.media_type, answer.filename, format)


@router.get("/plans", responses=PLAN_RESPONSES, response_class=Response)
async def get_plan(
    request: Request,
    query: Annotated[PlanQuery, Query()],
    format: FormatQuery = PlanFormat.JSON,
) -> Response:
    """The same plan as POST, from a linkable URL: ?goal=gpt&budget=6h&pace=30m/day."""
    state = AppState.of(request)
    plan_request = request_of(query)
    answer = await state.workers().run(
        plan_answer, plan_request, format, base_url(request), FROM_REQUEST
    )
    state.counters().fit(answer.fit_method)
    return _send(answer.content, answer.media_type, answer.filename, format)


@router.get("/export", tags=["graph"], response_class=Response)
async def export_graph(request: Request, format: GraphFormat) -> Response:
    """The whole graph as a competency framework: a CASE 1.1 package or a Moodle CSV."""
    state = AppState.of(request)
    rendered = await state.workers().run(graph_export, format, base_url(request))
    return _send(rendered.content, rendered.media_type, rendered.filename, format)


def dated(body: PlanRequest) -> PlanRequest:
    """``body`` with today as its start when it has a pace and no start (as a link's)."""
    if body.pace is not None and body.start is None:
        return body.model_copy(update={"start": date.today()})
    return body


def request_of(query: PlanQuery) -> PlanRequest:
    """The PlanRequest a URL's query says; ApiError naming the query's own field."""
    try:
        return query.to_request()
    except PlanError as error:
        raise from_plan_error(error) from None


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _send(
    content: bytes, media_type: str, filename: str, fmt: PlanFormat | GraphFormat
) -> Response:
    """JSON inline; any export as a download with its file name."""
    headers = {}
    if fmt != PlanFormat.JSON:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(content, media_type=media_type, headers=headers)


__all__ = ["EXAMPLES", "ApiError", "base_url", "dated", "request_of", "router"]
