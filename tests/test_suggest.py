"""Did-you-mean: one ``suggest`` over ids or spellings, and the graph's spellings to feed it."""

import time

import pytest

from graph import KnowledgeGraph, load_graph
from graph.suggest import MAX_ID_LENGTH, suggest
from tests.helpers import REPO


@pytest.fixture(scope="module")
def graph() -> KnowledgeGraph:
    return load_graph(REPO, cache_dir=None)


def untouchable():
    """Candidates that fail the test if ``suggest`` so much as looks at them."""
    raise AssertionError("suggest looked at the candidates")
    yield  # pragma: no cover


def test_a_word_longer_than_max_id_length_gets_nothing_and_costs_nothing(graph):
    word = "attention" + "x" * (100_001 - len("attention"))
    start = time.perf_counter()
    assert suggest(word, graph.spellings("concept", "paper", "preset")) == []
    assert time.perf_counter() - start < 0.5  # the graph's spellings are most of it
    assert suggest(word, untouchable()) == []
    assert suggest("x" * (MAX_ID_LENGTH + 1), ["x" * MAX_ID_LENGTH]) == []
    assert suggest("x" * MAX_ID_LENGTH, ["x" * MAX_ID_LENGTH]) == ["x" * MAX_ID_LENGTH]


def test_dropping_one_character_from_an_id_suggests_that_id(graph):
    """Every concept and paper id over 6 characters, with its first, middle or last
    character dropped, is among the first three suggestions for the result."""
    spellings = graph.spellings()
    missed = []
    for node in [*graph.concepts, *graph.papers]:
        if len(node) <= 6:
            continue
        for at in sorted({0, len(node) // 2, len(node) - 1}):
            word = node[:at] + node[at + 1 :]
            if node not in suggest(word, spellings)[:3]:
                missed.append(word)
    assert not missed


def test_candidates_are_ids_or_spellings_and_case_and_punctuation_are_ignored(graph):
    assert suggest("atention", ["attention", "retention", "gpt"]) == ["attention", "retention"]
    assert suggest("SOURCE_MINUTS", ["source_minutes", "level"]) == ["source_minutes"]
    assert suggest("Self Atention", {"self-attention": "attention"}) == ["attention"]
    assert suggest("atention", ["attention"], limit=0) == []
    assert suggest("qqqqzzzz", graph.spellings()) == []
    # titles and aliases lead to their node: a misspelt title suggests the id
    assert suggest("The Atention Mechanism", graph.spellings("concept"))[0] == "attention"


def test_spellings_map_each_id_to_itself_and_names_to_their_first_kind(graph):
    both = graph.spellings("concept", "paper")
    # 'lora' is a paper's id and an alias of the LoRA concept: the id spells the paper
    assert both["lora"] == "lora" and graph.lookup("lora")[0] == "low-rank-adaptation"
    assert set(graph.spellings("paper").values()) == set(graph.papers)
    assert set(graph.spellings("concept").values()) == set(graph.concepts)
    presets = graph.spellings("preset")
    assert set(presets.values()) == set(graph.paths)
    assert all(presets[node] == node for node in graph.paths)
    assert set(graph.spellings().values()) == set(graph.concepts) | set(graph.papers)
