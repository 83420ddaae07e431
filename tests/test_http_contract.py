"""What every exchange promises, whatever the route: HEAD wherever GET is, an Allow header
that lists every method, JSON bodies only, ETags and 304s, compression, security headers,
CORS only when configured, and metrics that count what happened."""

import socket
import time
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from api.app import ORIGINS, create_app
from api.exports.case import CaseFramework, graph_case
from api.middleware import etag_matches, parse_if_none_match
from graph import load_graph
from tests.helpers import REPO, live_server, serving

GRAPH = load_graph(REPO, cache_dir=None)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(GRAPH, processes=0))


def get_paths(client: TestClient) -> list[str]:
    """Every GET path of the OpenAPI, with a real id wherever the path takes one."""
    ids = {"concept_id": "attention", "paper_id": "gpt-2", "preset_id": "researcher-path"}
    ids |= {"demo_id": "attention"}
    framework = CaseFramework.of(graph_case(GRAPH, "http://testserver"))
    item = next(iter(framework.items))
    paths = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        if "get" in operations:
            # a CASE object's id: the document's, an item's or an association's
            sourced = framework.identifier
            if "/CFItem" in path:
                sourced = item
            elif "/CFAssociations/" in path:
                sourced = framework.involving[item][0]["identifier"]
            paths.append(path.format(**ids, sourcedId=sourced))
    return paths


def test_head_answers_wherever_get_does_with_the_same_headers_and_no_body(client):
    for path in [*get_paths(client), "/", "/static/app.js", "/docs"]:
        params = {"goal": "gpt"} if path.startswith("/v1/plans") else {}
        if path == "/v1/export":
            params = {"format": "case"}
        if path == "/v1/search":
            params = {"q": "attention"}
        got, head = client.get(path, params=params), client.head(path, params=params)
        assert got.status_code == 200, (path, got.text[:200])
        assert head.status_code == 200 and head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers.get("etag") == got.headers.get("etag"), path


def test_405_allows_every_method_the_path_has(client):
    for method, path, allowed in [
        ("PUT", "/v1/plans", "GET, HEAD, POST"),
        ("DELETE", "/v1/plans/graph", "GET, HEAD, POST"),
        ("POST", "/v1/concepts", "GET, HEAD"),
        ("GET", "/v1/demos/attention/runs", "POST"),
    ]:
        response = client.request(method, path)
        assert response.status_code == 405, (method, path)
        assert response.headers["allow"] == allowed, (method, path)
        assert response.json()["error"]["code"] == "method-not-allowed"


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_a_post_body_must_be_json(client, content_type):
    headers = {"content-type": content_type} if content_type else {}
    for path in ("/v1/plans", "/v1/plans/graph"):
        response = client.post(path, content=b'{"goals": ["gpt"]}', headers=headers)
        assert response.status_code == 415, (path, content_type)
        error = response.json()["error"]
        assert error["code"] == "unsupported-media-type" and error["field"] == "content-type"
    assert client.post("/v1/plans", headers=headers).status_code == 415  # no body at all


def test_json_with_a_charset_or_a_json_suffix_is_json(client):
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = client.post(
            "/v1/plans", content=b'{"goals": ["gpt"]}', headers={"content-type": content_type}
        )
        assert response.status_code == 200, content_type


def test_if_none_match_is_parsed_not_searched():
    assert parse_if_none_match('W/"a", "b" ,"c"') == ['"a"', '"b"', '"c"']
    assert parse_if_none_match("*") is None
    assert etag_matches('"x", W/"abc"', 'W/"abc"')
    assert etag_matches("*", '"abc"')
    assert not etag_matches('"abcd"', '"abc"')  # a substring is not a match
    assert not etag_matches('"xabc"', '"abc"')
    assert not etag_matches(None, '"abc"')


def test_json_gets_carry_an_etag_and_revalidate_with_a_304(client):
    for path in ("/v1/concepts/attention", "/v1/plans?goal=gpt", "/v1/graph?format=dot"):
        first = client.get(path)
        etag = first.headers["etag"]
        assert first.headers["cache-control"].startswith("public")
        again = client.get(path, headers={"if-none-match": f'"other", {etag}'})
        assert again.status_code == 304 and again.content == b"", path
        assert again.headers["etag"] == etag
        changed = client.get(path, headers={"if-none-match": etag[:-3] + '"'})
        assert changed.status_code == 200, path  # a prefix of the tag is another tag


def test_errors_are_not_cached(client):
    response = client.get("/v1/concepts/nope")
    assert response.status_code == 404 and response.headers["cache-control"] == "no-store"


def test_json_svg_and_text_are_compressed_for_clients_that_accept_it(client):
    for path in ("/v1/concepts?per_page=100", "/v1/graph", "/v1/plans?goal=gpt&format=markdown"):
        zipped = client.get(path, headers={"accept-encoding": "gzip"})
        assert zipped.headers.get("content-encoding") == "gzip", path
        plain = client.get(path, headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers and zipped.content == plain.content


def test_every_response_carries_security_headers(client):
    for path in ("/v1/concepts", "/v1/graph", "/v1/concepts/nope", "/", "/docs", "/healthz"):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors" in policy, path
        if not response.headers["content-type"].startswith("text/html"):
            assert policy.startswith("default-src 'none'"), path  # an SVG can run no script


def test_cors_is_off_unless_origins_are_configured(client, monkeypatch):
    origin = {"origin": "https://lms.example"}
    assert "access-control-allow-origin" not in client.get("/v1/concepts", headers=origin).headers
    monkeypatch.setenv(ORIGINS, "https://lms.example")
    allowed = TestClient(create_app(GRAPH, processes=0))
    answer = allowed.get("/v1/concepts", headers=origin)
    assert answer.headers["access-control-allow-origin"] == "https://lms.example"
    preflight = allowed.options(
        "/v1/plans",
        headers={**origin, "access-control-request-method": "POST"},
    )
    assert preflight.status_code == 200
    other = allowed.get("/v1/concepts", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    page = allowed.get("/")
    assert "frame-ancestors 'self' https://lms.example" in page.headers["content-security-policy"]


def test_metrics_count_requests_errors_cache_hits_and_fits(client):
    client.get("/v1/concepts/attention")
    client.get("/v1/concepts/atention")
    client.post("/v1/plans", json={"goals": ["gpt"], "budget_minutes": 400})
    client.get("/v1/graph?format=dot&focus=attention")
    client.get("/v1/graph?format=dot&focus=attention")
    text = client.get("/metrics").text
    assert (
        'syllabus_requests_total{method="GET",route="/v1/concepts/{concept_id}",status="404"}'
        in text
    )
    assert 'syllabus_errors_total{code="unknown-id"}' in text
    assert 'syllabus_diagram_cache_total{result="hit"}' in text
    assert 'syllabus_budget_fits_total{method="exact"}' in text
    assert "syllabus_request_seconds_bucket" in text
    assert "/v1/concepts/attention" not in text  # routes by template: no label per id


def test_metrics_add_up_every_server_process():
    with live_server("--workers", "2") as url:
        import httpx

        for _ in range(40):  # spread over both workers by the kernel
            httpx.get(f"{url}/healthz")
        text = httpx.get(f"{url}/metrics").text
        line = next(
            x
            for x in text.splitlines()
            if x.startswith('syllabus_requests_total{method="GET",route="/healthz"')
        )
        assert float(line.split()[-1]) >= 40


def test_idle_and_half_sent_connections_are_closed_within_30_s():
    with serving() as (url, _):
        host, port = urlsplit(url).hostname, urlsplit(url).port
        started = time.monotonic()
        idle = socket.create_connection((host, port))
        half_head = socket.create_connection((host, port))
        half_head.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        half_body = socket.create_connection((host, port))
        half_body.sendall(
            b"POST /v1/plans HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n" + b'{"goals": ['
        )
        for sock in (idle, half_head, half_body):
            sock.settimeout(max(0.1, 30 - (time.monotonic() - started)))
            try:
                assert sock.recv(1024) == b""  # closed by the server, not timed out here
            finally:
                sock.close()
