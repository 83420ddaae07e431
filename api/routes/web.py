"""The web page: ``/`` serves the single-page app, ``/static/...`` its files from ``api/web``.

No build step: the page is plain HTML, CSS and JavaScript modules that talk only to
the ``/v1`` API, and DOMPurify's ES module from ``node_modules`` (``npm ci``).
Starlette's StaticFiles serves the files, with an ETag, a Last-Modified date and
304s; ``no-cache`` makes a browser revalidate every time (a deploy shows at once,
an unchanged file costs a 304). None of these routes is part of the API, so none
is in the OpenAPI schema.
"""

import html
import os
from os import PathLike
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from api.errors import ApiError

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
# The page's one third-party script: DOMPurify (package.json's pinned dependency, installed
# by `npm ci`), which cleans the diagrams' SVG. Only its ES module is served, at this path.
DOMPURIFY_URL = "/static/vendor/dompurify/purify.es.mjs"
DOMPURIFY_FILE = Path("dompurify") / "dist" / "purify.es.mjs"
MISSING_HELP = "run `npm ci` in the repository (or `make run`, which does), then reload"
ASSET_SUFFIXES = {".js", ".css", ".svg"}
REVALIDATE = {"Cache-Control": "no-cache"}
# The page loads only its own files and talks only to its own origin; markup that
# slipped into the DOM could not run a script or load anything from elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class PageFiles(StaticFiles):
    """StaticFiles for the page's scripts, styles and images (not its HTML, which ``/``
    serves with its CSP), answers a browser revalidates every time."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if Path(path).suffix not in ASSET_SUFFIXES:
            return "", None  # StaticFiles answers 404
        return super().lookup_path(path)

    def file_response(
        self,
        full_path: PathLike[str] | str,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(REVALIDATE)
        return response


def missing_page_files(node_modules: Path = NODE_MODULES) -> str | None:
    """What the page lacks to run, as a sentence saying what to do, or None when it has it
    all. The API works without it; the page would not (its diagrams import DOMPurify)."""
    if (node_modules / DOMPURIFY_FILE).is_file():
        return None
    missing = node_modules / DOMPURIFY_FILE
    return f"The web page needs DOMPurify ({missing} is missing): {MISSING_HELP}."


def mount_page(app: FastAPI, directory: Path = WEB_DIR, node_modules: Path = NODE_MODULES) -> None:
    """The page at ``/`` (whatever its query string: it reads its state from the URL), its
    files at ``/static`` and DOMPurify at ``DOMPURIFY_URL``. Without DOMPurify (installed
    without npm), ``/`` says what to run instead of serving a page whose diagrams fail."""
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_model=None)
    async def index() -> Response:
        missing = missing_page_files(node_modules)
        if missing:
            return HTMLResponse(missing_page(missing), status_code=503, headers=REVALIDATE)
        return FileResponse(
            directory / "index.html",
            media_type="text/html; charset=utf-8",
            headers={**REVALIDATE, "Content-Security-Policy": CSP},
        )

    @router.get(DOMPURIFY_URL, response_model=None)
    async def dompurify() -> Response:
        missing = missing_page_files(node_modules)
        if missing:
            # The server's fault, not the request's: a 503 that says what to run.
            error = ApiError(503, "page-not-installed", missing)
            return JSONResponse(error.body(), status_code=error.status, headers=REVALIDATE)
        # A module script needs a JavaScript media type, which `.mjs` does not get everywhere.
        return FileResponse(
            node_modules / DOMPURIFY_FILE,
            media_type="text/javascript; charset=utf-8",
            headers=REVALIDATE,
        )

    app.include_router(router)
    app.mount("/static", PageFiles(directory=directory), name="static")


def missing_page(message: str) -> str:
    """A plain page saying what the web page lacks and what to run (no script, no style)."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Syllabus: the web page is not installed</title></head><body>"
        f"<h1>The web page is not installed completely</h1><p>{html.escape(message)}</p>"
        '<p>The API works meanwhile: see <a href="/docs">/docs</a>.</p></body></html>'
    )
