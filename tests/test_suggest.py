"""Did-you-mean: one ``suggest`` over ids or spellings, and the graph's spellings to feed it."""

import re
import time

import pytest

from graph import KnowledgeGraph, load_graph
from graph.suggest import MAX_ID_LENGTH, slugify, suggest
from graph.taxonomy import SLUG_PATTERN
from tests.helpers import REPO, concept_yaml, only, run_check


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


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Linear Algebra for AI", "linear-algebra-for-ai"),
        ("k-means", "k-means"),
        ("k-means++", "k-means-plus-plus"),
        ("C", "c"),
        ("C++", "c-plus-plus"),
        ("C#", "c-sharp"),
        ("F# for fun", "f-sharp-for-fun"),
        ("#1 trick", "1-trick"),  # '#' not after a letter is punctuation
        ("Q&A", "q-and-a"),
        ("Tokens & Tokenization", "tokens-and-tokenization"),
        ("naïve Bayes", "naive-bayes"),
        ("Gödel, Escher, Bach", "godel-escher-bach"),
        ("Straße", "strasse"),
        ("Ærø", "aero"),
        ("Œuvre", "oeuvre"),
        ("Łódź", "lodz"),
        ("\ufb01ne-tuning", "fine-tuning"),  # the 'fi' ligature
        ("\uff23\uff0b\uff0b", "c-plus-plus"),  # fullwidth C++
        ("  --GPT-4o: a Survey!--  ", "gpt-4o-a-survey"),
        ("???", ""),
    ],
)
def test_slugify_rules(text, slug):
    assert slugify(text) == slug
    assert slugify(slug) == slug  # a slug is its own slug
    assert slug == "" or re.fullmatch(SLUG_PATTERN, slug)


def test_names_that_differ_by_a_sign_are_different_nodes(data_dir):
    text = concept_yaml("k-means", title="k-means")
    text += concept_yaml("k-means-plus-plus", ["k-means"], title="'k-means++'")
    text += concept_yaml("c", title="C")
    text += concept_yaml("cpp", ["c"], title="'C++'", aliases="['C#']")
    result = run_check(data_dir(concepts=text))
    assert not result.errors, [d.render() for d in result.errors]
    graph = result.graph
    assert graph.lookup("k-means++") == ("k-means-plus-plus",)
    assert graph.lookup("K-Means") == ("k-means",)
    assert graph.lookup("c++") == ("cpp",) and graph.lookup("C") == ("c",)
    assert graph.lookup("c#") == ("cpp",)


def test_accents_fold_in_lookup_and_suggestions(data_dir):
    text = concept_yaml("naive-bayes", title="Naïve Bayes")
    graph = run_check(data_dir(concepts=text)).graph
    assert graph.lookup("naive bayes") == graph.lookup("NAÏVE BAYES") == ("naive-bayes",)
    assert suggest("naïve bayse", graph.spellings()) == ["naive-bayes"]


def test_a_shared_name_error_suggests_a_free_rename(data_dir):
    text = concept_yaml("k-means", title="K-Means")
    text += concept_yaml("kmeans-clustering", ["k-means"], title="K means")
    diagnostic = only(run_check(data_dir(concepts=text)), "shared-name")
    assert "'k-means'" in diagnostic.hint
    assert "retitle it, e.g. to 'K means (kmeans-clustering)'" in diagnostic.hint
    fixed = text.replace("title: K means", "title: K means (kmeans-clustering)")
    assert not run_check(data_dir(concepts=fixed)).errors
    text = concept_yaml("k-means", title="K-Means")
    text += concept_yaml("kmeans-clustering", ["k-means"], title="Clustering", aliases="[k_means]")
    diagnostic = only(run_check(data_dir(concepts=text)), "shared-name")
    assert "drop the alias, or reword it, e.g. to 'k_means (kmeans-clustering)'" in diagnostic.hint
