"""Prerequisites a teacher would draw, stated as properties of the whole real graph.

Each property is written in words in its test's name and docstring. A preset never
bends the graph: these hold whatever the curated paths skip.
"""

import networkx as nx
import pytest

from graph import load_graph
from graph.taxonomy import Category
from tests.helpers import REPO


@pytest.fixture(scope="module")
def graph():
    return load_graph(REPO, cache_dir=None)


@pytest.fixture(scope="module")
def requires(graph):
    return nx.DiGraph(
        [(u, v) for u, v, kind in graph.digraph.edges(data="kind") if kind == "requires"]
    )


def closure(requires: nx.DiGraph, node: str) -> set[str]:
    return nx.ancestors(requires, node) if node in requires else set()


# Concepts whose subject is training a network or adapting a trained one.
TRAINS_OR_ADAPTS = {
    "optimisers",
    "dropout",
    "cnn",
    "rnn-lstm",
    "transfer-learning",
    "generative-models",
    "diffusion",
    "vit",
    "clip",
    "policy-gradients",
    "pretraining-objectives",
    "gpt",
    "bert-architecture",
    "scaling-laws",
    "mixture-of-experts",
    "fine-tuning",
    "instruction-tuning",
    "low-rank-adaptation",
    "qlora",
    "reward-model",
    "ppo",
    "rlhf",
    "direct-preference-optimisation",
    "constitutional-ai",
    "rl-verifiable-rewards",
    "process-reward-models",
    "deepseek-r1-recipe",
    "openai-o-series",
    "chain-of-thought",
    "mixed-precision",
    "data-parallelism",
    "gradient-checkpointing",
    "zero-fsdp",
    "tensor-pipeline-parallelism",
}


def test_every_concept_that_trains_or_adapts_a_network_needs_backprop_and_the_training_loop(
    graph, requires
):
    """Training is gradient descent through backpropagation, run by a training loop:
    nobody can follow a fine-tune, a preference update or a sharded optimiser without
    both. This covers every concept built on pre-training, which is training itself."""
    trains = TRAINS_OR_ADAPTS | {
        c for c in graph.concepts if "pretraining-objectives" in closure(requires, c)
    }
    missing = {
        c: sorted({"backpropagation", "training-loop"} - closure(requires, c))
        for c in sorted(trains)
    }
    assert {c: m for c, m in missing.items() if m} == {}


def test_every_concept_computing_with_learned_weights_needs_backpropagation(graph, requires):
    """Attention, transformers and everything built on them compute with weights that
    were learned: backpropagation comes first, as in every course that teaches them."""
    for category in (Category.ARCHITECTURES_SCALING, Category.INFERENCE_OPTIMISATION):
        for cid, concept in graph.concepts.items():
            if concept.category is category:
                assert "backpropagation" in closure(requires, cid), cid


# Preference optimisation starts from a supervised fine-tuned model.
PREFERENCE_OPTIMISATION = [
    "reward-model",
    "ppo",
    "rlhf",
    "direct-preference-optimisation",
    "constitutional-ai",
    "rl-verifiable-rewards",
]


@pytest.mark.parametrize("cid", PREFERENCE_OPTIMISATION)
def test_every_preference_optimisation_concept_starts_from_supervised_fine_tuning(requires, cid):
    """A reward model, PPO, DPO and constitutional AI each start from an SFT model:
    supervised fine-tuning on instructions (instruction-tuning) is in their closure."""
    assert {"instruction-tuning", "fine-tuning"} <= closure(requires, cid)


# Pipelines: each stage builds on the one before it.
PIPELINES = {
    "post-training": "pretraining-objectives instruction-tuning reward-model ppo rlhf",
    "preference without RL": "instruction-tuning reward-model direct-preference-optimisation",
    "the transformer": "attention multi-head-attention transformer-block "
    "pretraining-objectives gpt",
    "retrieval": "embeddings vector-databases rag hybrid-retrieval",
    "reasoning at inference": "chain-of-thought self-consistency-search test-time-compute",
    "reinforcement learning": "mdp-value-functions policy-gradients ppo rl-verifiable-rewards "
    "deepseek-r1-recipe",
    "calculus": "functions derivatives calculus-gradients second-derivatives",
    "serving": "gpt kv-cache vllm multi-tenant-serving",
}


@pytest.mark.parametrize("name", PIPELINES)
def test_no_edge_runs_from_a_pipelines_later_stage_to_an_earlier_one(requires, name):
    """Each stage of a pipeline is in the closure of every later stage, so no later stage
    can be a prerequisite of an earlier one (the graph is a DAG)."""
    stages = PIPELINES[name].split()
    for i, later in enumerate(stages):
        assert set(stages[:i]) <= closure(requires, later), (name, later)


# Concepts that argue from the hardware: compute, memory bandwidth, interconnect.
HARDWARE_EXCEPTIONS = {
    "gpu-architecture": "the hardware itself",
    "kv-cache": "caching computation; its memory argument comes with vllm and speculative decoding",
}


def test_every_concept_that_argues_from_the_hardware_needs_gpu_architecture(graph, requires):
    """Training infrastructure and inference optimisation argue from FLOPs, memory
    bandwidth and interconnect, which the GPU architecture concept teaches."""
    for cid, concept in graph.concepts.items():
        hardware = {Category.TRAINING_INFRASTRUCTURE, Category.INFERENCE_OPTIMISATION}
        if concept.category in hardware and cid not in HARDWARE_EXCEPTIONS:
            assert "gpu-architecture" in closure(requires, cid), cid


# The review of the graph's edges (issue 15): what each concept must need, and must not.
REVIEW = [
    ("transformer-block", {"multi-head-attention", "normalisation"}, set()),
    ("pretraining-objectives", {"loss-functions", "tokenisation-bpe", "training-loop"}, set()),
    ("direct-preference-optimisation", {"instruction-tuning"}, set()),
    ("constitutional-ai", {"instruction-tuning"}, set()),
    ("reward-model", {"instruction-tuning"}, {"rlhf", "ppo"}),
    ("instruction-tuning", {"fine-tuning"}, set()),
    ("chain-of-thought", {"prompting"}, set()),
    ("openai-o-series", {"rl-verifiable-rewards", "policy-gradients"}, set()),
    ("policy-gradients", {"mdp-value-functions"}, set()),
    ("diffusion", {"generative-models"}, set()),
    ("zero-fsdp", {"mixed-precision"}, set()),
    ("tensor-pipeline-parallelism", {"multi-head-attention"}, set()),
    ("speculative-decoding", {"gpu-architecture"}, set()),
    ("quantisation", {"gpu-architecture", "gpt"}, set()),
    ("deepseek-r1-recipe", {"rl-verifiable-rewards"}, {"process-reward-models"}),
    ("red-teaming", {"jailbreaks", "prompting"}, {"public-benchmarks"}),
    ("gpu-architecture", {"tensors"}, {"transformer-block", "attention"}),
    ("data-parallelism", set(), {"attention"}),
    ("mixed-precision", set(), {"attention"}),
    ("loss-functions", {"probability"}, {"feedforward-networks"}),
    ("feedforward-networks", {"generalisation"}, set()),
    ("optimisation-theory", {"second-derivatives"}, set()),
]


@pytest.mark.parametrize(("cid", "needs", "not_needs"), REVIEW, ids=[r[0] for r in REVIEW])
def test_the_reviewed_edges_hold(requires, cid, needs, not_needs):
    found = closure(requires, cid)
    assert needs <= found and not (not_needs & found), (needs - found, not_needs & found)


def test_open_weight_llms_recommend_rope_and_require_normalisation(graph, requires):
    assert "rope" in graph.concepts["open-weight-llms"].recommends
    assert "normalisation" in closure(requires, "open-weight-llms")


def test_rl_from_verifiable_rewards_is_its_own_concept_not_an_alias(graph):
    prm = graph.concepts["process-reward-models"]
    assert not {"RLVR", "Verifiable rewards"} & set(prm.aliases)
    assert graph.lookup("RLVR") == ("rl-verifiable-rewards",)
