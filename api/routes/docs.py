"""The API's reference pages, offline: Swagger UI at ``/docs``, ReDoc at ``/redoc``.

FastAPI's own pages load their JavaScript and CSS from a CDN, so without a network they
are blank. These pages load pinned copies instead, served by this app at
``/docs-assets/...``: the files that the ``fastapi-offline`` package ships (pinned in
pyproject.toml; 1.7.7 ships swagger-ui-dist 5.32.6 and ReDoc 2.5.3), used as files only.
ReDoc's Google fonts are off. ReDoc 2.5.3 still draws its side menu's "by Redocly" logo
from Redocly's CDN, unconditionally; each page's Content-Security-Policy lets it load only
this server's files, so the browser refuses that image (ReDoc then hides it) and neither
page asks anything of any other host. None of these routes is in the OpenAPI schema.
"""

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/docs-assets"
SWAGGER_URL = "/docs"
REDOC_URL = "/redoc"
# Only this server's files. Inline scripts run only by their hash (FastAPI writes Swagger UI's
# set-up as one); both UIs inject styles; ReDoc searches in a Web Worker made from a blob.
CSP = (
    "default-src 'self'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def mount_docs(app: FastAPI) -> None:
    """Serve the reference pages and their files on ``app``.

    ``app`` is built with ``docs_url=None, redoc_url=None``, so FastAPI's CDN pages are off.
    """
    assert app.openapi_url, "the reference pages need the app's OpenAPI schema"
    openapi_url = app.openapi_url
    oauth2_redirect_url = app.swagger_ui_oauth2_redirect_url
    router = APIRouter(include_in_schema=False)

    @router.get(SWAGGER_URL)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root_path(request)
        page = get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            oauth2_redirect_url=oauth2_redirect_url,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters=app.swagger_ui_parameters,
        )
        return _with_csp(page)

    if oauth2_redirect_url:

        @router.get(oauth2_redirect_url)
        async def swagger_ui_oauth2_redirect() -> HTMLResponse:
            return _with_csp(get_swagger_ui_oauth2_redirect_html())

    @router.get(REDOC_URL)
    async def redoc(request: Request) -> HTMLResponse:
        root = _root_path(request)
        page = get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
        return _with_csp(page)

    app.include_router(router)
    # check_dir: a missing or moved asset folder fails the app's start, not a page later.
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR, check_dir=True), name="docs-assets")


def _root_path(request: Request) -> str:
    """The prefix the app is served under behind a proxy (as FastAPI's own pages use it)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def _with_csp(page: HTMLResponse) -> HTMLResponse:
    """``page`` with the policy above, its own inline scripts allowed by their SHA-256."""
    scripts = INLINE_SCRIPT.findall(bytes(page.body).decode())
    hashes = [base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in scripts]
    page.headers["Content-Security-Policy"] = CSP.format(
        scripts=" ".join(f"'sha256-{h}'" for h in hashes)
    )
    return page
