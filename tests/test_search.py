"""Search over the real graph: graph.search ranks, and the route and the CLI show its ranking."""

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from graph import KnowledgeGraph, load_graph
from graph.search import Hit, search
from tests.helpers import REPO

QUERIES = ["attention", "lora", "LoRA", "normalization", "bert", "atention", "Adam", "scaling law"]


@pytest.fixture(scope="module")
def graph() -> KnowledgeGraph:
    return load_graph(REPO, cache_dir=None)


def ids(hits: list[Hit]) -> list[str]:
    return [hit.id for hit in hits]


def test_an_exact_id_ranks_first_as_an_id(graph):
    first = search(graph, "attention", 20)[0]
    assert first == Hit("attention", "concept", graph.concepts["attention"].title, "id")
    assert search(graph, "rope", 20)[0] == Hit(
        "rope", "concept", graph.concepts["rope"].title, "id"
    )


def test_an_exact_title_or_alias_matches_by_name(graph):
    paper = graph.papers["attention-is-all-you-need"]
    assert search(graph, paper.title.upper(), 5)[0] == Hit(paper.id, "paper", paper.title, "name")
    # a spelling both a concept and a paper have: the concept first, both as exact names
    assert [(h.id, h.match) for h in search(graph, "LoRA", 2)] == [
        ("low-rank-adaptation", "name"),
        ("lora", "name"),
    ]


def test_a_title_containing_the_query_comes_before_a_near_spelling(graph):
    hits = search(graph, "normalization", 20)
    kinds = {h.id: h.match for h in hits}
    assert kinds["layer-norm"] == "text" and kinds["normalisation"] == "similar"
    assert ids(hits).index("layer-norm") < ids(hits).index("normalisation")
    # and every hit whose title or alias contains the query comes before every near spelling
    named = [
        i
        for i, h in enumerate(hits)
        if any("normalization" in n.casefold() for n in _names(graph, h.id))
    ]
    similar = [i for i, h in enumerate(hits) if h.match == "similar"]
    assert named and similar and max(named) < min(similar)


def test_names_that_start_with_the_query_come_before_names_that_contain_it(graph):
    order = ids(search(graph, "attention", 20))
    # "Attention Is All You Need" starts with it; "Multi-Head Attention" has it as a later word
    assert order.index("attention-is-all-you-need") < order.index("flash-attention")
    assert order.index("multi-head-attention") < order.index("flash-attention")  # shorter first


def test_a_near_spelling_comes_before_a_mention_in_a_summary(graph):
    hits = search(graph, "bert", 20)
    order = ids(hits)
    assert hits[order.index("bart")].match == "similar"
    mentioned = [
        c.id
        for c in graph.concepts.values()
        if "bert" in c.summary.casefold() and not _names_contain(graph, c.id, "bert")
    ]
    assert mentioned and all(order.index("bart") < order.index(c) for c in mentioned if c in order)


def test_no_node_is_listed_twice_and_limit_is_kept(graph):
    for q in QUERIES:
        for limit in (1, 3, 20, 100):
            hits = search(graph, q, limit)
            assert len(hits) <= limit and len(set(ids(hits))) == len(hits)
            assert ids(hits) == ids(search(graph, q, 100))[:limit]


def test_the_route_and_the_cli_rank_as_graph_search_does(graph, monkeypatch):
    monkeypatch.setenv("SYLLABUS_CACHE_DIR", "")
    client = TestClient(create_app(graph))
    runner = CliRunner()
    for q in QUERIES:
        for limit in (3, 20):
            want = [hit._asdict() for hit in search(graph, q, limit)]
            route = client.get("/v1/search", params={"q": q, "limit": limit})
            assert route.status_code == 200 and route.json() == want, q
            args = ["search", q, "--limit", str(limit), "--format", "json", "--data", str(REPO)]
            result = runner.invoke(cli, args)
            assert result.exit_code == 0, result.output
            assert json.loads(result.stdout) == want, q


def test_the_cli_prints_a_table_and_refuses_an_empty_query(monkeypatch):
    monkeypatch.setenv("SYLLABUS_CACHE_DIR", "")
    runner = CliRunner()
    table = runner.invoke(cli, ["search", "atention", "--limit", "2", "--data", str(REPO)])
    assert table.exit_code == 0 and "attention" in table.stdout and "similar" in table.stdout
    nothing = runner.invoke(cli, ["search", "[zzzzqqq]", "--data", str(REPO)])
    assert nothing.exit_code == 0 and "nothing matches '[zzzzqqq]'" in nothing.stdout
    assert runner.invoke(cli, ["search", "", "--data", str(REPO)]).exit_code == 2


def _names(graph: KnowledgeGraph, node: str) -> tuple[str, ...]:
    record = graph.concepts.get(node) or graph.papers[node]
    return (record.title, *record.aliases)


def _names_contain(graph: KnowledgeGraph, node: str, q: str) -> bool:
    return any(q in n.casefold() for n in _names(graph, node))
