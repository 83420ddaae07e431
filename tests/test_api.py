"""The HTTP API through FastAPI's TestClient, on the real graph: every endpoint and its errors."""

import json
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.models import PlanOut
from graph import load_graph
from tests.helpers import REPO


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(load_graph(REPO, cache_dir=None)))


JSON_TYPE = {"content-type": "application/json"}


def error_of(response) -> dict:
    assert 400 <= response.status_code < 500, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body["error"]) == {"code", "message", "field", "value", "suggestions"}
    return body["error"]


def test_health_and_version(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    version = client.get("/v1/version").json()
    graph = load_graph(REPO, cache_dir=None)
    assert version["content_hash"] == graph.content_hash
    assert (version["concepts"], version["papers"]) == (len(graph.concepts), len(graph.papers))


def test_concepts_filter_and_paginate(client):
    page = client.get("/v1/concepts", params={"category": "math-foundations", "per_page": 3})
    body = page.json()
    assert body["total"] == 11 and len(body["items"]) == 3 and body["page"] == 1
    assert all(c["category"] == "math-foundations" for c in body["items"])
    second = client.get(
        "/v1/concepts", params={"category": "math-foundations", "per_page": 3, "page": 2}
    ).json()
    assert not {c["id"] for c in body["items"]} & {c["id"] for c in second["items"]}
    found = client.get("/v1/concepts", params={"q": "key-value"}).json()["items"]
    assert "kv-cache" in [c["id"] for c in found]
    advanced = client.get("/v1/concepts", params={"level": "advanced", "per_page": 100}).json()
    assert advanced["total"] > 0 and all(c["level"] == "advanced" for c in advanced["items"])


def test_concept_detail_carries_its_neighbourhood_and_demo_status(client):
    detail = client.get("/v1/concepts/attention").json()
    assert {"id": "multi-head-attention", "kind": "concept"}.items() <= next(
        d for d in detail["dependents"] if d["id"] == "multi-head-attention"
    ).items()
    assert detail["prerequisites"] and detail["resources"] and detail["checklist"]
    # Each depth's minutes are the sum of what it assigns; the summary's are the study depth's.
    assert [d["depth"] for d in detail["depths"]] == ["deep", "study", "overview"]
    for depth in detail["depths"]:
        assert depth["minutes"] == sum(m["minutes"] for m in depth["material"])
    assert detail["minutes"] == detail["depths"][1]["minutes"]
    assert all(r["length"] for r in detail["resources"])
    assert detail["demo"] == "attention"
    cpu = detail["demo_status"]["cpu"]
    assert cpu["freshness"] == "fresh" and cpu["passed"] is True and cpu["claims"] >= 4
    assert detail["demo_status"]["cuda"]["freshness"] in {"fresh", "missing"}


def test_unknown_ids_are_404_with_suggestions(client):
    error = error_of(client.get("/v1/concepts/atention"))
    assert error["code"] == "unknown-id" and "attention" in error["suggestions"]
    assert client.get("/v1/concepts/atention").status_code == 404
    error = error_of(client.get("/v1/papers/attention-is-all-you-nee"))
    assert "attention-is-all-you-need" in error["suggestions"]
    assert error_of(client.get("/v1/presets/researcher-pth"))["suggestions"][0] == "researcher-path"
    assert error_of(client.get("/v1/nowhere"))["code"] == "not-found"


def test_search_ranks_what_is_named_for_the_query_before_near_spellings(client):
    ids = [h["id"] for h in client.get("/v1/search", params={"q": "attention"}).json()]
    assert ids[0] == "attention"
    # Every concept titled "... attention" comes before any near spelling of another name.
    named = {"multi-head-attention", "additive-attention", "flash-attention"}
    assert named <= set(ids[1:6])
    assert "tokenisation-bpe" not in ids[:10]
    transformer = client.get("/v1/search", params={"q": "Transformer"}).json()
    assert [h["id"] for h in transformer[:2]] == ["transformer-architecture", "transformer-block"]


def test_papers_categories_search_presets_next(client):
    papers = client.get("/v1/papers", params={"q": "vaswani"}).json()["items"]
    assert [p["id"] for p in papers] == ["attention-is-all-you-need"]
    paper = client.get("/v1/papers/attention-is-all-you-need").json()
    assert paper["link"] == "https://arxiv.org/abs/1706.03762" and paper["teaches"]
    categories = client.get("/v1/categories").json()
    assert sum(c["concepts"] for c in categories) == len(load_graph(REPO).concepts)
    hits = client.get("/v1/search", params={"q": "LoRA"}).json()
    assert hits[0]["id"] in {"low-rank-adaptation", "lora"} and hits[0]["match"] == "name"
    near = client.get("/v1/search", params={"q": "atention"}).json()
    assert {"id": "attention", "match": "similar"}.items() <= near[0].items()
    text = client.get("/v1/search", params={"q": "key-value"}).json()
    assert text[0]["id"] == "kv-cache" and "text" in {h["match"] for h in text[1:]}
    presets = client.get("/v1/presets").json()
    assert {p["id"] for p in presets} >= {"researcher-path", "paper-path"}
    researcher = client.get("/v1/presets/researcher-path").json()
    assert researcher["source_minutes"] == 237 and researcher["stated_minutes"] == [240, 300]
    material = researcher["material_minutes"]
    assert material["overview"] < material["study"] == researcher["minutes"] < material["deep"]
    ready = client.get("/v1/next", params={"known": ["linear-algebra"], "limit": 5}).json()
    assert ready and all("unlocks" in r for r in ready)
    assert error_of(client.get("/v1/next", params={"known": ["nope-xyz"]}))["field"] == "known"


def test_post_plan_matches_its_model_and_the_get_link(client):
    body = {
        "goals": ["gpt"],
        "budget_minutes": 480,
        "pace": {"minutes_per_day": 30},
        "start": "2026-12-01",
    }
    posted = client.post("/v1/plans", json=body)
    assert posted.status_code == 200, posted.text
    plan = posted.json()
    PlanOut.model_validate(plan)  # the documented shape is the served shape
    assert plan["minutes"] <= 480 and not plan["fits"] and not plan["unreached_goals"]
    assert any(step["depth"] != step["called_for"] for step in plan["steps"])
    assert plan["schedule"]["start"] == "2026-12-01"
    assert plan["steps"][0]["demo_status"]["cpu"]["freshness"] == "fresh"
    linked = client.get(
        "/v1/plans",
        params={"goal": "gpt", "budget": "8h", "pace": "30m/day", "start": "2026-12-01"},
    ).json()
    assert linked == plan


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"goal": "atention"}, "goal", "unknown-id"),
        ({"goal": "gpt", "budget": "0m"}, "budget", "invalid-request"),
        ({"goal": "gpt", "budget": "six hours"}, "budget", "invalid-request"),
        ({"goal": "gpt", "pace": "30m/fortnight"}, "pace", "invalid-request"),
        ({"goal": "gpt", "start": "2026-13-01", "pace": "30m/day"}, "start", "invalid-request"),
        ({"goal": "gpt", "known": "gpt"}, "known", "conflicting-request"),
        ({"goal": "gpt", "start": "9999-12-30", "pace": "10m/day"}, "start", "too-large"),
        ({"goal": "x" * 101}, "goal.0", "invalid-request"),
        ({"goal": "gpt", "track": "scroll"}, "track", "invalid-request"),
        ({}, "goal", "invalid-request"),
    ],
)
def test_bad_plan_links_name_the_field(client, params, field, code):
    error = error_of(client.get("/v1/plans", params=params))
    assert (error["field"], error["code"]) == (field, code), error


def test_bad_plan_bodies_name_the_field(client):
    cases = [
        ({"goals": []}, "goals"),
        ({"goals": ["gpt"], "budget_minutes": -5}, "budget_minutes"),
        ({"goals": ["gpt"], "colour": "red"}, "colour"),
        ({"goals": ["gpt"], "pace": {"minutes_per_day": 30}, "start": 20261201}, "start"),
        ({"goals": ["gpt"] * 51}, "goals"),
    ]
    for body, field in cases:
        error = error_of(client.post("/v1/plans", json=body))
        assert error["field"] == field, (body, error)
    today = client.post("/v1/plans", json={"goals": ["gpt"], "pace": {"minutes_per_day": 30}})
    assert today.json()["schedule"]["start"] == date.today().isoformat()  # a pace starts today
    not_json = client.post("/v1/plans", content=b"{not json", headers=JSON_TYPE)
    assert not_json.status_code == 422 and error_of(not_json)["code"] == "invalid-request"


def test_post_plan_format_is_checked_and_documented(client):
    body = {"goals": ["attention"], "depth": "deep"}
    markdown = client.post("/v1/plans", params={"format": "markdown"}, json=body)
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "- [ ] Run the attention demo and see its claims pass" in markdown.text
    error = error_of(client.post("/v1/plans", params={"format": "markdwn"}, json=body))
    assert error["field"] == "format" and "'markdown'" in error["message"]
    assert client.post("/v1/plans", params={"format": "markdwn"}, json=body).status_code == 422
    schema = client.get("/openapi.json").json()
    (parameter,) = schema["paths"]["/v1/plans"]["post"]["parameters"]
    name = parameter["schema"]["$ref"].rsplit("/", 1)[-1]
    assert (
        parameter["name"] == "format" and "imscc" in schema["components"]["schemas"][name]["enum"]
    )


def test_plan_markdown_export(client):
    response = client.get(
        "/v1/plans", params={"goal": "attention", "depth": "deep", "format": "markdown"}
    )
    assert response.headers["content-type"].startswith("text/markdown")
    assert "attachment" in response.headers["content-disposition"]
    assert "- [ ] Run the attention demo and see its claims pass" in response.text


def test_plan_ics_needs_a_pace(client):
    error = error_of(client.get("/v1/plans", params={"goal": "attention", "format": "ics"}))
    assert error["field"] == "pace"


def test_openapi_documents_every_request_body_with_examples(client):
    schema = client.get("/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody")
            if body:
                content = body["content"]["application/json"]
                assert content.get("examples") or content.get("example"), (method, path)
    assert "/v1/plans" in schema["paths"] and "/v1/graph" in schema["paths"]
    json.dumps(schema)


def test_the_fast_plan_serialiser_gives_the_generic_shape():

    import orjson

    from api.plan_output import plan_data, to_data
    from planner.checklist import plan_notes
    from planner.material import describe
    from planner.plan import make_plan
    from planner.request import Pace, PlanRequest

    graph = load_graph(REPO, cache_dir=None)
    for request in (
        PlanRequest(
            goals=["gpt"], budget_minutes=480, pace=Pace(hours_per_week=3), start=date(2026, 12, 1)
        ),
        PlanRequest(goals=["direct-preference-optimisation"], track="paper", budget_minutes=1800),
        PlanRequest(goals=["researcher-path"], complete=True),
    ):
        plan = make_plan(graph, request)
        # The generic walk of the planner's records, plus the two derived fields every
        # face shows: the plan's notes and each piece of material's line of text.
        generic = to_data(plan) | {"notes": plan_notes(plan)}
        for step, record in zip(generic["steps"], plan.steps, strict=True):
            for data, material in zip(step["material"], record.material, strict=True):
                data["text"] = describe(material)
        assert json.loads(orjson.dumps(plan_data(plan))) == json.loads(json.dumps(generic))


def test_graph_diagrams_render_cache_and_refuse_what_is_too_big(client):
    from xml.etree import ElementTree

    response = client.get("/v1/graph", params={"focus": "attention", "depth": 1, "direction": "up"})
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    svg = ElementTree.fromstring(response.content)
    titles = {t.text for t in svg.iter() if t.tag.endswith("title")}
    assert "attention" in titles
    etag = response.headers["etag"]
    again = client.get(
        "/v1/graph",
        params={"focus": "attention", "depth": 1, "direction": "up"},
        headers={"If-None-Match": etag},
    )
    assert again.status_code == 304 and again.headers["etag"] == etag
    mermaid = client.get("/v1/graph", params={"focus": "attention", "format": "mermaid"})
    assert mermaid.text.startswith("flowchart")
    cyto = client.get("/v1/graph", params={"focus": "attention", "format": "cytoscape"}).json()
    assert {n["data"]["id"] for n in cyto["elements"]["nodes"]} >= {"attention"}
    error = error_of(client.get("/v1/graph", params={"focus": "atention"}))
    assert error["code"] == "unknown-id" and error["suggestions"][0] == "attention"
    assert error_of(client.get("/v1/graph", params={"depth": 99}))["field"] == "depth"


def test_plan_diagram_and_graph_exports(client):
    svg = client.post("/v1/plans/graph", json={"goals": ["gpt"], "budget_minutes": 480})
    assert svg.status_code == 200 and b"<svg" in svg.content
    dot = client.get("/v1/plans/graph", params={"goal": "gpt", "format": "dot"})
    assert dot.text.startswith("digraph") and "1. " in dot.text
    assert error_of(client.get("/v1/plans/graph", params={"goal": "nope-x"}))["field"] == "goal"
    moodle = client.get("/v1/export", params={"format": "moodle-csv"})
    assert moodle.headers["content-type"].startswith("text/csv")
    assert moodle.text.splitlines()[0].startswith('"Parent ID number"')
    case = client.get("/v1/export", params={"format": "case"}).json()
    assert len(case["CFItems"]) > 106
    assert error_of(client.get("/v1/export", params={"format": "ics"}))["field"] == "format"


def test_web_page_and_its_files_are_served_outside_the_schema(client):
    page = client.get("/", params={"goal": "gpt"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/app.js">' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert client.get("/", headers={"if-none-match": page.headers["etag"]}).status_code == 304
    for name, media_type in (("app.js", "text/javascript"), ("style.css", "text/css")):
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(media_type)
        assert asset.headers["cache-control"] == "no-cache" and asset.headers["etag"]
    for missing in ("/static/nope.js", "/static/..%2Fapp.py", "/static/index.html"):
        assert error_of(client.get(missing))["code"] == "not-found"
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not any(p.startswith("/static") for p in paths)


def test_an_error_that_advises_a_setting_names_the_request_field(client):
    # planner.resolve's advice is data (PlanError.setting); each face spells it
    body = {"goals": ["attention"], "known": ["transformer-block"]}
    for response in (
        client.post("/v1/plans", json=body),
        client.get("/v1/plans", params={"goal": "attention", "known": "transformer-block"}),
    ):
        error = error_of(response)
        assert error["code"] == "conflicting-request"
        assert "set known_implies_prerequisites to false to plan it anyway" in error["message"]
        assert "{setting}" not in error["message"]
