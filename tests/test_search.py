"""Search over the real graph: graph.search ranks, and the route and the CLI show its ranking."""

import json
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from graph import KnowledgeGraph, load_graph
from graph.search import Hit, search
from graph.words import stems, words
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


def test_word_forms_and_spellings_of_a_name_find_it_as_a_name(graph):
    hits = search(graph, "normalization", 20)
    kinds = {h.id: h.match for h in hits}
    assert kinds["normalisation"] == "text" and kinds["layer-norm"] == "text"
    assert ids(search(graph, "optimizers", 3))[0] == "optimisers"
    assert "transformer-architecture" in ids(search(graph, "transformers", 3))
    assert ids(search(graph, "LLMs", 1)) == ["what-is-an-llm"]
    # and no near spelling is offered beside them: the query was not misspelt
    for q in ("normalization", "optimizers", "transformers", "bert", "LLMs"):
        assert all(h.match != "similar" for h in search(graph, q, 100)), q


def test_names_that_start_with_the_query_come_before_names_that_contain_it(graph):
    order = ids(search(graph, "attention", 20))
    # "Attention Is All You Need" starts with it; "Multi-Head Attention" has it as a later word
    assert order.index("attention-is-all-you-need") < order.index("flash-attention")
    assert order.index("multi-head-attention") < order.index("flash-attention")  # shorter first


def test_a_misspelling_gets_near_spellings_and_a_query_nothing_resembles_gets_none(graph):
    assert next((h.id, h.match) for h in search(graph, "atention", 3)) == ("attention", "similar")
    assert ids(search(graph, "rlfh", 1)) == ["rlhf"]
    # "python" is named nowhere and looks like no name; only two summaries mention it
    assert {h.match for h in search(graph, "python", 100)} == {"text"}
    # "keras" is 0.6 alike to "ragas" and "docker" to a LoRA variant: below the floor
    for q in ("keras", "docker", "zzqx"):
        assert search(graph, q, 100) == [], q


@pytest.mark.parametrize("q", ["ai", "ml", "rl"])
def test_a_short_query_matches_names_only_from_a_word_start(graph, q):
    pattern = re.compile(rf"(?<![a-z0-9]){q}", re.IGNORECASE)
    for hit in search(graph, q, 100):
        record = graph.concepts.get(hit.id) or graph.papers[hit.id]
        mention = getattr(record, "summary", "") or getattr(record, "first_author", "")
        texts = [*_names(graph, hit.id), mention, hit.id]
        assert any(pattern.search(t) for t in texts), (q, hit.id)


def _name_stems(graph: KnowledgeGraph, node: str) -> set[str]:
    return {s for name in _names(graph, node) for s in stems(name)}


def test_every_node_is_found_by_its_title_inflected(graph):
    """Each title with its last word made plural (or singular) still finds its node by name."""
    for record in [*graph.concepts.values(), *graph.papers.values()]:
        title_words = words(record.title)
        written = re.findall(r"[A-Za-z0-9]+", record.title)
        if not written or not re.fullmatch(r"[A-Za-z]?[a-z]{3,}", written[-1]):
            continue  # an acronym, a number or a coined name (SwiGLU) has no English plural
        last = title_words[-1]
        if last.endswith("ss"):
            continue  # robustness: no plural a learner would type
        inflected = last[:-1] if last.endswith("s") else last + "s"
        q = " ".join([*title_words[:-1], inflected])
        if graph.lookup(q):  # the inflection is itself a name (an alias)
            continue
        hits = search(graph, q, 100)
        assert record.id in ids(hits), (record.id, q)
        assert {h.id: h.match for h in hits}[record.id] == "text", (record.id, q)


def test_every_british_name_is_found_spelt_the_american_way(graph):
    british = re.compile(r"(?<=[a-z]{3})is(?=e|es|ed|ing|er|ers|ation|ations\b)")
    checked = 0
    for record in [*graph.concepts.values(), *graph.papers.values()]:
        for name in _names(graph, record.id):
            american = british.sub("iz", name.lower())
            if american != name.lower() and not graph.lookup(american):
                assert record.id in ids(search(graph, american, 100)), (record.id, american)
                checked += 1
    assert checked >= 5  # normalisation, optimisers, quantisation, tokenisation...


@pytest.mark.parametrize("q", [*QUERIES, "transformers", "python", "ai", "training", "gpus"])
def test_names_come_before_mentions(graph, q):
    """Every hit whose title or alias holds the query comes before every hit that only
    mentions it (in a summary or as an author)."""
    hits = search(graph, q, 100)
    query = set(stems(q))
    named = [
        i
        for i, h in enumerate(hits)
        if h.match in ("id", "name")
        or query <= _name_stems(graph, h.id)
        or any(
            re.search(rf"(?<![a-z0-9]){re.escape(q.casefold())}", n.casefold())
            for n in _names(graph, h.id)
        )
    ]
    mentioned = [i for i in range(len(hits)) if i not in named and hits[i].match == "text"]
    if named and mentioned:
        assert max(named) < min(mentioned), q


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
