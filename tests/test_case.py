"""CASE 1.1 against 1EdTech's own JSON Schemas (tests/standards/case11, copied verbatim):
every export (the whole graph, and plans on both tracks, of the built-in, hostile and
generated graphs) and every answer of the CASE provider API, down to every uri an
export holds, fetched from the real server that wrote it.

The schemas are Draft 2019-09 and forbid properties they do not name
(``additionalProperties: false`` on every object we write): a strict consumer rejects
a package with one more, so the validator here must too.
"""

import json
import re
import uuid
from datetime import date, datetime
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft201909Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from api.app import create_app
from api.exports.case import CASE_PATH, CaseFramework, graph_case, plan_case
from api.exports.formats import GraphFormat, PlanFormat, render_graph, render_plan
from bench.load import generate
from graph import KnowledgeGraph, load_graph
from graph.taxonomy import Track
from planner.plan import make_plan
from planner.query import PlanQuery, steps_query
from planner.request import Pace, PlanRequest
from tests.helpers import REPO, live_server
from tests.hostile import GOAL, hostile_graph

STANDARDS = Path(__file__).parent / "standards" / "case11"
PURL = "https://purl.imsglobal.org/spec/case/v1p1/schema/json/"
BASE = "https://syllabus.example/api"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

# The schema each provider path answers with.
SCHEMA_OF = {
    "CFDocuments": "cfdocument",
    "CFPackages": "cfpackage",
    "CFItems": "cfitem",
    "CFAssociations": "cfassociation",
    "CFItemAssociations": "cfassociationset",
}


# --- the official schemas, offline -----------------------------------------------------------


@cache
def registry() -> Registry:
    """Every CASE schema under its official $id, so any $ref between them resolves here."""
    resources = []
    for path in sorted(STANDARDS.glob("*.json")):
        schema = json.loads(path.read_text())
        assert schema["$id"] == PURL + path.name
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def format_checker() -> FormatChecker:
    """jsonschema's checkers (uuid, date) and RFC 3339 date-time, which it checks only with
    an optional package installed."""
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not RFC3339.match(value):
            return False
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    return checker


@cache
def validator(name: str) -> Draft201909Validator:
    """The validator of ``case_v1p1_{name}-jsonschema1.json``, with formats checked."""
    schema = registry().contents(f"{PURL}case_v1p1_{name}-jsonschema1.json")
    assert schema["$schema"] == "https://json-schema.org/draft/2019-09/schema#"
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, registry=registry(), format_checker=format_checker())


def check(name: str, instance: object) -> None:
    """Fails with every problem the official schema ``name`` finds in ``instance``."""
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_the_schemas_are_the_official_ones_with_their_provenance():
    provenance = (STANDARDS / "PROVENANCE").read_text()
    assert "conform-ed/conform-ed 714798ca8a5caa20191f3c24bde2f0dfbbadfe31" in provenance
    assert "packages/coverage/vendor/case/v1_1" in provenance
    names = {p.name for p in STANDARDS.glob("*.json")}
    assert {f"case_v1p1_{n}-jsonschema1.json" for n in (*SCHEMA_OF.values(), "cfdocumentset")} < (
        names
    )


def test_every_object_we_write_forbids_other_properties():
    """What makes the schemas strict: additionalProperties is false on each object we write
    (extensions, which we leave out, are the only open ones)."""
    for name in ("cfpackage", "cfdocument", "cfitem", "cfassociation", "cfassociationset"):
        schema = registry().contents(f"{PURL}case_v1p1_{name}-jsonschema1.json")
        assert schema["additionalProperties"] is False, name
        for key, definition in schema.get("$defs", {}).items():
            if not key.endswith("Extension"):
                assert definition.get("additionalProperties") is False, (name, key)


# --- every export ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def builtin() -> KnowledgeGraph:
    return load_graph(REPO, cache_dir=None)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> KnowledgeGraph:
    return hostile_graph(tmp_path_factory.mktemp("hostile"))


def generated_directory(directory: Path) -> Path:
    generate(300, directory)
    return directory


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> KnowledgeGraph:
    return load_graph(generated_directory(tmp_path_factory.mktemp("generated")), cache_dir=None)


def plan_requests(graph: KnowledgeGraph) -> list[PlanRequest]:
    """A plan on each track: the built-in graph's GPT and DPO, the hostile goal, and the
    generated graph's path and last paper."""
    if "gpt" in graph.concepts:
        lightweight, paper = ["gpt"], ["direct-preference-optimisation"]
    elif GOAL in graph.concepts:
        lightweight = paper = [GOAL]
    else:
        lightweight, paper = [next(iter(graph.paths))], [sorted(graph.papers)[-1]]
    pace = Pace(minutes_per_day=30)
    return [
        PlanRequest(goals=lightweight, track=Track.LIGHTWEIGHT, pace=pace, start=date(2026, 12, 1)),
        PlanRequest(goals=paper, track=Track.PAPER, include_recommended=True),
    ]


def exports(graph: KnowledgeGraph) -> list[dict]:
    """Every CASE export of ``graph``, as a consumer reads it: the bytes, parsed."""
    out = [json.loads(render_graph(graph, GraphFormat.CASE, BASE).content)]
    for request in plan_requests(graph):
        plan = make_plan(graph, request)
        assert plan.steps
        for known in (request, None):  # with its query in the uris, and without
            rendered = render_plan(plan, graph, PlanFormat.CASE, BASE, known)
            out.append(json.loads(rendered.content))
    return out


@pytest.mark.parametrize("which", ["builtin", "hostile", "generated"])
def test_every_export_is_a_valid_cfpackage(which, request):
    graph = request.getfixturevalue(which)
    packages = exports(graph)
    assert len(packages) == 5
    for package in packages:
        check("cfpackage", package)
        # the objects on their own, as the provider serves them, are valid too
        framework = CaseFramework.of(package)
        check("cfdocumentset", framework.document_set())
        check("cfdocument", framework.document())
        for identifier in framework.items:
            check("cfitem", framework.item(identifier))
            check("cfassociationset", framework.item_associations(identifier))
        for identifier in framework.associations:
            check("cfassociation", framework.association(identifier))


@pytest.mark.parametrize(
    "break_it",
    [
        lambda p: p["CFDocument"].update(CFPackageURI={"title": "t", "identifier": "x", "uri": ""}),
        lambda p: p["CFItems"][0].update(CFDocumentURI=p["CFAssociations"][0]["originNodeURI"]),
        lambda p: p["CFAssociations"][0]["originNodeURI"].update(extra="x"),
        lambda p: p.update(CFPackageURI={}),
        lambda p: p["CFItems"][0].update(identifier="not-a-uuid"),
        lambda p: p["CFDocument"].update(lastChangeDateTime="yesterday"),
        lambda p: p["CFDocument"].pop("creator"),
    ],
)
def test_the_validator_refuses_what_the_schema_does_not_allow(builtin, break_it):
    package = graph_case(builtin, BASE)
    check("cfpackage", package)
    break_it(package)
    with pytest.raises(AssertionError):
        check("cfpackage", package)
    assert not validator("cfpackage").is_valid(package)
    with pytest.raises(ValidationError):
        validator("cfpackage").validate(package)


# --- identity ------------------------------------------------------------------------------


def identifiers(package: dict) -> list[str]:
    return [
        package["CFDocument"]["identifier"],
        *(i["identifier"] for i in package["CFItems"]),
        *(a["identifier"] for a in package["CFAssociations"]),
    ]


def test_different_graphs_have_different_frameworks(builtin, hostile, generated):
    documents = [graph_case(g, BASE)["CFDocument"]["identifier"] for g in (builtin, hostile)]
    documents.append(graph_case(generated, BASE)["CFDocument"]["identifier"])
    assert len(set(documents)) == 3
    assert len({builtin.namespace, hostile.namespace, generated.namespace}) == 3
    for graph in (builtin, hostile, generated):
        ids = identifiers(graph_case(graph, BASE))
        assert len(ids) == len(set(ids))
        # the document is the graph's namespace; every other id is a UUIDv5 name under it
        assert graph_case(graph, BASE)["CFDocument"]["identifier"] == str(graph.namespace)
        named = [i for i in ids if i != str(graph.namespace)]
        assert all(uuid.UUID(i).version == 5 and str(uuid.UUID(i)) == i for i in named)
    # a plan's framework is its own, under its graph's namespace too
    plan = make_plan(builtin, plan_requests(builtin)[0])
    other = make_plan(generated, plan_requests(generated)[0])
    plan_ids = {plan_case(plan, builtin, BASE)["CFDocument"]["identifier"]}
    assert plan_ids.isdisjoint(documents)
    assert plan_case(other, generated, BASE)["CFDocument"]["identifier"] not in plan_ids


def test_the_same_graph_gives_the_same_bytes(tmp_path):
    directory = generated_directory(tmp_path)
    first, second = (load_graph(directory, cache_dir=None) for _ in range(2))
    assert first is not second
    assert (
        render_graph(first, GraphFormat.CASE, BASE).content
        == render_graph(second, GraphFormat.CASE, BASE).content
    )
    for request in plan_requests(first):
        one = render_plan(make_plan(first, request), first, PlanFormat.CASE, BASE, request)
        two = render_plan(make_plan(second, request), second, PlanFormat.CASE, BASE, request)
        assert one.content == two.content


def test_the_namespace_in_graph_yaml_changes_every_identifier(tmp_path):
    directory = generated_directory(tmp_path)
    derived = load_graph(directory, cache_dir=None)
    (directory / "graph.yaml").write_text("namespace: urn:example:one\n")
    one = load_graph(directory, cache_dir=None)
    (directory / "graph.yaml").write_text("namespace: urn:example:two\n")
    two = load_graph(directory, cache_dir=None)
    assert one.namespace == uuid.uuid5(uuid.NAMESPACE_URL, "urn:example:one")
    request = plan_requests(one)[0]
    sets = []
    for graph in (derived, one, two):
        package = graph_case(graph, BASE)
        plan = plan_case(make_plan(graph, request), graph, BASE, request=request)
        sets.append(set(identifiers(package)) | set(identifiers(plan)))
    assert len(sets[0]) == len(sets[1]) == len(sets[2])
    assert sets[0].isdisjoint(sets[1]) and sets[1].isdisjoint(sets[2])
    assert sets[0].isdisjoint(sets[2])


def test_a_plans_query_plans_the_same_steps(builtin):
    for request in [
        *plan_requests(builtin),
        PlanRequest(goals=["gpt"], known=["linear-algebra"], budget_minutes=900, depth="deep"),
        PlanRequest(goals=["researcher-path"], complete=True, known_implies_prerequisites=False),
    ]:
        query = steps_query(request)
        fields: dict[str, object] = {}
        for name, value in parse_qsl(query):
            if name in ("goal", "known"):
                fields.setdefault(name, []).append(value)  # type: ignore[union-attr]
            else:
                fields[name] = value
        again = PlanQuery.model_validate(fields).to_request()
        assert make_plan(builtin, again).steps == make_plan(builtin, request).steps, query
        assert "pace" not in query and "start" not in query  # the schedule is not CASE's


# --- the provider API ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(builtin):
    with TestClient(create_app(builtin, processes=0)) as client:  # one portal: fast calls
        yield client


def collection_of(uri: str) -> str:
    path = urlsplit(uri).path
    assert CASE_PATH + "/" in path, uri
    return path.split(CASE_PATH + "/", 1)[1].split("/")[0]


def every_uri(package: dict) -> set[str]:
    """Each uri a package holds: its records', their links', and its own CFPackage's."""
    uris = {package["CFDocument"]["uri"]}
    uris |= {CaseFramework.of(package).document()["CFPackageURI"]["uri"]}
    for item in package["CFItems"]:
        uris.add(item["uri"])
        uris.add(item["uri"].replace("/CFItems/", "/CFItemAssociations/"))
    for association in package["CFAssociations"]:
        uris.add(association["uri"])
        uris |= {association[end]["uri"] for end in ("originNodeURI", "destinationNodeURI")}
    return uris


def resolve_all(get, package: dict) -> int:
    """GET every uri of ``package``; each answers 200 with its object, valid on its own."""
    records = {package["CFDocument"]["identifier"]: package["CFDocument"]}
    records |= {r["identifier"]: r for r in (*package["CFItems"], *package["CFAssociations"])}
    uris = every_uri(package)
    for uri in sorted(uris):
        response = get(uri)
        assert response.status_code == 200, (uri, response.text[:300])
        assert response.headers["content-type"] == "application/json"
        collection = collection_of(uri)
        body = response.json()
        check(SCHEMA_OF[collection], body)
        identifier = urlsplit(uri).path.rsplit("/", 1)[1]
        if collection == "CFPackages":
            assert body == package
        elif collection == "CFItemAssociations":
            assert body["CFItem"]["uri"] == records[identifier]["uri"]
            assert all(a["identifier"] in records for a in body["CFAssociations"])
        else:
            shown = {k: v for k, v in body.items() if k not in ("CFDocumentURI", "CFPackageURI")}
            assert shown == records[identifier], uri
    return len(uris)


def test_the_provider_serves_the_graphs_export(client, builtin):
    """Its package is the export's; every uri of it resolves (over HTTP: the last test)."""
    package = client.get("/v1/export", params={"format": "case"}).json()
    assert package == graph_case(builtin, "http://testserver")
    served = client.get(CaseFramework.of(package).document()["CFPackageURI"]["uri"])
    assert served.json() == package
    documents = client.get(f"{CASE_PATH}/CFDocuments")
    check("cfdocumentset", documents.json())
    assert documents.json()["CFDocuments"][0]["uri"] == package["CFDocument"]["uri"]


def test_every_uri_of_a_plans_export_resolves(client):
    for params in [
        {"goal": "gpt", "budget": "20h", "pace": "30m/day", "format": "case"},
        {"goal": "direct-preference-optimisation", "track": "paper", "format": "case"},
    ]:
        package = client.get("/v1/plans", params=params).json()
        check("cfpackage", package)
        query = urlsplit(package["CFDocument"]["uri"]).query
        assert query and "pace" not in query and "format" not in query
        resolve_all(client.get, package)
        # without its query, a plan's object is not the graph's
        bare = package["CFItems"][0]["uri"].split("?")[0]
        assert client.get(bare).status_code == 404
    posted = client.post(
        "/v1/plans?format=case", json={"goals": ["rag"], "track": "paper", "budget_minutes": 2000}
    ).json()
    assert "budget=2000m" in posted["CFDocument"]["uri"]
    resolve_all(client.get, posted)


def failure(response: httpx.Response, status: int, minor: str) -> str:
    """The CASE status payload of a failed request, checked; its description."""
    assert response.status_code == status, response.text
    body = response.json()
    check("imsx_statusinfo", body)
    assert body["imsx_codeMajor"] == "failure" and body["imsx_severity"] == "error"
    assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == minor
    assert "error" not in body
    description: str = body["imsx_description"]
    return description


@pytest.mark.parametrize("collection", list(SCHEMA_OF))
def test_unknown_and_malformed_ids_answer_cases_status(client, builtin, collection):
    unknown = str(uuid.uuid5(builtin.namespace, "no such thing"))
    assert unknown in failure(
        client.get(f"{CASE_PATH}/{collection}/{unknown}"), 404, "unknownobject"
    )
    for malformed in ("not-a-uuid", "1234", "%00", "g" * 36):
        failure(client.get(f"{CASE_PATH}/{collection}/{malformed}"), 400, "invalid_uuid")
    # a document's id is no item, and an item's no document
    document = graph_case(builtin, BASE)["CFDocument"]["identifier"]
    item = graph_case(builtin, BASE)["CFItems"][0]["identifier"]
    wrong = item if collection in ("CFDocuments", "CFPackages") else document
    failure(client.get(f"{CASE_PATH}/{collection}/{wrong}"), 404, "unknownobject")
    # plan queries: refused by the planner (no such plan), or malformed
    path = f"{CASE_PATH}/{collection}/{unknown}"
    assert "no such plan" in failure(
        client.get(path, params={"goal": "nope"}), 404, "unknownobject"
    )
    failure(client.get(path, params={"known": "gpt"}), 404, "unknownobject")
    failure(client.get(path, params={"goal": "gpt", "depth": "x"}), 400, "invalid_selection_field")
    failure(client.get(path, params={"goal": "gpt", "budget": "0m"}), 404, "unknownobject")


def test_paths_the_provider_does_not_have_answer_cases_status(client):
    for path in ("/CFItems/", "/CFSubjects/x", "/nothing"):
        failure(client.get(CASE_PATH + path), 404, "unknownobject")
    # outside the CASE prefix, the app's own errors as before
    assert "error" in client.get("/ims/case/v1p2/CFItems/x").json()


def test_a_real_server_serves_every_uri_it_exports():
    """The server's own export, then every uri in it, over HTTP from the live server."""
    with live_server() as url, httpx.Client(timeout=30) as http:
        package = http.get(f"{url}/v1/export", params={"format": "case"}).json()
        assert package["CFDocument"]["uri"].startswith(url + CASE_PATH + "/CFDocuments/")
        check("cfpackage", package)
        resolve_all(http.get, package)
        plan = http.get(
            f"{url}/v1/plans", params={"goal": "direct-preference-optimisation", "format": "case"}
        ).json()
        check("cfpackage", plan)
        resolve_all(http.get, plan)
