"""The HTTP API and the web page: a FastAPI app over one loaded graph, built by ``create_app``.

Every error is JSON, ``{"error": {"code", "message", "field", "value", "suggestions"}}``,
with a 4xx status; no request can produce a traceback. Plans, exports and diagram
views run in worker processes (``api.compute``), so the event loop keeps answering.
What wraps every exchange (limits, ETags, compression, security headers, CORS,
metrics) is in ``api.middleware`` and ``api.metrics``.

    uvicorn --factory api.app:create_app
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Match

from api.compute import Compute, default_processes
from api.errors import ApiError, from_plan_error
from api.metrics import Metrics, MetricsMiddleware
from api.middleware import MAX_BODY, Conditional, RequestLimits, SecurityHeaders
from api.routes import case, catalogue, demos, diagrams, docs, meta, plans, web
from api.state import AppState
from graph import KnowledgeGraph, load_graph
from graph.cache import default_cache_dir
from planner.errors import PlanError, shown

DESCRIPTION = """Prerequisite-closed, time-budgeted study plans for AI research, from linear
algebra to attention, RLHF and inference systems; the knowledge graph behind them; diagrams;
and exports for calendars and learning platforms (CASE, Moodle, Common Cartridge, JSON-LD).
"""
ORIGINS = "SYLLABUS_ALLOWED_ORIGINS"
"""Origins (comma-separated) of platforms that may call the API from a browser (CORS)
and frame the page; none by default."""
MAX_BODY_SETTING = "SYLLABUS_MAX_BODY"
"""The largest request body in bytes (default 256 KB)."""


def create_app(
    graph: KnowledgeGraph | None = None,
    data_dir: Path | None = None,
    *,
    processes: int | None = None,
) -> FastAPI:
    """The app over ``graph`` (default: the graph loaded from ``data_dir``, $SYLLABUS_DATA
    or the repository). ``processes`` sizes the worker pool (``api.compute``; default
    $SYLLABUS_PROCESSES, else the CPUs; 0 runs the work in threads instead)."""
    if graph is None:
        graph = load_graph(data_dir, cache_dir=default_cache_dir())
    state = AppState.build(graph)
    state.compute = Compute(state, default_processes() if processes is None else processes)
    state.metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.workers().start()  # before the first request, not during it
        yield
        state.workers().close()  # a graceful shutdown lets running plans finish first

    app = FastAPI(
        title="Syllabus",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc: api/routes/docs.py, with local assets
        redoc_url=None,
    )
    app.state.syllabus = state
    for router in (meta.router, plans.router, catalogue.router, diagrams.router, demos.router):
        app.include_router(router)
    app.include_router(case.router)  # the CASE 1.1 provider; its failures are CASE's payload
    web.mount_page(app)  # the web page at /, outside the OpenAPI schema
    docs.mount_docs(app)  # /docs and /redoc, offline
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(PlanError, _plan_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    # Innermost first: each add_middleware wraps everything added before it.
    app.add_middleware(Conditional)
    app.add_middleware(RequestLimits, max_body=int(os.environ.get(MAX_BODY_SETTING, MAX_BODY)))
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    origins = tuple(o.strip() for o in os.environ.get(ORIGINS, "").split(",") if o.strip())
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=["GET", "HEAD", "POST"],
            allow_headers=["Content-Type", "If-None-Match"],
            expose_headers=["ETag", "Content-Disposition"],
            max_age=600,
        )
    app.add_middleware(SecurityHeaders, frame_origins=origins)
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)
    return app


def _json(request: Request, error: ApiError) -> JSONResponse:
    AppState.of(request).counters().error(error.code)
    return JSONResponse(error.body(), status_code=error.status)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _json(request, exc)


async def _plan_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PlanError)
    return _json(request, from_plan_error(exc))


async def _validation_error(request: Request, exc: Exception) -> Response:
    """FastAPI's validation errors as ours: the first problem, naming the field."""
    assert isinstance(exc, RequestValidationError)
    if case.is_case(request):
        return case.validation_failure(exc)  # CASE's imsx_StatusInfo, not our error JSON
    problem = exc.errors()[0]
    where = [str(p) for p in problem.get("loc", ()) if p not in ("body", "query", "path")]
    cause = (problem.get("ctx") or {}).get("error")
    if isinstance(cause, PlanError):  # a field that words its own error (at, timezone)
        return _json(request, from_plan_error(cause, {cause.field: ".".join(where)}))
    message = problem.get("msg", "invalid value")
    value = problem.get("input")
    shown_value = value if isinstance(value, str) else None
    if problem.get("type") == "json_invalid":
        message = "the body is not valid JSON: " + message.removeprefix("JSON decode error")
    elif shown_value is not None:
        message = f"{message} (got {shown(shown_value)})"
    return _json(
        request,
        ApiError(422, "invalid-request", message, ".".join(where) or None, value=shown_value),
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {400: "malformed-request", 404: "not-found", 405: "method-not-allowed"}
    code = codes.get(exc.status_code, "http-error")
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    headers = dict(exc.headers or {})
    if exc.status_code == 404 and message == "Not Found":
        if case.is_case(request):
            return case.not_found(request)
        message = f"no such endpoint: {request.url.path[:200]}; see /docs for the API"
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        message = f"{request.method} is not allowed here; use {' or '.join(allowed)}"
    response = _json(request, ApiError(exc.status_code, code, message))
    response.headers.update(headers)
    return response


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at the request's path (HEAD wherever GET is).

    Asked of the routes themselves, one method at a time: Starlette's own 405 names only
    the methods of the first route that matched the path.
    """
    allowed = [
        method
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]
    return [*allowed[:1], "HEAD", *allowed[1:]] if "GET" in allowed else allowed
