"""The repository's own YAML: it loads cleanly and carries the seeds' facts."""

import networkx as nx
import pytest

from graph import load_graph
from graph.study_time import DEMO_MINUTES, MINUTES_PER_QUESTION, OVERVIEW_LIMIT
from graph.taxonomy import Phase, Priority, ReadingAdvice, ReadingDepth, StudyDepth, Track
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
    assert [(s.covers, s.minutes) for s in path.steps] == [
        ((cid,), minutes) for cid, minutes in RESEARCHER_PATH
    ]
    # The concept library states the same minutes for its own articles on these concepts.
    assert [graph.concepts[cid].source_minutes for cid in path.ids] == [
        m for _, m in RESEARCHER_PATH
    ]


@pytest.mark.parametrize("pid", ["researcher-path", "lightweight-path", "llm-researcher-roadmap"])
def test_within_a_curated_step_prerequisites_come_first(graph, pid):
    # A source may skip prerequisites and its steps may run against the graph (a plan
    # says where), but the order of ids inside one step is ours: prerequisites first.
    requires = graph.digraph.edge_subgraph(
        (u, v) for u, v, k in graph.digraph.edges(data="kind") if k == "requires"
    )
    for step in graph.paths[pid].steps:
        for i, node in enumerate(step.covers):
            needed = nx.ancestors(requires, node) if node in requires else set()
            assert not needed & set(step.covers[i + 1 :]), node


def test_paper_path_is_the_five_phases_in_order(graph):
    path = graph.paths["paper-path"]
    assert path.track is Track.PAPER
    assert [list(step.covers) for step in path.steps] == list(PAPER_PATH.values())
    for phase, pids in PAPER_PATH.items():
        assert all(graph.papers[pid].phase is phase for pid in pids)
    assert list(path.later) == SKIP_INITIALLY
    for pid in SKIP_INITIALLY:
        assert graph.papers[pid].phase is Phase.LATER
        assert graph.papers[pid].depth is ReadingAdvice.SKIP_INITIALLY


def test_paper_path_fits_the_seeds_forty_to_sixty_hours(graph):
    minutes = sum(
        graph.papers[pid].minutes[ReadingDepth(graph.papers[pid].depth)]
        for pid in graph.paths["paper-path"].ids
    )
    assert 40 * 60 <= minutes <= 60 * 60


def test_roadmap_table_years_and_priorities(graph):
    for pid, (year, priority) in ROADMAP_TABLE.items():
        assert (graph.papers[pid].year, graph.papers[pid].priority) == (year, priority), pid


# Papers never posted to arXiv: OpenAI's two reports, and work from before or outside it.
NOT_ON_ARXIV = {"gpt-1", "gpt-2", "backprop-rumelhart", "lstm", "dropout-paper"}
NOT_ON_ARXIV |= {"how-to-read-a-paper", "reinforce-williams", "roofline"}


def test_papers_without_an_arxiv_id_are_exactly_the_known_ones_and_have_a_url(graph):
    assert {pid for pid, p in graph.papers.items() if p.arxiv is None} == NOT_ON_ARXIV
    for pid in NOT_ON_ARXIV:
        assert graph.papers[pid].url.startswith(("https://", "http://"))


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
    assert summary.concept_minutes["study"] == sum(c.minutes for c in graph.concepts.values())
    assert set(summary.concept_minutes) == {"deep", "study", "overview"}


# The lightweight path of seed 002: five steps, the first four timed, the last a hand-over.
LIGHTWEIGHT_STEPS = [
    ("Visual intuition", 120),
    ("Build a transformer", 120),
    ("Key blog posts", 240),
    ("Hands-on", 240),
    ("Deepen selectively", None),
]


def test_lightweight_path_has_the_seeds_five_steps_and_hands_over_to_the_paper_path(graph):
    path = graph.paths["lightweight-path"]
    assert [(s.title, s.minutes) for s in path.steps] == LIGHTWEIGHT_STEPS
    assert path.steps[-1].path == "paper-path" and path.steps[-1].covers == ()
    assert {"gpt", "low-rank-adaptation", "rlhf", "chain-of-thought"} <= set(path.ids)


def test_roadmap_has_twelve_steps_with_required_and_optional_ones(graph):
    path = graph.paths["llm-researcher-roadmap"]
    assert len(path.steps) == 12
    optional = [s.title for s in path.steps if s.optional]
    assert optional == [
        "Classical machine learning",
        "Retrieval-augmented generation",
        "Multimodal models",
        "Research writing",
        "Contributing to open source",
    ]
    assert path.steps[-3].covers == ("reading-papers",)
    assert all(graph.concepts[cid].kind == "practice" for cid in path.ids[-3:])


@pytest.mark.parametrize("pid", ["researcher-path", "lightweight-path"])
def test_curated_path_step_times_are_about_what_the_seeds_state(graph, pid):
    low, high = graph.paths[pid].stated_minutes
    # The seeds give rough figures ("~4-5 hours"), so allow 10% either side.
    assert 0.9 * low <= graph.path_source_minutes(pid) <= 1.1 * high


def test_path_source_totals_are_the_sum_of_the_steps_stated_times(graph):
    assert graph.path_source_minutes("researcher-path") == sum(m for _, m in RESEARCHER_PATH)
    assert graph.path_source_minutes("lightweight-path") == 12 * 60
    # The paper path and the roadmap state no step times; the paper path states a total.
    assert graph.path_source_minutes("paper-path") is None
    assert graph.path_source_minutes("llm-researcher-roadmap") is None


def test_every_concept_has_a_demo_or_is_a_practice_with_an_activity(graph):
    for concept in graph.concepts.values():
        if concept.kind == "practice":
            assert concept.activity and concept.demo is None, concept.id
        else:
            assert concept.demo == concept.id, concept.id


def test_concept_library_minutes_and_levels_match_seed_001(graph):
    # A sample across sections, as the library lists them.
    expected = {
        "what-is-an-llm": ("beginner", 5),
        "tokenisation-bpe": ("beginner", 6),
        "numerical-gotchas": ("intermediate", 8),
        "optimisation-theory": ("advanced", 10),
        "kv-cache": ("intermediate", 8),
        "speculative-decoding": ("advanced", 9),
        "tensor-pipeline-parallelism": ("advanced", 10),
        "test-time-compute": ("intermediate", 7),
        "mech-interp": ("advanced", 10),
        "vit": ("intermediate", 8),
    }
    for cid, (level, minutes) in expected.items():
        concept = graph.concepts[cid]
        assert (concept.level, concept.source_minutes) == (level, minutes), cid


def test_no_summary_or_question_copies_a_seed_sentence(graph):
    # Facts carry over from the seeds, sentences do not: no run of eight words is shared.
    seeds = REPO.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("the seed documents are not beside this checkout")
    words = " ".join(w for p in sorted(seeds.glob("*.txt")) for w in p.read_text().lower().split())
    texts = [c.summary for c in graph.concepts.values()]
    texts += [q for c in graph.concepts.values() for q in c.checklist]
    texts += [p.advice for p in graph.papers.values()]
    for text in texts:
        tokens = text.lower().split()
        for i in range(len(tokens) - 7):
            assert " ".join(tokens[i : i + 8]) not in words, text


# Seed 002 names the lightweight track's resources and what each one covers.
SEED_RESOURCES = {
    "https://www.3blue1brown.com/topics/neural-networks": ["feedforward-networks"],
    "https://www.youtube.com/watch?v=zjkBMFhNj_g": ["what-is-an-llm"],  # Intro to LLMs
    "https://www.youtube.com/watch?v=kCc8FmEb1nY": ["gpt"],  # Let's build GPT
    "https://jalammar.github.io/illustrated-transformer/": ["transformer-architecture"],
    "https://lilianweng.github.io/posts/2023-01-27-the-transformer-family-v2/": [
        "bert-architecture"
    ],
    "https://lilianweng.github.io/posts/2023-03-15-prompt-engineering/": [
        "in-context-learning",
        "chain-of-thought",
    ],
    "https://huyenchip.com/2023/04/11/llm-engineering.html": ["fine-tuning"],
    "https://huggingface.co/docs/peft/index": ["low-rank-adaptation"],
}


def test_the_lightweight_paths_named_resources_sit_on_the_concepts_they_cover(graph):
    for url, concept_ids in SEED_RESOURCES.items():
        for cid in concept_ids:
            assert url in {r.url for r in graph.concepts[cid].resources}, (cid, url)


def test_every_concept_offers_three_depths_whose_minutes_are_their_material(graph):
    # Study time is the time of the material: each resource's minutes are what its measured
    # length makes, and each depth's are its resources' plus the stated allowances.
    for concept in graph.concepts.values():
        assert list(concept.depths) == list(StudyDepth), concept.id
        for resource in concept.resources:
            assert resource.length is not None, (concept.id, resource.id)
        for depth, chosen in concept.depths.items():
            assert not chosen.given, concept.id
            material = sum(concept.resource(r).minutes for r in chosen.resources)
            questions = len(concept.checklist) if chosen.checklist else 0
            activity = concept.activity_minutes or 0 if chosen.activity else 0
            allowance = (
                questions * MINUTES_PER_QUESTION + (DEMO_MINUTES if chosen.demo else 0) + activity
            )
            assert chosen.minutes == material + allowance, (concept.id, depth)
        overview = concept.depths[StudyDepth.OVERVIEW]
        assert len(overview.resources) == 1 and overview.minutes <= OVERVIEW_LIMIT, concept.id
        study = concept.depths[StudyDepth.STUDY]
        assert study.checklist and not study.demo, concept.id
        deep = concept.depths[StudyDepth.DEEP]
        assert deep.checklist and (deep.demo or deep.activity), concept.id


def test_every_paper_has_two_to_four_reading_questions_of_its_own(graph):
    for paper in graph.papers.values():
        assert 2 <= len(paper.questions) <= 4, paper.id
        taught = {q for c in paper.teaches for q in graph.concepts[c].checklist}
        assert not taught & set(paper.questions), paper.id
