"""Plans: POST a request, or GET one from a shareable URL; as JSON or any export format."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.routing import Route

from api.errors import ApiError
from api.exports.formats import (
    GraphFormat,
    PlanFormat,
    Rendered,
    json_bytes,
    plan_data,
    render_graph,
    render_plan,
)
from api.models import ERRORS, CasePackage, ErrorOut, PlanOut
from api.plan_query import QUERY_NAMES, PlanText, plan_request_from_text
from api.state import AppState, app_state, demo_status_of
from graph.suggest import close_matches, did_you_mean
from graph.taxonomy import Track
from planner.plan import Plan, make_plan
from planner.request import MAX_GOALS, MAX_KNOWN, PlanRequest

router = APIRouter(prefix="/v1", tags=["plans"], responses=ERRORS)
State = Annotated[AppState, Depends(app_state)]
MAX_TEXT = 100

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
PLAN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "model": PlanOut | CasePackage,
        "description": "The plan (JSON), or the export asked for",
        "content": {
            "text/markdown": {},
            "text/calendar": {},
            "text/csv": {},
            "application/zip": {},
            "application/ld+json": {},
        },
    },
    422: {"model": ErrorOut, "description": "A field of the request is invalid"},
}


PLAN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/PlanRequest"},
                "examples": EXAMPLES,
            }
        },
    }
}


FORMAT_PARAMETER = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": FORMAT_DOC,
    "schema": {"type": "string", "enum": [f.value for f in PlanFormat], "default": "json"},
}


@router.post(
    "/plans",
    responses=PLAN_RESPONSES,
    response_class=Response,
    openapi_extra=PLAN_BODY | {"parameters": [FORMAT_PARAMETER]},
)
async def post_plan(request: Request) -> Response:
    """Plan a path: prerequisites first, fitted to the budget, dated at the pace."""
    # The busiest endpoint reads its inputs itself, so that ``fast_post_plan`` can serve
    # it without FastAPI's per-request parameter machinery. pydantic-core parses and
    # validates the raw body in one pass: the same model and errors as a body parameter.
    fmt = _plan_format(request.query_params.get("format", PlanFormat.JSON.value))
    try:
        body = PlanRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    state: AppState = request.app.state.syllabus
    return _respond(state, make_plan(state.graph, body), fmt, request)


def fast_post_plan() -> Route:
    """``POST /v1/plans`` as a plain Starlette route, to put before FastAPI's routes.

    The same endpoint function; the FastAPI route stays for the OpenAPI document.
    Dispatching past FastAPI's routing and dependency solving saves about a fifth
    of a plan request's time in the server (``bench/api.py``).
    """
    return Route("/v1/plans", post_plan, methods=["POST"])


def _plan_format(text: str) -> PlanFormat:
    try:
        return PlanFormat(text)
    except ValueError:
        choices = [f.value for f in PlanFormat]
        near = close_matches(text[:MAX_TEXT], choices)
        hint = did_you_mean(near) or "one of: " + ", ".join(choices)
        message = f"unknown format {text[:MAX_TEXT]!r}; {hint}"
        raise ApiError(422, "invalid-request", message, "format", near) from None


async def query_request(
    goal: Annotated[
        list[str],
        Query(max_length=MAX_GOALS, description="A goal id (repeat it), or a preset id"),
    ] = [],  # noqa: B006
    known: Annotated[
        list[str], Query(max_length=MAX_KNOWN, description="An id you know (repeat it)")
    ] = [],  # noqa: B006
    track: Track | None = None,
    budget: Annotated[
        str | None, Query(max_length=MAX_TEXT, description="6h, 90m or 1h30m")
    ] = None,
    pace: Annotated[
        str | None, Query(max_length=MAX_TEXT, description="30m/day or 5h/week")
    ] = None,
    days: Annotated[str | None, Query(max_length=MAX_TEXT, description="mon,wed,fri")] = None,
    start: Annotated[str | None, Query(max_length=MAX_TEXT, description="YYYY-MM-DD")] = None,
    depth: Annotated[
        str | None, Query(max_length=MAX_TEXT, description="overview, study (default) or deep")
    ] = None,
    complete: Annotated[
        bool, Query(description="A preset: also the prerequisites its source skips")
    ] = False,
    recommended: bool = False,
    known_implies_prerequisites: bool = True,
) -> PlanRequest:
    """A plan request from a URL's query string, so a plan can be shared as a link."""
    text = PlanText(
        goal,
        known,
        track,
        budget,
        pace,
        days,
        start,
        recommended,
        known_implies_prerequisites,
        depth,
        complete,
    )
    return plan_request_from_text(
        text,
        names=QUERY_NAMES,
    )


QueryRequest = Annotated[PlanRequest, Depends(query_request)]


@router.get("/plans", responses=PLAN_RESPONSES, response_class=Response)
async def get_plan_from_query(
    request: Request,
    state: State,
    plan_request: QueryRequest,
    format: Annotated[PlanFormat, Query(description=FORMAT_DOC)] = PlanFormat.JSON,
) -> Response:
    """The same plan as POST, from a linkable URL: ?goal=gpt&budget=6h&pace=30m/day."""
    return _respond(state, make_plan(state.graph, plan_request), format, request)


@router.get("/export", tags=["graph"], response_class=Response)
async def export_graph(
    request: Request,
    state: State,
    format: GraphFormat,
) -> Response:
    """The whole graph as a competency framework: a CASE 1.1 package or a Moodle CSV."""
    rendered = render_graph(state.graph, format, base_url(request))
    return _download(rendered)


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _respond(state: AppState, plan: Plan, fmt: PlanFormat, request: Request) -> Response:
    if fmt is PlanFormat.JSON:
        data = plan_data(plan)
        for step in data["steps"]:
            step["demo_status"] = demo_status_of(state, step["demo"]) or None
        return Response(json_bytes(data), media_type="application/json")
    return _download(render_plan(plan, state.graph, fmt, base_url(request)))


def _download(rendered: Rendered) -> Response:
    disposition = f'attachment; filename="{rendered.filename}"'
    return Response(
        rendered.content,
        media_type=rendered.media_type,
        headers={"Content-Disposition": disposition},
    )
