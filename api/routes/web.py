"""The web page: ``/`` serves the single-page app, ``/static/...`` its files from ``api/web``.

No build step: the page is plain HTML, CSS and JavaScript modules that talk only to
the ``/v1`` API. The files are read once per app (they change only with a deploy)
and served with an ETag, so a browser revalidates cheaply instead of running stale
code. None of these routes is part of the API, so none is in the OpenAPI schema.
"""

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.errors import ApiError

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# A flat directory of lowercase names: nothing a request names can reach outside it.
ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.(?:js|css|svg)$")
# The page loads only its own files and talks only to its own origin; markup that
# slipped into the DOM could not run a script or load anything from elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Asset:
    content: bytes
    media_type: str
    etag: str


def load_assets(directory: Path = WEB_DIR) -> dict[str, Asset]:
    """Every servable file of ``directory`` by name, with its media type and ETag."""
    assets = {}
    for path in sorted(directory.iterdir()):
        if path.suffix in MEDIA_TYPES and path.is_file():
            content = path.read_bytes()
            etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
            assets[path.name] = Asset(content, MEDIA_TYPES[path.suffix], etag)
    return assets


def make_router(directory: Path = WEB_DIR) -> APIRouter:
    """The page's routes over the files of ``directory``, read now."""
    assets = load_assets(directory)
    router = APIRouter(include_in_schema=False)

    @router.api_route("/", methods=["GET", "HEAD"])
    async def index(request: Request) -> Response:
        """The app's page, whatever its query string: the page reads its state from the URL."""
        return _serve(request, assets["index.html"], {"Content-Security-Policy": CSP})

    @router.api_route("/static/{name}", methods=["GET", "HEAD"])
    async def static(name: str, request: Request) -> Response:
        asset = assets.get(name) if ASSET_NAME.match(name) else None
        if asset is None:
            raise ApiError(404, "not-found", f"no such file: /static/{name}")
        return _serve(request, asset)

    return router


def _serve(request: Request, asset: Asset, extra: dict[str, str] | None = None) -> Response:
    """``asset`` with its ETag; 304 when the browser has it already.

    ``no-cache`` means "revalidate every time", not "do not store": a deploy shows at
    once, and an unchanged file costs a 304.
    """
    headers = {
        "ETag": asset.etag,
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        **(extra or {}),
    }
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(asset.content, media_type=asset.media_type, headers=headers)
