"""The web page: ``/`` serves the single-page app, ``/static/...`` its files from ``api/web``.

No build step: the page is plain HTML, CSS and JavaScript modules that talk only to
the ``/v1`` API. Starlette's StaticFiles serves the files, with an ETag, a
Last-Modified date and 304s; ``no-cache`` makes a browser revalidate every time
(a deploy shows at once, an unchanged file costs a 304). None of these routes is
part of the API, so none is in the OpenAPI schema.
"""

import os
from os import PathLike
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
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


def mount_page(app: FastAPI, directory: Path = WEB_DIR) -> None:
    """The page at ``/`` (whatever its query string: it reads its state from the URL) and
    its files at ``/static``."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def index() -> FileResponse:
        return FileResponse(
            directory / "index.html",
            media_type="text/html; charset=utf-8",
            headers={**REVALIDATE, "Content-Security-Policy": CSP},
        )

    app.include_router(router)
    app.mount("/static", PageFiles(directory=directory), name="static")
