"""`syllabus import`: a CASE package or a nodes/edges CSV becomes a data directory that loads.

The CASE round trip: export a graph as CASE, import the package, load the YAML, export
again; the two packages describe the same graph (items with their statements, codes,
notes, keywords and levels; every association with its ends, notes and place).
"""

import csv
import json
import random
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from api.cli import app
from api.exports.case import graph_case
from api.imports.case import from_package
from bench.load import generate
from graph import KnowledgeGraph, load_graph
from tests.helpers import REPO

runner = CliRunner()
BASE = "http://127.0.0.1:8000"


def syllabus(*args: object) -> Any:
    """Run the CLI in-process; its output (stdout and stderr) is ``result.output``."""
    return runner.invoke(app, [str(a) for a in args])


def failed_cleanly(result: Any) -> str:
    """The output of a run that failed as it should: exit 1, no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return str(result.output)


def described(package: dict[str, Any], paper_places: bool = True) -> dict[str, Any]:
    """What a CASE package says about its graph, with identifiers and uris replaced by
    the items they name (their type and code), so packages of two namespaces compare.

    ``paper_places=False`` leaves out where each paper sits in the reading order
    (its isChildOf sequenceNumber), which a graph's curated paths decide.
    """
    names = {
        i["identifier"]: (i["CFItemType"], i.get("humanCodingScheme")) for i in package["CFItems"]
    }
    names[package["CFDocument"]["identifier"]] = ("document", None)
    for item in package["CFItems"]:
        if item["CFItemType"] == "Category":
            names[item["identifier"]] = ("Category", item["fullStatement"])
    items = {
        names[i["identifier"]]: {k: v for k, v in i.items() if k not in ("identifier", "uri")}
        for i in package["CFItems"]
    }
    associations = set()
    for a in package["CFAssociations"]:
        origin = names[a["originNodeURI"]["identifier"]]
        place = a.get("sequenceNumber") if paper_places or origin[0] != "Paper" else None
        destination = names[a["destinationNodeURI"]["identifier"]]
        associations.add((a["associationType"], origin, destination, a.get("notes"), place))
    document = {
        k: v
        for k, v in package["CFDocument"].items()
        if k not in ("identifier", "uri", "version", "CFPackageURI")
    }
    return {"document": document, "items": items, "associations": associations}


def round_trip(graph: KnowledgeGraph, tmp_path: Path) -> tuple[dict, dict, KnowledgeGraph]:
    """Export ``graph`` as CASE, import it with the CLI, load it, export it again."""
    first = graph_case(graph, BASE)
    package = tmp_path / "package.json"
    package.write_text(json.dumps(first), encoding="utf-8")
    out = tmp_path / "imported"
    result = syllabus("import", "case", package, "--out", out)
    assert result.exit_code == 0, result.output
    assert "checked: 0 errors" in result.output
    imported = load_graph(out, cache_dir=None)
    return first, graph_case(imported, BASE), imported


def test_the_built_in_graph_survives_a_case_round_trip(tmp_path):
    graph = load_graph(REPO, cache_dir=None)
    first, second, imported = round_trip(graph, tmp_path)
    assert described(first, paper_places=False) == described(second, paper_places=False)
    # the same nodes, titles, aliases and edges of every kind
    assert set(imported.concepts) == set(graph.concepts)
    assert set(imported.papers) == set(graph.papers)
    assert sorted(imported.digraph.edges(data="kind")) == sorted(graph.digraph.edges(data="kind"))
    for cid, concept in graph.concepts.items():
        twin = imported.concepts[cid]
        assert (twin.title, twin.aliases, twin.summary) == (
            concept.title,
            concept.aliases,
            concept.summary,
        )
        assert (twin.category, twin.level, twin.kind) == (
            concept.category,
            concept.level,
            concept.kind,
        )
    for pid, paper in graph.papers.items():
        twin = imported.papers[pid]
        assert (twin.title, twin.authors, twin.year, twin.link, twin.advice) == (
            paper.title,
            paper.authors,
            paper.year,
            paper.link,
            paper.advice,
        )
    # the framework keeps its title, and its identity: graph.yaml's namespace is the document's
    settings = yaml.safe_load((tmp_path / "imported" / "graph.yaml").read_text())
    document = first["CFDocument"]["identifier"]
    title = first["CFDocument"]["title"]
    assert settings == {"title": title, "namespace": f"urn:uuid:{document}", "demos": False}
    assert imported.title == title
    assert imported.namespace == uuid.UUID(document)


def test_a_generated_graph_survives_a_case_round_trip(tmp_path):
    (tmp_path / "generated").mkdir()
    generate(300, tmp_path / "generated")
    graph = load_graph(tmp_path / "generated", cache_dir=None)
    first, second, imported = round_trip(graph, tmp_path)
    assert described(first) == described(second)  # papers in the same reading order too
    # and with the same identifiers and uris: the import keeps the framework's identity
    del first["CFDocument"]["version"], second["CFDocument"]["version"]  # a hash of the YAML
    assert first == second
    assert sorted(imported.digraph.edges(data="kind")) == sorted(graph.digraph.edges(data="kind"))


def test_case_ids_come_from_codes_else_titles_made_unique_in_document_order(tmp_path):
    items = [
        {"identifier": "i1", "fullStatement": "Naïve Bayes"},
        {"identifier": "i2", "fullStatement": "Other", "humanCodingScheme": "naive-bayes"},
        {"identifier": "i3", "fullStatement": "C++", "humanCodingScheme": "Not A Slug"},
        {"identifier": "i4", "fullStatement": "C#"},
        {"identifier": "i5", "fullStatement": "Bayes, Naive"},
        {"identifier": "i6", "fullStatement": "bayes naive"},
    ]
    package = {
        "CFDocument": {"identifier": str(uuid.uuid4()), "title": "T"},
        "CFItems": items,
        "CFAssociations": [
            {
                "associationType": "precedes",
                "originNodeURI": {"identifier": "i2"},
                "destinationNodeURI": {"identifier": "i1"},
            }
        ],
    }
    imported = from_package(package, tmp_path / "p.json")
    assert not imported.errors
    ids = [c["id"] for c in imported.concepts]
    # the code claims its id first; a title slug already taken gets -2, -3 in document order
    assert ids == [
        "naive-bayes-2",
        "naive-bayes",
        "c-plus-plus",
        "c-sharp",
        "bayes-naive",
        "bayes-naive-2",
    ]
    assert imported.concepts[0]["requires"] == ["naive-bayes"]  # i2 precedes i1
    # a title that reads like another's is retitled, with a warning
    assert imported.concepts[5]["title"] == "bayes naive (bayes-naive-2)"
    assert any("retitled" in w.message for w in imported.warnings)


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_a_generated_edge_list_imports_and_checks(tmp_path):
    rng = random.Random(7)
    count = 1000
    nodes = [["id", "title", "category", "level", "minutes"]]
    nodes += [
        [f"n{i:04d}", f"Node {i}", "deep-learning", "beginner", rng.randint(5, 90)]
        for i in range(count)
    ]
    edges: set[tuple[int, int]] = set()
    while len(edges) < 3000:
        a, b = sorted(rng.sample(range(count), 2))
        edges.add((a, b))  # forward: a lower number is learnt first
    rows: list[list[object]] = [["source", "target"]]
    rows += [[f"n{a:04d}", f"n{b:04d}"] for a, b in sorted(edges)]
    out = tmp_path / "out"
    nodes_csv = write_csv(tmp_path / "nodes.csv", nodes)
    edges_csv = write_csv(tmp_path / "edges.csv", rows)
    result = syllabus("import", "csv", nodes_csv, edges_csv, "--out", out)
    assert result.exit_code == 0, result.output
    assert "no study time" not in result.output  # every row states its minutes
    check = syllabus("check", "--data", out, "--no-cache")
    assert check.exit_code == 0, check.output
    graph = load_graph(out, cache_dir=None)
    assert len(graph.concepts) == count
    # the target requires the source
    assert {(s, t) for s, t, k in graph.digraph.edges(data="kind") if k == "requires"} == {
        (f"n{a:04d}", f"n{b:04d}") for a, b in edges
    }
    assert graph.concepts["n0999"].minutes == int(nodes[-1][4])


def test_csv_takes_titles_prerequisite_concept_columns_and_defaults(tmp_path):
    nodes = write_csv(
        tmp_path / "nodes.csv",
        [
            ["Title", "Category", "url"],
            ["k-means", "Classical Machine Learning", ""],
            ["k-means++", "", "https://example.org/kmpp"],
        ],
    )
    edges = write_csv(
        tmp_path / "edges.csv", [["prerequisite", "concept"], ["k-means", "k-means++"]]
    )
    result = syllabus("import", "csv", nodes, edges, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    graph = load_graph(tmp_path / "out", cache_dir=None)
    assert graph.concepts["k-means-plus-plus"].requires == ("k-means",)
    assert graph.concepts["k-means"].category == "classical-ml"
    assert graph.concepts["k-means-plus-plus"].category == "foundations"  # the default
    assert graph.concepts["k-means-plus-plus"].minutes == 30
    assert graph.concepts["k-means-plus-plus"].resources[0].url == "https://example.org/kmpp"
    # a made-up study time is said out loud, once for all the concepts it was given to
    assert "2 concepts state no study time; each was given 30 minutes" in result.output


def test_csv_problems_name_the_file_line_and_column_with_a_did_you_mean(tmp_path):
    good_nodes = write_csv(tmp_path / "nodes.csv", [["id", "title"], ["attention", "Attention"]])
    good_edges = write_csv(tmp_path / "edges.csv", [["source", "target"]])
    out = tmp_path / "out"

    bad = write_csv(tmp_path / "bad-nodes.csv", [["id", "titel"], ["a", "A"]])
    shown = failed_cleanly(syllabus("import", "csv", bad, good_edges, "--out", out))
    assert f"{bad}:1: error: column 2: unknown column 'titel' (did you mean 'title'?)" in shown

    bad = write_csv(tmp_path / "no-name.csv", [["summary"], ["Something"]])
    shown = failed_cleanly(syllabus("import", "csv", bad, good_edges, "--out", out))
    assert f"{bad}:1: error: the nodes file needs an id or a title column" in shown

    bad = write_csv(tmp_path / "bad-edges.csv", [["source", "target"], ["attention", "atention"]])
    shown = failed_cleanly(syllabus("import", "csv", good_nodes, bad, "--out", out))
    assert (
        f"{bad}:2: error: column target: 'atention' is no node of the nodes file "
        "(did you mean 'attention'?)"
    ) in shown

    bad = write_csv(tmp_path / "half-edges.csv", [["prerequisite"]])
    shown = failed_cleanly(syllabus("import", "csv", good_nodes, bad, "--out", out))
    assert f"{bad}:1: error: the edges file has no target column (or concept)" in shown

    bad = write_csv(
        tmp_path / "values.csv", [["id", "level", "minutes"], ["Bad Id", "expert", "0"]]
    )
    shown = failed_cleanly(syllabus("import", "csv", bad, good_edges, "--out", out))
    assert f"{bad}:2: error: column id: 'Bad Id' is not a valid id" in shown
    assert "did you mean 'bad-id'?" in shown
    assert f"{bad}:2: error: column level: unknown level 'expert'" in shown
    assert f"{bad}:2: error: column minutes: '0' is not a whole number of minutes" in shown
    assert not out.exists()  # nothing written


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"CFDocument": ', ":1: error: not valid JSON"),
        ("[1, 2]", "error: not a CASE CFPackage: the JSON is a list"),
        ('{"CFItems": []}', "error: not a CASE CFPackage: it has no CFDocument"),
        (
            '{"identifier": "x", "title": "T", "CFPackageURI": {}}',
            "looks like a CFDocument on its own (fetch its CFPackageURI",
        ),
        (
            '{"CFDocument": {"identifier": "x", "title": "T"}, "CFItems": [{"identifier": "a"}]}',
            "error: CFItems[0].fullStatement is missing or empty",
        ),
        ("\xff", "error: not UTF-8 text"),
    ],
)
def test_a_bad_case_package_gives_a_clear_error_and_writes_nothing(tmp_path, text, expected):
    package = tmp_path / "package.json"
    package.write_bytes(text.encode("latin-1") if text == "\xff" else text.encode())
    shown = failed_cleanly(syllabus("import", "case", package, "--out", tmp_path / "out"))
    assert f"{package}" in shown and expected in shown, shown
    assert not (tmp_path / "out").exists()


def test_a_missing_input_file_is_an_error_not_a_traceback(tmp_path):
    shown = failed_cleanly(syllabus("import", "case", tmp_path / "nope.json", "--out", tmp_path))
    assert re.search(r"nope\.json: error: cannot read it", shown)


def test_existing_files_are_replaced_only_with_force(tmp_path):
    nodes = write_csv(tmp_path / "nodes.csv", [["id"], ["a"], ["b"]])
    edges = write_csv(tmp_path / "edges.csv", [["source", "target"], ["a", "b"]])
    out = tmp_path / "out"
    assert syllabus("import", "csv", nodes, edges, "--out", out).exit_code == 0
    (out / "concepts.yaml").write_text("# mine\n")
    shown = failed_cleanly(syllabus("import", "csv", nodes, edges, "--out", out))
    assert "already exist" in shown and "--force" in shown
    assert (out / "concepts.yaml").read_text() == "# mine\n"
    assert syllabus("import", "csv", nodes, edges, "--out", out, "--force").exit_code == 0
    assert load_graph(out, cache_dir=None).concepts["b"].requires == ("a",)


def test_a_cycle_is_written_as_given_and_the_check_reports_it(tmp_path):
    nodes = write_csv(tmp_path / "nodes.csv", [["id"], ["a"], ["b"]])
    edges = write_csv(tmp_path / "edges.csv", [["source", "target"], ["a", "b"], ["b", "a"]])
    shown = failed_cleanly(syllabus("import", "csv", nodes, edges, "--out", tmp_path / "out"))
    assert "cycle" in shown and (tmp_path / "out" / "concepts.yaml").exists()
