"""The repository's own YAML: it loads cleanly and carries the seeds' facts."""

import networkx as nx
import pytest

from graph import load_graph
from graph.taxonomy import Phase, Priority, ReadingAdvice, ReadingDepth, Track
from tests.helpers import REPO, run_check

# The researcher path of seed 000: its twelve steps, in order, with their minutes.
RESEARCHER_PATH = [
    ("reasoning-models", 12),
    ("linear-algebra", 20),
    ("probability", 20),
    ("feedforward-networks", 20),
    ("attention", 25),
    ("transformer-block", 20),
    ("pretraining-objectives", 20),
    ("scaling-laws", 20),
    ("rlhf", 20),
    ("chain-of-thought", 20),
    ("mixture-of-experts", 20),
    ("gpu-architecture", 20),
]

# The paper path of seed 002, phase by phase, in reading order.
PAPER_PATH = {
    Phase.CORE_ARCHITECTURE: ["seq2seq", "bahdanau-attention", "attention-is-all-you-need"],
    Phase.PRETRAINING_PARADIGM: ["gpt-1", "bert", "gpt-2"],
    Phase.SCALING: ["scaling-laws-neural-lm", "chinchilla", "gpt-3"],
    Phase.MAKING_MODELS_USEFUL: ["instructgpt", "dpo", "constitutional-ai-paper"],
    Phase.EFFICIENCY: ["lora", "flash-attention-paper", "roformer-rope"],
}
SKIP_INITIALLY = ["word2vec", "t5", "switch-transformer"]

# The roadmap seed's (004) table: year and must-read priority.
ROADMAP_TABLE = {
    "attention-is-all-you-need": (2017, Priority.ESSENTIAL),
    "bert": (2018, Priority.ESSENTIAL),
    "gpt-3": (2020, Priority.ESSENTIAL),
    "instructgpt": (2022, Priority.ESSENTIAL),
    "lora": (2021, Priority.ESSENTIAL),
    "constitutional-ai-paper": (2022, Priority.IMPORTANT),
    "scaling-laws-neural-lm": (2020, Priority.IMPORTANT),
}


@pytest.fixture(scope="module")
def graph():
    return load_graph(REPO, cache_dir=None)


def test_real_files_load_without_errors_or_warnings():
    result = run_check(REPO)
    assert [d.render() for d in result.diagnostics] == []


def test_researcher_path_steps_and_minutes_match_the_seed(graph):
    path = graph.paths["researcher-path"]
    assert path.track is Track.LIGHTWEIGHT
    assert list(path.steps) == [cid for cid, _ in RESEARCHER_PATH]
    assert [(cid, graph.concepts[cid].minutes) for cid in path.steps] == RESEARCHER_PATH


def test_researcher_path_is_prerequisite_closed_given_its_assumptions(graph):
    path = graph.paths["researcher-path"]
    requires = graph.digraph.edge_subgraph(
        (u, v) for u, v, k in graph.digraph.edges(data="kind") if k == "requires"
    )
    for i, step in enumerate(path.steps):
        before = set(path.steps[:i]) | set(path.assumes)
        if step in requires:
            assert set(requires.predecessors(step)) <= before, step


def test_paper_path_is_the_five_phases_in_order(graph):
    path = graph.paths["paper-path"]
    assert path.track is Track.PAPER
    assert list(path.steps) == [pid for phase in PAPER_PATH.values() for pid in phase]
    for phase, pids in PAPER_PATH.items():
        assert all(graph.papers[pid].phase is phase for pid in pids)
    for pid in SKIP_INITIALLY:
        assert graph.papers[pid].phase is Phase.LATER
        assert graph.papers[pid].depth is ReadingAdvice.SKIP_INITIALLY


def test_paper_path_fits_the_seeds_forty_to_sixty_hours(graph):
    minutes = sum(
        graph.papers[pid].minutes[ReadingDepth(graph.papers[pid].depth)]
        for pid in graph.paths["paper-path"].steps
    )
    assert 40 * 60 <= minutes <= 60 * 60


def test_roadmap_table_years_and_priorities(graph):
    for pid, (year, priority) in ROADMAP_TABLE.items():
        assert (graph.papers[pid].year, graph.papers[pid].priority) == (year, priority), pid


def test_gpt1_and_gpt2_have_no_arxiv_id_but_a_url(graph):
    for pid in ("gpt-1", "gpt-2"):
        assert graph.papers[pid].arxiv is None
        assert graph.papers[pid].url.startswith("https://")
    assert all(p.arxiv for pid, p in graph.papers.items() if pid not in ("gpt-1", "gpt-2"))


def test_every_concept_has_study_material_and_questions(graph):
    for concept in graph.concepts.values():
        assert concept.resources, concept.id
        assert len(concept.checklist) >= 2, concept.id


def test_graph_is_a_dag_with_edges_from_prerequisite_to_dependent(graph):
    assert nx.is_directed_acyclic_graph(graph.digraph)
    assert graph.digraph.edges["linear-algebra", "feedforward-networks"]["kind"] == "requires"
    assert graph.digraph.edges["attention-is-all-you-need", "attention"]["kind"] == "teaches"
    assert graph.digraph.edges["seq2seq", "bahdanau-attention"]["kind"] == "requires"
    kinds = {graph.digraph.nodes[n]["kind"] for n in graph.digraph}
    assert kinds == {"concept", "paper"}


def test_summary_counts(graph):
    summary = graph.summary()
    assert summary.concepts == len(graph.concepts) >= 13
    assert summary.papers == len(graph.papers) >= 18
    assert summary.edges == graph.digraph.number_of_edges()
    assert sum(summary.edges_by_kind.values()) == summary.edges
    assert summary.concept_minutes == sum(c.minutes for c in graph.concepts.values())
