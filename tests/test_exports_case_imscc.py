"""The CASE 1.1 package and the IMS Common Cartridge 1.3, read back with real parsers:
json for CASE, zipfile and ElementTree for the cartridge. Real graph, and the hostile one."""

import io
import json
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from api.exports.case import graph_case, plan_case, plan_prerequisites
from api.exports.formats import GraphFormat, PlanFormat, render_graph, render_plan
from api.exports.imscc import plan_imscc
from graph import load_graph
from graph.taxonomy import CATEGORY_TITLES, Track
from planner.items import known_closure
from planner.material import describe
from planner.plan import make_plan
from planner.request import Pace, PlanRequest
from planner.tracks import build_items
from tests.helpers import REPO
from tests.hostile import GOAL, HOSTILE_TITLES, hostile_graph, hostile_plan

BASE = "https://syllabus.example/api"
CP = "{http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1}"
LOM = "{http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest}"
WL = "{http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3}"
CANVAS = "{http://canvas.instructure.com/xsd/cccv1p0}"
NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")


@pytest.fixture(scope="module")
def graph():
    return load_graph(REPO, cache_dir=None)


@pytest.fixture(scope="module")
def gpt_plan(graph):
    request = PlanRequest(goals=["gpt"], pace=Pace(minutes_per_day=30), start=date(2026, 12, 1))
    return make_plan(graph, request)


@pytest.fixture(scope="module")
def paper_plan(graph):
    return make_plan(graph, PlanRequest(goals=["direct-preference-optimisation"], track="paper"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return hostile_graph(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def hostile_plans(hostile):
    return [hostile_plan(hostile, track) for track in Track]


# --- CASE ------------------------------------------------------------------------------------


def records(package):
    """Every record an association may point at, by identifier."""
    return {package["CFDocument"]["identifier"]: package["CFDocument"]} | {
        item["identifier"]: item for item in package["CFItems"]
    }


def by_code(package):
    """Concept and paper items by id (grouping items have no code)."""
    return {i["humanCodingScheme"]: i for i in package["CFItems"] if "humanCodingScheme" in i}


def associations(package, kind):
    return [a for a in package["CFAssociations"] if a["associationType"] == kind]


def test_case_package_round_trips_through_json(graph, gpt_plan):
    served = json.loads(render_graph(graph, GraphFormat.CASE, BASE).content)
    assert served == graph_case(graph, BASE)
    assert set(served) == {"CFDocument", "CFItems", "CFAssociations"}
    plan = json.loads(render_plan(gpt_plan, graph, PlanFormat.CASE, BASE).content)
    assert plan == plan_case(gpt_plan, graph, BASE)


def test_case_document_and_items_carry_the_required_fields(graph):
    package = graph_case(graph, BASE)
    document = package["CFDocument"]
    assert document["creator"] == "Syllabus"
    assert document["version"] == graph.content_hash[:12]
    assert "CFPackageURI" not in document  # the official CFPckgDocument schema has none
    assert document["title"] == graph.title
    assert document["uri"].startswith(BASE + "/ims/case/v1p1/CFDocuments/")
    for item in package["CFItems"]:
        assert {"identifier", "uri", "fullStatement", "lastChangeDateTime", "CFItemType"} <= set(
            item
        )
        assert item["uri"] == f"{BASE}/ims/case/v1p1/CFItems/{item['identifier']}"
        uuid.UUID(item["identifier"])
    codes = by_code(package)
    assert len(package["CFItems"]) == len(graph.concepts) + len(graph.papers) + len(
        {c.category for c in graph.concepts.values()}
    )
    assert codes["gpt"]["fullStatement"] == graph.concepts["gpt"].title
    assert codes["gpt"]["educationLevel"] == [str(graph.concepts["gpt"].level)]
    assert codes["dpo"]["CFItemType"] == "Paper"


def test_every_association_points_at_a_record_of_the_package(graph, gpt_plan, paper_plan):
    for package in (
        graph_case(graph, BASE),
        plan_case(gpt_plan, graph, BASE),
        plan_case(paper_plan, graph, BASE),
    ):
        known = records(package)
        for link in package["CFAssociations"]:
            for end in ("originNodeURI", "destinationNodeURI"):
                target = known[link[end]["identifier"]]
                assert link[end]["uri"] == target["uri"]
                assert link[end]["title"] == target.get("fullStatement", target.get("title"))
            assert link["uri"].endswith("/CFAssociations/" + link["identifier"])


def test_identifiers_are_stable_and_distinct(graph, gpt_plan):
    first, second = graph_case(graph, BASE), graph_case(graph, BASE)
    assert first == second
    ids = [r["identifier"] for r in [*first["CFItems"], *first["CFAssociations"]]]
    assert len(ids) == len(set(ids))
    # uuid5 of the graph's namespace and a readable key: what a re-import matches on
    gpt = by_code(first)["gpt"]["identifier"]
    assert gpt == str(uuid.uuid5(graph.namespace, "graph:concept:gpt"))
    # a plan's items are its own: importing a plan must not rewrite the graph's framework
    plan_gpt = by_code(plan_case(gpt_plan, graph, BASE))["gpt"]["identifier"]
    assert plan_gpt != gpt
    assert plan_gpt == by_code(plan_case(gpt_plan, graph, BASE))["gpt"]["identifier"]


def test_concepts_are_children_of_their_category(graph):
    package = graph_case(graph, BASE)
    items = records(package)
    parents = {}
    for link in associations(package, "isChildOf"):
        child = link["originNodeURI"]["identifier"]
        parents.setdefault(child, []).append(items[link["destinationNodeURI"]["identifier"]])
    document = package["CFDocument"]
    codes = by_code(package)
    categories = [i for i in package["CFItems"] if i["CFItemType"] == "Category"]
    assert {c["fullStatement"] for c in categories} == {
        CATEGORY_TITLES[c.category] for c in graph.concepts.values()
    }
    for category in categories:
        assert "humanCodingScheme" not in category
        assert parents[category["identifier"]] == [document]
    for cid, concept in graph.concepts.items():
        [category] = parents[codes[cid]["identifier"]]
        assert category["CFItemType"] == "Category"
        assert category["fullStatement"] == CATEGORY_TITLES[concept.category]
    for pid in graph.papers:
        assert parents[codes[pid]["identifier"]] == [document]
    assert len(parents) == len(package["CFItems"])  # every item hangs in the tree


def test_precedes_points_from_prerequisite_to_dependent(graph, gpt_plan):
    package = graph_case(graph, BASE)
    items = records(package)
    precedes = {
        (
            items[a["originNodeURI"]["identifier"]]["humanCodingScheme"],
            items[a["destinationNodeURI"]["identifier"]]["humanCodingScheme"],
        )
        for a in associations(package, "precedes")
    }
    requires = {(a, b) for a, b, kind in graph.digraph.edges(data="kind") if kind == "requires"}
    assert precedes == requires
    assert ("functions", "probability") in precedes  # probability requires functions
    assert ("probability", "functions") not in precedes
    plan = plan_case(gpt_plan, graph, BASE)
    steps = {s.id: s.number for s in gpt_plan.steps}
    items = records(plan)
    for a in associations(plan, "precedes"):
        before = items[a["originNodeURI"]["identifier"]]["humanCodingScheme"]
        after = items[a["destinationNodeURI"]["identifier"]]["humanCodingScheme"]
        assert steps[before] < steps[after]
        assert before in graph.prerequisites(after)


def test_plan_package_holds_the_steps_in_order(graph, paper_plan):
    package = plan_case(paper_plan, graph, BASE)
    assert [i["humanCodingScheme"] for i in package["CFItems"]] == [s.id for s in paper_plan.steps]
    children = associations(package, "isChildOf")
    assert [c["sequenceNumber"] for c in children] == [s.number for s in paper_plan.steps]
    assert {c["destinationNodeURI"]["identifier"] for c in children} == {
        package["CFDocument"]["identifier"]
    }
    items = records(package)
    pairs = {
        (
            items[a["originNodeURI"]["identifier"]]["humanCodingScheme"],
            items[a["destinationNodeURI"]["identifier"]]["humanCodingScheme"],
        )
        for a in associations(package, "precedes")
    }
    assert ("instructgpt", "dpo") in pairs  # the paper track: papers through taught concepts


@pytest.mark.parametrize(
    ("goals", "track"),
    [(["gpt"], Track.LIGHTWEIGHT), (["direct-preference-optimisation", "rag"], Track.PAPER)],
)
def test_plan_prerequisites_are_the_planners_own(graph, goals, track):
    plan = make_plan(graph, PlanRequest(goals=goals, track=track))
    items = build_items(
        graph, list(plan.goals), known_closure(graph, plan.known, True), track, False
    )
    needs = plan_prerequisites(plan, graph)
    assert {s: set(needs[s]) for s in needs} == {s.id: set(items[s.id].deps) for s in plan.steps}


def test_last_change_is_fixed_unless_given(graph, gpt_plan):
    package = plan_case(gpt_plan, graph, BASE)
    stamps = {r["lastChangeDateTime"] for r in [*package["CFItems"], *package["CFAssociations"]]}
    assert stamps == {package["CFDocument"]["lastChangeDateTime"]} == {"1970-01-01T00:00:00+00:00"}
    local = datetime(2026, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    changed = graph_case(graph, BASE, changed=local)["CFDocument"]["lastChangeDateTime"]
    assert datetime.fromisoformat(changed) == local
    assert changed == "2026-03-01T10:30:00+00:00"
    naive = plan_case(gpt_plan, graph, BASE, changed=datetime(2026, 3, 1))
    assert datetime.fromisoformat(naive["CFDocument"]["lastChangeDateTime"]) == datetime(
        2026, 3, 1, tzinfo=UTC
    )


def test_hostile_titles_round_trip_exactly(hostile, hostile_plans):
    package = json.loads(render_graph(hostile, GraphFormat.CASE, BASE).content)
    statements = {item["fullStatement"] for item in package["CFItems"]}
    assert set(HOSTILE_TITLES.values()) <= statements
    assert hostile.concepts[GOAL].title in statements
    assert hostile.papers["hostile-paper"].title in statements
    titles = {a["originNodeURI"]["title"] for a in package["CFAssociations"]}
    assert HOSTILE_TITLES["markup"] in titles
    for plan in hostile_plans:
        data = json.loads(render_plan(plan, hostile, PlanFormat.CASE, BASE).content)
        assert [i["fullStatement"] for i in data["CFItems"]] == [s.title for s in plan.steps]


# --- IMS Common Cartridge --------------------------------------------------------------------


def cartridge(content):
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    return archive


def manifest_of(archive):
    return ET.fromstring(archive.read("imsmanifest.xml"))


def step_items(manifest):
    [organization] = manifest.iter(CP + "organization")
    [root] = organization.findall(CP + "item")
    return root.findall(CP + "item")


def modules_of(archive):
    return ET.fromstring(archive.read("course_settings/module_meta.xml")).findall(CANVAS + "module")


def test_cartridge_opens_with_a_cc13_manifest(graph, gpt_plan):
    content = render_plan(gpt_plan, graph, PlanFormat.IMSCC, BASE).content
    archive = cartridge(content)
    assert archive.namelist()[0] == "imsmanifest.xml"
    assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    manifest = manifest_of(archive)
    assert manifest.tag == CP + "manifest"
    assert manifest.findtext(f"{CP}metadata/{CP}schema") == "IMS Common Cartridge"
    assert manifest.findtext(f"{CP}metadata/{CP}schemaversion") == "1.3.0"
    title = manifest.find(f"{CP}metadata/{LOM}lom/{LOM}general/{LOM}title/{LOM}string")
    assert title.text == "Study plan: " + graph.concepts["gpt"].title


def test_resources_files_and_item_references_resolve(graph, gpt_plan, paper_plan):
    for plan in (gpt_plan, paper_plan):
        archive = cartridge(plan_imscc(plan, graph))
        manifest = manifest_of(archive)
        names = set(archive.namelist())
        resources = {r.get("identifier"): r for r in manifest.iter(CP + "resource")}
        for resource in resources.values():
            for file in resource.findall(CP + "file"):
                assert file.get("href") in names
            if resource.get("href"):
                assert resource.get("href") in names
        refs = [
            i.get("identifierref") for i in manifest.iter(CP + "item") if i.get("identifierref")
        ]
        assert refs and all(r in resources for r in refs)
        assert all(resources[r].get("type") == "imswl_xmlv1p3" for r in refs)
        ids = [e.get("identifier") for e in manifest.iter() if e.get("identifier")]
        assert len(ids) == len(set(ids)) and all(NCNAME.match(i) for i in ids)


def test_items_follow_the_plan_with_one_weblink_per_resource(graph, gpt_plan):
    archive = cartridge(plan_imscc(gpt_plan, graph))
    manifest = manifest_of(archive)
    resources = {r.get("identifier"): r for r in manifest.iter(CP + "resource")}
    items = step_items(manifest)
    assert [i.findtext(CP + "title") for i in items] == [s.title for s in gpt_plan.steps]
    for item, step in zip(items, gpt_plan.steps, strict=True):
        links = []
        for leaf in item.findall(CP + "item"):
            href = resources[leaf.get("identifierref")].find(CP + "file").get("href")
            link = ET.fromstring(archive.read(href))
            assert link.tag == WL + "webLink"
            assert link.findtext(WL + "title") == leaf.findtext(CP + "title")
            links.append((link.findtext(WL + "title"), link.find(WL + "url").get("href")))
        assert links == [(describe(m), m.url) for m in step.material if m.url]


def test_paper_steps_link_to_the_paper(graph, paper_plan):
    archive = cartridge(plan_imscc(paper_plan, graph))
    manifest = manifest_of(archive)
    resources = {r.get("identifier"): r for r in manifest.iter(CP + "resource")}
    for item, step in zip(step_items(manifest), paper_plan.steps, strict=True):
        leaves = item.findall(CP + "item")
        if step.kind != "paper":  # a concept no paper of the plan teaches: its material
            assert len(leaves) == sum(1 for m in step.material if m.url)
            continue
        [leaf] = leaves
        href = resources[leaf.get("identifierref")].find(CP + "file").get("href")
        assert ET.fromstring(archive.read(href)).find(WL + "url").get("href") == step.link


def test_canvas_modules_require_their_prerequisite_steps(graph, paper_plan):
    archive = cartridge(plan_imscc(paper_plan, graph))
    modules = modules_of(archive)
    assert [m.findtext(CANVAS + "title") for m in modules] == [s.title for s in paper_plan.steps]
    position = {m.get("identifier"): n for n, m in enumerate(modules)}
    titles = {m.get("identifier"): m.findtext(CANVAS + "title") for m in modules}
    step_of = {m.get("identifier"): s.id for m, s in zip(modules, paper_plan.steps, strict=True)}
    needs = plan_prerequisites(paper_plan, graph)
    for n, module in enumerate(modules):
        required = []
        for prerequisite in module.iter(CANVAS + "prerequisite"):
            assert prerequisite.get("type") == "context_module"
            ref = prerequisite.findtext(CANVAS + "identifierref")
            assert position[ref] < n  # Canvas resolves only modules imported before
            assert prerequisite.findtext(CANVAS + "title") == titles[ref]
            required.append(step_of[ref])
        assert tuple(required) == needs[step_of[module.get("identifier")]]
    dpo = modules[-1]
    # DPO builds on InstructGPT, and on the reward model it reparameterises (read in
    # Christiano et al.'s paper on the paper track).
    assert {p.findtext(CANVAS + "title") for p in dpo.iter(CANVAS + "prerequisite")} == {
        graph.papers["instructgpt"].title,
        graph.papers["deep-rl-human-preferences"].title,
    }
    # the organization's step items are Canvas's modules, one for one
    manifest = manifest_of(archive)
    assert [i.get("identifier") for i in step_items(manifest)] == list(position)


def test_same_plan_same_bytes(graph, gpt_plan, paper_plan):
    assert plan_imscc(gpt_plan, graph) == plan_imscc(gpt_plan, graph)
    assert plan_imscc(gpt_plan, graph) != plan_imscc(paper_plan, graph)


def parse_all(archive):
    """Every XML file of the cartridge, parsed (each must be well-formed)."""
    return {
        name: ET.fromstring(archive.read(name))
        for name in archive.namelist()
        if name.endswith(".xml")
    }


def test_hostile_titles_stay_text_in_every_xml_file(hostile, hostile_plans):
    for plan in hostile_plans:
        archive = cartridge(plan_imscc(plan, hostile))
        trees = parse_all(archive)
        tags = {e.tag.rsplit("}", 1)[-1] for tree in trees.values() for e in tree.iter()}
        assert not tags & {"script", "b", "i", "img", "em", "tags"}
        manifest = trees["imsmanifest.xml"]
        assert [i.findtext(CP + "title") for i in step_items(manifest)] == [
            s.title for s in plan.steps
        ]
        texts = {e.text for tree in trees.values() for e in tree.iter()}
        assert {s.title for s in plan.steps} <= texts
        urls = {e.get("href") for tree in trees.values() for e in tree.iter(WL + "url")}
        assert urls <= {"https://example.com/a?b=1&c=<2>", "https://arxiv.org/abs/1706.03762"}
        raw = b"".join(archive.read(n) for n in trees)
        assert b"<script" not in raw
    lightweight = cartridge(plan_imscc(hostile_plans[0], hostile))
    assert b"&lt;script&gt;alert('x')&lt;/script&gt;" in lightweight.read("imsmanifest.xml")
    texts = {e.text for tree in parse_all(lightweight).values() for e in tree.iter()}
    assert set(HOSTILE_TITLES.values()) <= texts
    assert '"&gt;&lt;img' in lightweight.read("course_settings/module_meta.xml").decode()


def test_characters_xml_cannot_hold_are_replaced(graph, paper_plan):
    first = paper_plan.steps[0]._replace(title="bell\x07 and nul\x00 and \ud800 surrogate")
    plan = replace(paper_plan, steps=(first, *paper_plan.steps[1:]))
    archive = cartridge(plan_imscc(plan, graph))
    trees = parse_all(archive)
    [item, *_] = step_items(trees["imsmanifest.xml"])
    assert item.findtext(CP + "title") == "bell\ufffd and nul\ufffd and \ufffd surrogate"
