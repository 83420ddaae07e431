"""Exports against the official standards, not our reading of them (tests/standards/).

Every plan export of three graphs (the built-in graph, the hostile-title graph and a
generated graph), on both tracks:

- Common Cartridge 1.3: ``imsmanifest.xml`` against the IMS CP 1.3 XSD and each web link
  against the IMS WL 1.3 XSD (xmlschema, offline);
- JSON-LD: every type, property and property range against the schema.org 30.0
  vocabulary (tests/schemaorg.py).
"""

import copy
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
import xmlschema

from api.exports.imscc import plan_imscc
from api.exports.jsonld import plan_jsonld
from bench.load import generate
from graph import KnowledgeGraph, load_graph
from graph.loader import REPO_ROOT
from graph.taxonomy import Track
from planner.plan import Plan, make_plan
from planner.request import Pace, PlanRequest
from tests.hostile import GOAL, hostile_graph
from tests.schemaorg import Vocabulary

STANDARDS = Path(__file__).parent / "standards"
CC13 = STANDARDS / "cc13"
BASE = "https://syllabus.example/api"


def _plans(graph: KnowledgeGraph, goals: list[str]) -> list[Plan]:
    return [
        make_plan(
            graph,
            PlanRequest(
                goals=goals, track=track, pace=Pace(minutes_per_day=45), start=date(2026, 12, 1)
            ),
        )
        for track in Track
    ]


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> list[tuple[str, KnowledgeGraph, Plan]]:
    """(name, graph, plan) for each graph and track: every plan export is checked on these."""
    builtin = load_graph(REPO_ROOT, cache_dir=None)
    hostile = hostile_graph(tmp_path_factory.mktemp("hostile"))
    generated_dir = tmp_path_factory.mktemp("generated")
    generate(300, generated_dir)
    generated = load_graph(generated_dir, cache_dir=None)
    cases = [
        ("built-in", builtin, _plans(builtin, ["direct-preference-optimisation", "gpt"])),
        ("hostile", hostile, _plans(hostile, [GOAL])),
        ("generated", generated, _plans(generated, [max(generated.concepts)])),
    ]
    return [(f"{name}-{plan.track}", graph, plan) for name, graph, ps in cases for plan in ps]


# --- Common Cartridge ------------------------------------------------------------------------


def _local(uri: str) -> str:
    """The IMS XSDs name each other by their web addresses: read the copies here instead,
    and the W3C xml.xsd from the copy that ships with xmlschema. Nothing is downloaded."""
    name = uri.rsplit("/", 1)[-1]
    if (CC13 / name).exists():
        return str(CC13 / name)
    if name == "xml.xsd":
        return str(Path(xmlschema.__file__).parent / "schemas" / "XML" / "xml.xsd")
    return uri


@pytest.fixture(scope="module")
def cc_schemas() -> dict[str, xmlschema.XMLSchema]:
    load = {
        "manifest": "ccv1p3_imscp_v1p2_v1p0.xsd",
        "weblink": "ccv1p3_imswl_v1p3.xsd",
    }
    return {
        kind: xmlschema.XMLSchema(str(CC13 / name), uri_mapper=_local, allow="local")
        for kind, name in load.items()
    }


def test_every_cartridge_validates_against_the_ims_cc13_schemas(plans, cc_schemas):
    for name, graph, plan in plans:
        archive = zipfile.ZipFile(io.BytesIO(plan_imscc(plan, graph)))
        cc_schemas["manifest"].validate(archive.read("imsmanifest.xml"))
        weblinks = [n for n in archive.namelist() if n.endswith(".xml") and "/" not in n]
        weblinks.remove("imsmanifest.xml")
        assert weblinks, name
        for member in weblinks:
            cc_schemas["weblink"].validate(archive.read(member))


def test_the_cc13_schema_rejects_what_it_should(plans, cc_schemas):
    """The validator is not vacuous: an element the schema lacks fails the manifest."""
    _, graph, plan = plans[0]
    manifest = zipfile.ZipFile(io.BytesIO(plan_imscc(plan, graph))).read("imsmanifest.xml")
    broken = manifest.replace(b"<resources>", b"<resources><surprise/>", 1)
    assert broken != manifest
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        cc_schemas["manifest"].validate(broken)


# --- JSON-LD ---------------------------------------------------------------------------------


def test_every_jsonld_export_keeps_to_the_schemaorg_vocabulary(plans):
    vocabulary = Vocabulary.load()
    for name, graph, plan in plans:
        document = plan_jsonld(plan, graph, BASE)
        assert vocabulary.problems(document) == [], name


def test_competencies_required_are_the_terms_of_earlier_steps(plans):
    """What a step requires is named as a competency: the DefinedTerm of an earlier step,
    the same node (one @id) that a concept step teaches, so a JSON-LD processor sees one
    graph."""
    for name, graph, plan in plans:
        parts = plan_jsonld(plan, graph, BASE)["hasPart"]
        taught = {part["identifier"]: part["teaches"] for part in parts}
        required = 0
        for place, part in enumerate(parts):
            earlier = {p["identifier"] for p in parts[:place]}
            for term in part.get("competencyRequired", []):
                required += 1
                assert term["@type"] == "DefinedTerm" and term["termCode"] in earlier, name
                if term["termCode"] in graph.concepts:
                    assert taught[term["termCode"]] == term, (name, term)
        assert required, name


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["hasPart"][1].update(competencyRequired=[{"@id": d["hasPart"][0]["@id"]}]),
        lambda d: d["hasPart"][0].update(author="Somebody"),
        lambda d: d.update(timeRequired="two hours"),
        lambda d: d["hasPart"][0].update(url="not a url"),
        lambda d: d.update(courseLength="PT1H"),
        lambda d: d["hasPart"][0].update({"@type": "LearningThing"}),
    ],
    ids=["required-resource", "author-text", "bad-duration", "bad-url", "unknown", "bad-type"],
)
def test_the_vocabulary_check_catches_what_schemaorg_forbids(plans, mutate):
    _, graph, plan = plans[0]
    document = copy.deepcopy(plan_jsonld(plan, graph, BASE))
    mutate(document)
    assert Vocabulary.load().problems(document)
