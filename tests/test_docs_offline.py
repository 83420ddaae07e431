"""The API's reference pages work offline: /docs (Swagger UI) and /redoc (ReDoc) render in a
real headless Chromium against a real uvicorn server while every request to any host but
127.0.0.1 is aborted, and none is even tried. FastAPI's own pages load their files from a
CDN, so against them these tests fail.

The one load the pages' Content-Security-Policy refuses is ReDoc's "by Redocly" logo, which
ReDoc 2.5.3 draws from Redocly's CDN whatever its options (api/routes/docs.py)."""

import json
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from tests.helpers import chromium, live_server, needs_chromium

PAGES = ["/docs", "/redoc", "/docs/oauth2-redirect"]
# Rendering the whole API on a busy two-core machine can take a while: wait for it.
RENDERED_WITHIN_MS = 30_000
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
# What the page's Content-Security-Policy refused, as (URL, directive): the browser sends none.
RECORD_REFUSALS = """
window.__refused = [];
document.addEventListener("securitypolicyviolation",
    e => window.__refused.push([e.blockedURI, e.effectiveDirective]));
"""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with chromium() as browser:
        yield browser


class OfflinePage:
    """A page in a fresh context that may reach 127.0.0.1 only: any other request is aborted
    and recorded in ``outside``; uncaught script errors are recorded in ``errors``, and what
    the page's Content-Security-Policy refused is ``refused()``."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(15_000)
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.context.add_init_script(RECORD_REFUSALS)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _route(self, route) -> None:
        url = route.request.url
        scheme = urllib.parse.urlsplit(url).scheme
        host = urllib.parse.urlsplit(url).hostname
        if scheme in ("http", "https", "ws", "wss") and host != "127.0.0.1":
            self.outside.append(url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    def open(self, url: str) -> "OfflinePage":
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        # What the page asked of other hosts is the first thing to know when it did not render.
        assert self.outside == [], f"requests that left the machine: {self.outside}"
        return self

    def refused(self) -> list[tuple[str, str]]:
        return [tuple(r) for r in self.page.evaluate("window.__refused")]

    def finish(self, may_refuse: frozenset[str] = frozenset()) -> None:
        """Everything settled: still nothing asked of another host, no script failed, and the
        policy refused nothing but images in ``may_refuse``."""
        self.page.wait_for_load_state("networkidle")
        assert self.outside == [], f"requests that left the machine: {self.outside}"
        assert self.errors == [], self.errors
        refused = self.refused()
        assert all(url in may_refuse and how == "img-src" for url, how in refused), refused

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def offline(browser) -> Iterator:
    pages: list[OfflinePage] = []

    def open_(url: str) -> OfflinePage:
        page = OfflinePage(browser)
        pages.append(page)
        return page.open(url)

    yield open_
    for page in pages:
        page.close()


@needs_chromium
def test_swagger_ui_renders_the_operations_offline(server, offline):
    sync_api = pytest.importorskip("playwright.sync_api")
    docs = offline(f"{server}/docs")
    page = docs.page
    expect = sync_api.expect
    title = page.locator("#swagger-ui .info .title")
    expect(title).to_contain_text("Syllabus", timeout=RENDERED_WITHIN_MS)
    # Swagger UI writes a zero-width space before each "/" of a path; data-path has it plain.
    plans = page.locator('.opblock-summary-path[data-path="/v1/plans"]')
    expect(plans.first).to_be_visible()
    assert plans.count() == 2  # GET and POST
    expect(page.locator(".opblock-get .opblock-summary-path").first).to_be_visible()
    # The spec came from this server's /openapi.json, and an operation opens.
    page.locator(".opblock-post", has=plans).locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-post.is-open .opblock-body")).to_be_visible()
    assert page.evaluate("() => [...document.styleSheets].some(s => s.cssRules.length > 100)")
    docs.finish()


@needs_chromium
def test_redoc_renders_the_api_offline(server, offline):
    sync_api = pytest.importorskip("playwright.sync_api")
    redoc = offline(f"{server}/redoc")
    page = redoc.page
    expect = sync_api.expect
    expect(page.locator("h1", has_text="Syllabus").first).to_be_visible(timeout=RENDERED_WITHIN_MS)
    # Each /v1/plans operation is rendered under its summary, whatever the schema names it.
    operations = page.request.get(f"{server}/openapi.json").json()["paths"]["/v1/plans"]
    assert {"get", "post"} <= set(operations)
    for operation in operations.values():
        heading = page.locator("h2", has_text=operation["summary"]).first
        expect(heading).to_be_visible()
    # The operations' paths are rendered too (in each operation's endpoint panel).
    assert page.get_by_text("/v1/plans", exact=True).count() >= 2
    redoc.finish(may_refuse=frozenset({REDOCLY_LOGO}))
    assert page.locator('img[alt="redocly logo"]').count() == 0  # ReDoc drops it when refused


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("content-type", ""), response.read()


def test_pages_name_only_local_files(server):
    """Without a browser: each page's HTML names no other host, and every file it names is
    served from the pinned assets (so a missing asset fails here even where Chromium is not)."""
    for path in PAGES:
        status, media_type, body = _get(server + path)
        html = body.decode()
        assert status == 200 and media_type.startswith("text/html"), path
        assert not re.search(r"(?i)\b(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html), (path, html)
        for url in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert url.startswith("/docs-assets/"), (path, url)
            status, media_type, body = _get(server + url)
            assert status == 200 and len(body) > 1000, url
    swagger = _get(f"{server}/docs")[2].decode()
    assert "url: '/openapi.json'" in swagger
    assert 'spec-url="/openapi.json"' in _get(f"{server}/redoc")[2].decode()
    assert "fonts.googleapis" not in _get(f"{server}/redoc")[2].decode()


def test_docs_pages_are_not_in_the_schema(server):
    paths = set(json.loads(_get(f"{server}/openapi.json")[2])["paths"])
    assert not {p for p in paths if p.startswith(("/docs", "/redoc"))}
