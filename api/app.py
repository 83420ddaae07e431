"""The HTTP API and the web page: a FastAPI app over one loaded graph, built by ``create_app``.

Every error is JSON, ``{"error": {"code", "message", "field", "suggestions"}}``,
with a 4xx status; no request can produce a traceback.

    uvicorn --factory api.app:create_app
"""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from api.errors import ApiError
from api.routes import catalogue, demos, diagrams, meta, plans, web
from api.state import AppState
from graph import KnowledgeGraph, load_graph
from graph.cache import default_cache_dir
from planner.errors import PlanError

DESCRIPTION = """Prerequisite-closed, time-budgeted study plans for AI research, from linear
algebra to attention, RLHF and inference systems; the knowledge graph behind them; diagrams;
and exports for calendars and learning platforms (CASE, Moodle, Common Cartridge, JSON-LD).
"""


def create_app(graph: KnowledgeGraph | None = None, data_dir: Path | None = None) -> FastAPI:
    """The app over ``graph`` (default: the graph loaded from ``data_dir`` or the repository)."""
    if graph is None:
        graph = load_graph(data_dir, cache_dir=default_cache_dir())
    app = FastAPI(
        title="Syllabus",
        version="1",
        description=DESCRIPTION,
        responses={422: {"description": "Invalid request"}},
    )
    app.state.syllabus = AppState.build(graph)
    app.router.routes.insert(0, plans.fast_post_plan())
    for router in (meta.router, plans.router, catalogue.router, diagrams.router, demos.router):
        app.include_router(router)
    app.include_router(web.make_router())  # the web page at /, outside the OpenAPI schema
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(PlanError, _plan_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    return app


def _json(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _json(exc)


async def _plan_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PlanError)
    code = "unknown-id" if exc.suggestions or "no concept" in exc.message else "invalid-request"
    return _json(ApiError(422, code, exc.message, exc.field, exc.suggestions))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problem = exc.errors()[0]
    where = [str(p) for p in problem.get("loc", ()) if p not in ("body", "query", "path")]
    message = problem.get("msg", "invalid value")
    return _json(ApiError(422, "invalid-request", message, ".".join(where) or None))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    codes = {400: "malformed-request", 404: "not-found", 405: "method-not-allowed"}
    code = codes.get(exc.status_code, "http-error")
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such endpoint: {request.url.path}; see /docs for the API"
    response = _json(ApiError(exc.status_code, code, message))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response
