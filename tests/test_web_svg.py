"""The diagrams' SVG is cleaned by DOMPurify (issue 20, item 8), served from node_modules.

Planted payloads go through the page's own ``importSvg`` (api/web/diagram.js) in real
Chromium, and what comes out is put on the page: nothing that runs or loads survives,
while a real Graphviz diagram keeps its nodes, labels, titles and in-app links. Without
DOMPurify installed, the server says what to run instead of serving a broken page.
"""

import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from api.routes import web
from tests.helpers import free_port
from tests.test_web import Page, browser, open_page, server  # noqa: F401

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
PAYLOADS = {
    "script": f"{SVG}><script>alert(1)</script><g><script>alert(2)</script></g></svg>",
    "handlers": f'{SVG} onload="alert(1)"><g onclick="alert(2)"><rect onmouseover="alert(3)"'
    ' width="9" height="9"/></g><text onfocusin="alert(4)">t</text></svg>',
    "animate-href": f'{SVG}><a><animate attributeName="href" values="javascript:alert(1)"/>'
    '<text y="9">click</text></a></svg>',
    "set-xlink-href": f'{SVG}><a><set attributeName="xlink:href" to="javascript:alert(1)"'
    ' begin="0s"/><text y="9">click</text></a></svg>',
    "tab-split": f'{SVG}><a href="java\tscript:alert(1)"><text>a</text></a>'
    '<a xlink:href="java&#9;script:alert(2)"><text>b</text></a>'
    '<a href=" &#x20;JaVaScRiPt:alert(3)"><text>c</text></a></svg>',
    "entity-split": f'{SVG}><a xlink:href="&#106;avascript:alert(1)"><text>a</text></a>'
    '<a href="&#x6A;ava&#x73;cript&#x3A;alert(2)"><text>b</text></a>'
    '<a href="java&#x0A;script:alert(3)"><text>c</text></a></svg>',
    "foreign-object": f'{SVG}><foreignObject width="99" height="99">'
    '<div xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(1)"/>'
    '<iframe src="javascript:alert(2)"></iframe><b>bold</b></div></foreignObject></svg>',
    "use-data": f'{SVG}><use href="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+#x"/>'
    "<use xlink:href=\"data:image/svg+xml,&lt;svg id='x' onload='alert(1)'/&gt;#x\"/></svg>",
    "style-url": f"{SVG}><style>@import url(javascript:alert(1));"
    " rect { fill: url(javascript:alert(2)) }</style>"
    '<rect style="fill: url(javascript:alert(3))" width="9" height="9"/></svg>',
    "external-image": f'{SVG}><image href="http://example.invalid/a.png" width="9" height="9"/>'
    '<image xlink:href="https://example.invalid/b.svg"/>'
    '<feImage href="http://example.invalid/c.png"/></svg>',
}

# Elements that run, load, animate attributes or carry HTML (by their lower-case local name).
BANNED = ["script", "foreignobject", "animate", "set", "use", "image", "feimage", "style"]
BANNED += ["iframe", "img", "div", "b"]

# Each payload through the page's own importSvg, and what survived that could run, load or
# style: elements, on* and style attributes, script, data and external URLs.
CLEAN = """
async (payloads) => {
  const { importSvg } = await import("/static/diagram.js");
  const banned = new Set(BANNED);
  const found = {};
  window.__cleaned = [];
  for (const [name, text] of Object.entries(payloads)) {
    const svg = importSvg(text);
    const bad = [];
    for (const el of svg ? [svg, ...svg.querySelectorAll("*")] : []) {
      if (banned.has(el.localName.toLowerCase())) bad.push(`<${el.localName}>`);
      for (const attr of el.attributes) {
        const name = attr.name.toLowerCase();
        const value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, "").toLowerCase();
        if (name.startsWith("on") || name === "style") bad.push(`${el.localName} ${name}`);
        if (name === "xmlns" || name.startsWith("xmlns:")) continue; // namespaces, not links
        if (/javascript:|vbscript:|^data:|^https?:/.test(value)) bad.push(`${name}=${value}`);
      }
    }
    if (svg) window.__cleaned.push(svg);
    found[name] = { bad, svg: Boolean(svg) };
  }
  return found;
}
""".replace(
    "BANNED",
    json.dumps(BANNED),
)

# The cleaned diagrams on the page, where anything live would run, load or be styled; links
# clicked, animations given time to begin.
MOUNT = """
async () => {
  for (const svg of window.__cleaned) document.body.append(svg);
  const click = () => new MouseEvent("click", { bubbles: true, cancelable: true });
  for (const link of document.querySelectorAll("body > svg a")) link.dispatchEvent(click());
  await new Promise((resolve) => setTimeout(resolve, 300));
  return window.__pwned ?? null;
}
"""

# Chromium checks the page's Content-Security-Policy when it parses an on* or style attribute,
# even into a document that never runs anything (DOMParser's, DOMPurify's): a hostile payload
# reports these on parsing alone, before any cleaning. What matters is what the page gets.
PARSE_REPORT = re.compile(
    r"^(Executing inline event handler|Applying inline style) violates the following "
    r"Content Security Policy"
)

TRAP = "window.__pwned = undefined; window.alert = () => { window.__pwned = 'alert'; };"


def test_planted_payloads_leave_nothing_that_runs_or_loads(open_page):  # noqa: F811
    p = open_page()
    page = p.page
    page.add_init_script(TRAP)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    p.open()
    page.wait_for_selector("text=Plan a path into AI research")
    found = page.evaluate(CLEAN, PAYLOADS)
    assert {name: r["bad"] for name, r in found.items() if r["bad"]} == {}
    assert all(r["svg"] for r in found.values())  # each was cleaned, not refused
    p.errors[:] = [e for e in p.errors if not PARSE_REPORT.match(e)]
    assert p.errors == []
    # On the page: nothing runs (the trap), loads, or breaks the CSP (open_page checks).
    assert page.evaluate(MOUNT) is None
    assert not [url for url in requests if "example.invalid" in url]


# The same diagram parsed as it is and through importSvg: what a reader sees and follows.
COMPARE = """
async ([text, extra]) => {
  const { importSvg } = await import("/static/diagram.js");
  const raw = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
  const svg = importSvg(text);
  const ext = importSvg(extra);
  const shape = (root) => ({
    nodes: root.querySelectorAll("g.node").length,
    edges: root.querySelectorAll("g.edge").length,
    texts: [...root.querySelectorAll("text")].map((t) => t.textContent),
    titles: [...root.querySelectorAll("title")].map((t) => t.textContent),
    shapes: root.querySelectorAll("path, polygon, ellipse").length,
    tooltips: [...root.querySelectorAll("a")].map((a) => a.getAttribute("xlink:title")),
  });
  const links = [...ext.querySelectorAll("a")].map((a) => [
    a.getAttribute("href"),
    a.getAttributeNS("http://www.w3.org/1999/xlink", "href"),
  ]);
  return { raw: shape(raw), clean: shape(svg), viewBox: svg.getAttribute("viewBox"), links };
}
"""

LINKED = (
    f'{SVG} viewBox="0 0 99 99"><g class="node"><title>attention</title>'
    '<a xlink:href="/?concept=attention" xlink:title="The Attention Mechanism">'
    '<text x="5" y="20">Attention</text></a></g><g class="node"><title>gpt</title>'
    '<a href="/?paper=attention-is-all-you-need&amp;goal=gpt"><text y="40">Paper</text></a>'
    "</g></svg>"
)


def test_a_graphviz_diagram_keeps_its_nodes_labels_titles_and_links(open_page, server):  # noqa: F811
    page = open_page().page
    page.wait_for_selector("text=Plan a path into AI research")
    svg = page.request.get(f"{server}/v1/graph?focus=attention&depth=2&direction=up&format=svg")
    assert svg.ok
    result = page.evaluate(COMPARE, [svg.text(), LINKED])
    assert result["clean"] == result["raw"]
    assert result["raw"]["nodes"] > 3 and result["raw"]["texts"]  # a real diagram
    assert result["viewBox"]
    assert result["links"] == [
        [None, "/?concept=attention"],
        ["/?paper=attention-is-all-you-need&goal=gpt", None],
    ]


def test_the_page_serves_dompurify_as_a_javascript_module(server):  # noqa: F811
    with urllib.request.urlopen(f"{server}{web.DOMPURIFY_URL}") as response:
        assert response.headers["content-type"].startswith("text/javascript")
        assert b"DOMPurify" in response.read(400)


@contextmanager
def uvicorn_serving(app: FastAPI) -> Iterator[str]:
    """``app`` served by a real uvicorn on a free 127.0.0.1 port, in a thread."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=20)


def test_without_dompurify_the_page_says_what_to_run(tmp_path: Path):
    """Installed without npm: / answers 503 naming the missing file and `npm ci`, not a page
    whose diagrams would fail; DOMPurify's URL answers the same as a JSON error."""
    app = FastAPI()
    web.mount_page(app, node_modules=tmp_path)  # an empty node_modules
    with uvicorn_serving(app) as base:
        try:
            urllib.request.urlopen(f"{base}/?goal=gpt")
            raise AssertionError("the page was served without DOMPurify")
        except urllib.error.HTTPError as error:
            assert error.code == 503
            assert error.headers["content-type"].startswith("text/html")
            text = error.read().decode()
        assert "npm ci" in text and "dompurify" in text and "<script" not in text
        try:
            urllib.request.urlopen(f"{base}{web.DOMPURIFY_URL}")
            raise AssertionError("DOMPurify's URL answered without DOMPurify")
        except urllib.error.HTTPError as error:
            assert error.code == 503
            body = json.loads(error.read())
        assert body["error"]["code"] == "page-not-installed"
        assert "npm ci" in body["error"]["message"]
        # The page's own files are still served: only what needs DOMPurify says so.
        with urllib.request.urlopen(f"{base}/static/app.js") as response:
            assert response.status == 200
