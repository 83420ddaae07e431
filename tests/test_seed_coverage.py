"""Every concept and paper the five seed documents name is a node of the graph.

The lists are written by hand from ``../shared/seeds/``: each name as the seed
spells it, and the id of the node it must resolve to, by id, title or alias
(``KnowledgeGraph.lookup`` ignores case and punctuation). Naming the expected
node, rather than accepting any match, also catches an alias on the wrong node.
"""

import pytest

from graph import load_graph
from tests.helpers import REPO

# 000: the researcher path's twelve steps and its follow-on areas.
RESEARCHER_PATH = {
    "Reasoning Models and Test-Time Compute": "reasoning-models",
    "Linear Algebra for AI": "linear-algebra",
    "Probability and Statistics for AI": "probability",
    "Feedforward Neural Networks": "feedforward-networks",
    "The Attention Mechanism": "attention",
    "The Transformer Block": "transformer-block",
    "Pre-training Objectives": "pretraining-objectives",
    "Scaling Laws": "scaling-laws",
    "RLHF and Alignment": "rlhf",
    "Chain-of-Thought and Reasoning": "chain-of-thought",
    "Mixture of Experts Architectures": "mixture-of-experts",
    "GPU Architecture and AI Hardware": "gpu-architecture",
    # follow-on areas
    "Interpretability": "mech-interp",
    "Open-source movement": "open-weight-llms",
    "Constitutional AI": "constitutional-ai",
    "DPO": "direct-preference-optimisation",
    "Red teaming": "red-teaming",
    "LoRA": "low-rank-adaptation",
    "QLoRA": "qlora",
    "PEFT": "low-rank-adaptation",
    "Full fine-tuning vs RAG": "fine-tuning-vs-rag",
    "o3": "openai-o-series",
    "DeepSeek R1": "deepseek-r1-recipe",
}

# 001: the concept library, section by section.
CONCEPT_LIBRARY = {
    # Foundations
    "RLHF: Reward Modeling, PPO, and the DPO Trade-off": "rlhf",
    "What is a Large Language Model?": "what-is-an-llm",
    "Tokens & Tokenization": "tokenisation-bpe",
    # NLP Foundations
    "Attention Mechanism": "attention",
    "Embeddings and Semantic Search": "embeddings",
    "Tokenisation and BPE": "tokenisation-bpe",
    "Transformer Architecture": "transformer-architecture",
    # Mathematical Foundations
    "Calculus and Gradients": "calculus-gradients",
    "Linear Algebra for ML": "linear-algebra",
    "Numerical Computation Gotchas": "numerical-gotchas",
    "Optimisation Theory": "optimisation-theory",
    "Probability and Information Theory": "probability",
    "Statistical Learning Theory Primer": "statistical-learning-theory",
    # Deep Learning
    "Backpropagation and Automatic Differentiation": "backpropagation",
    "Convolutional Neural Networks": "cnn",
    "Dropout and Modern Regularisation": "dropout",
    "Normalisation: BatchNorm, LayerNorm, RMSNorm": "normalisation",
    "Optimisers: SGD, Adam, AdamW, Lion": "optimisers",
    "Recurrent Networks: RNN, LSTM, GRU": "rnn-lstm",
    # Architectures & Scaling
    "The Attention Mechanism": "attention",
    "Pretraining vs Instruction Tuning": "instruction-tuning",
    # Large Language Models
    "Chain of Thought Prompting": "chain-of-thought",
    "Fine-tuning vs RAG": "fine-tuning-vs-rag",
    "Mixture of Experts": "mixture-of-experts",
    "Reinforcement Learning from Human Feedback": "rlhf",
    "Retrieval Augmented Generation": "rag",
    # Inference Optimisation
    "FlashAttention": "flash-attention",
    "KV Cache": "kv-cache",
    "Mixture-of-Experts Inference": "moe-inference",
    "Quantisation - INT8, INT4, FP8": "quantisation",
    "Speculative Decoding": "speculative-decoding",
    "vLLM and Continuous Batching": "vllm",
    # Training Infrastructure
    "Data Parallelism and DDP": "data-parallelism",
    "Gradient Checkpointing, Activation Recomputation, and CPU Offload": ("gradient-checkpointing"),
    "Mixed-Precision Training (FP16, BF16, FP8)": "mixed-precision",
    "Tensor and Pipeline Parallelism": "tensor-pipeline-parallelism",
    "ZeRO and FSDP": "zero-fsdp",
    # Reasoning Models
    "Chain of Thought, Self-consistency, and Search at Inference": "self-consistency-search",
    "DeepSeek-R1 and the Open Reasoning Recipe": "deepseek-r1-recipe",
    "OpenAI o1, o3 and the Reasoning-Model Family": "openai-o-series",
    "Process Reward Models and Verifiable Rewards": "process-reward-models",
    "Reasoning Evals and the Contamination Problem": "reasoning-evals",
    "Test-time Compute Scaling": "test-time-compute",
    # Applied LLMs and Agents & Tool Use: the concepts their descriptions name
    "Prompting": "prompting",
    "Function calling": "function-calling",
    "Tool use": "function-calling",
    "ReAct": "react-agents",
    "Workflows vs agents": "workflows-vs-agents",
    "Multi-step planning": "workflows-vs-agents",
    # Evaluation & MLOps
    "Custom Evals and LLM-as-Judge": "custom-evals",
    "HELM and Holistic Evaluation": "helm",
    "Model Registry, Lineage, and Reproducibility": "model-registry",
    "Production Monitoring and Drift Detection": "drift-monitoring",
    "Public Benchmarks - MMLU, GPQA, HumanEval, MATH": "public-benchmarks",
    "Red-Teaming and Adversarial Evaluation": "red-teaming",
    # Safety & Alignment
    "Alignment Evaluations and Frontier-Model Risk": "alignment-evals",
    "Constitutional AI and RLAIF": "constitutional-ai",
    "Jailbreaks and Refusal Robustness": "jailbreaks",
    "Mechanistic Interpretability Primer": "mech-interp",
    "Prompt Injection": "prompt-injection",
    "Sycophancy, Deception, and Reward Hacking": "reward-hacking",
    # LLM Systems
    "Hybrid Retrieval - BM25 + Vector + Reranking": "hybrid-retrieval",
    "LLM Gateways and Routing": "llm-gateways",
    "Multi-Tenant Serving and Isolation": "multi-tenant-serving",
    "Prompt Caching Infrastructure": "prompt-caching",
    "Token Accounting, Billing, and Quotas": "token-accounting",
    "Vector Databases Compared - pgvector, Qdrant, Milvus, Weaviate, LanceDB": ("vector-databases"),
    # Vision & Multimodal
    "Contrastive Vision-Language: CLIP": "clip",
    "Diffusion Models": "diffusion",
    "Multimodal LLMs: LLaVA, Flamingo, GPT-4V": "multimodal-llms",
    "Segment Anything (SAM) and Dense Prediction": "segment-anything",
    "Video, Audio, and Any-to-Any Models": "video-audio-models",
    "Vision Transformers (ViT)": "vit",
}

# 002: the concept slugs and named ideas of both paths, then every paper of the paper path.
LEARNING_PATHS = {
    "tokenization": "tokenisation-bpe",
    "self-attention": "attention",
    "training loop": "training-loop",
    "embeddings": "embeddings",
    "positional-encoding": "positional-encoding",
    "feed-forward layer": "transformer-block",
    "residual connections and layer normalisation": "transformer-block",
    "gpt": "gpt",
    "bert-architecture": "bert-architecture",
    "encoder-decoder": "encoder-decoder",
    "in-context-learning": "in-context-learning",
    "chain-of-thought": "chain-of-thought",
    "rlhf": "rlhf",
    "reward modeling": "reward-model",
    "PPO": "ppo",
    "fine-tuning": "fine-tuning",
    "low-rank-adaptation": "low-rank-adaptation",
    "pretraining": "pretraining-objectives",
    "transfer-learning": "transfer-learning",
    "constitutional-ai": "constitutional-ai",
    "mixture-of-experts": "mixture-of-experts",
    "seq2seq": "seq2seq",
    "bahdanau attention": "additive-attention",
    "Intro to Large Language Models": "what-is-an-llm",
}
PAPER_PATH = [
    "seq2seq",
    "bahdanau-attention",
    "attention-is-all-you-need",
    "gpt-1",
    "bert",
    "gpt-2",
    "scaling-laws-neural-lm",
    "chinchilla",
    "gpt-3",
    "instructgpt",
    "dpo",
    "constitutional-ai-paper",
    "lora",
    "flash-attention-paper",
    "roformer-rope",
    "word2vec",
    "t5",
    "switch-transformer",
]

# 003: the course's foundations, in its order.
COURSE = {
    "Functions": "functions",
    "Derivatives": "derivatives",
    "Vectors": "vectors-dot-products",
    "Dot product": "vectors-dot-products",
    "Gradients": "calculus-gradients",
    "Gradient descent": "calculus-gradients",
    "Matrices": "matrices",
    "Probability": "probability",
    "Tensors and shapes": "tensors",
    "Indexing, slicing and boolean masking": "tensors",
    "Autograd": "autograd",
    "The single neuron": "feedforward-networks",
    "Activation functions": "activation-functions",
    "Multi-layer networks and the forward pass": "feedforward-networks",
    "Loss functions": "loss-functions",
    "Backpropagation": "backpropagation",
    "Training loop": "training-loop",
    "Q, K, V attention": "attention",
    "Scaled dot-product attention": "attention",
    "Causal masking": "causal-masking",
    "Multi-head attention": "multi-head-attention",
    "Positional embeddings": "positional-encoding",
    "RoPE": "rope",
    "Rotary positional embeddings": "rope",
    "Feed-forward layer": "transformer-block",
    "Residual connections and layer normalisation": "transformer-block",
    "Decoder-only GPT": "gpt",
    "Perplexity": "perplexity",
    "Checkpointing": "training-loop",
}

# 004: the roadmap's twelve steps and the ideas they list, then its table of papers.
ROADMAP = {
    "Linear algebra": "linear-algebra",
    "Information theory": "probability",
    "Classical machine learning": "classical-ml",
    "Statistical learning theory": "statistical-learning-theory",
    "CNNs": "cnn",
    "RNNs and LSTMs": "rnn-lstm",
    "Batch normalisation": "normalisation",
    "Dropout": "dropout",
    "Learning-rate schedules": "optimisation-theory",
    "Flash Attention": "flash-attention",
    "Encoder vs decoder vs encoder-decoder architectures": "transformer-architecture",
    "SentencePiece": "tokenisation-bpe",
    "LLaMA": "open-weight-llms",
    "Fine-tuning": "fine-tuning",
    "QLoRA": "qlora",
    "Reward model": "reward-model",
    "Direct Preference Optimisation": "direct-preference-optimisation",
    "Goodhart's law": "reward-hacking",
    "Alignment tax": "reward-hacking",
    "RAG": "rag",
    "Vector databases": "vector-databases",
    "Reranking": "hybrid-retrieval",
    "Vision-language models": "multimodal-llms",
    "CLIP": "clip",
    "LLaVA": "multimodal-llms",
    "Three-pass method": "reading-papers",
    "Reading research papers": "reading-papers",
    "Writing research papers": "research-writing",
    "Peer review": "research-writing",
    "Open-source contribution": "open-source-contribution",
}
ROADMAP_PAPERS = {
    "Attention Is All You Need": "attention-is-all-you-need",
    "BERT: Pre-training of Deep Bidirectional Transformers": "bert",
    "Language Models are Few-Shot Learners": "gpt-3",
    "Training language models to follow instructions": "instructgpt",
    "LLaMA: Open and Efficient Foundation Language Models": "llama",
    "LoRA: Low-Rank Adaptation of LLMs": "lora",
    "Retrieval-Augmented Generation for NLP": "rag-paper",
    "Constitutional AI: Harmlessness from AI Feedback": "constitutional-ai-paper",
    "Scaling Laws for Neural Language Models": "scaling-laws-neural-lm",
    "The Llama 3 Herd of Models": "llama-3",
}

# Issue 3 names these papers as ones the concepts need.
CONCEPT_PAPERS = {
    "DPO": "dpo",
    "FlashAttention": "flash-attention-paper",
    "RoFormer": "roformer-rope",
    "Switch Transformer": "switch-transformer",
    "LLaMA": "llama",
    "Llama 3": "llama-3",
    "RAG": "rag-paper",
    "Chinchilla": "chinchilla",
    "InstructGPT": "instructgpt",
    "PPO": "ppo-paper",
    "ViT": "vit-paper",
    "CLIP": "clip-paper",
    "DDPM": "ddpm",
    "PagedAttention": "pagedattention",
    "Fast Inference from Transformers via Speculative Decoding": "speculative-decoding-paper",
    "ZeRO": "zero",
    "Megatron-LM": "megatron-lm",
    "Mixed Precision Training": "mixed-precision-training",
    "Adam": "adam",
    "Layer Normalization": "layer-norm",
    "RMSNorm": "rmsnorm",
    "BPE": "bpe-subword-units",
    "word2vec": "word2vec",
    "T5": "t5",
    "GPT-3": "gpt-3",
    "Chain-of-Thought Prompting Elicits Reasoning in Large Language Models": (
        "chain-of-thought-paper"
    ),
    "Self-Consistency Improves Chain of Thought Reasoning in Language Models": ("self-consistency"),
    "ReAct: Synergizing Reasoning and Acting in Language Models": "react",
    "DeepSeek-R1": "deepseek-r1",
    "QLoRA: Efficient Finetuning of Quantized LLMs": "qlora-paper",
}

CONCEPT_NAMES = {**RESEARCHER_PATH, **CONCEPT_LIBRARY, **LEARNING_PATHS, **COURSE, **ROADMAP}
PAPER_NAMES = {**{pid: pid for pid in PAPER_PATH}, **ROADMAP_PAPERS, **CONCEPT_PAPERS}


@pytest.fixture(scope="module")
def graph():
    return load_graph(REPO, cache_dir=None)


@pytest.mark.parametrize(("name", "expected"), sorted(CONCEPT_NAMES.items()))
def test_every_seed_concept_resolves_to_its_node(graph, name, expected):
    assert expected in graph.lookup(name), (name, graph.lookup(name))
    assert expected in graph.concepts or expected in graph.papers


@pytest.mark.parametrize(("name", "expected"), sorted(PAPER_NAMES.items()))
def test_every_seed_paper_resolves_to_its_paper(graph, name, expected):
    assert expected in graph.lookup(name), (name, graph.lookup(name))
    assert expected in graph.papers


# Concepts the seeds do not name but that a careful teacher adds as prerequisites (the
# review of issue 15 asked for the last five).
TEACHER_ADDED = {
    "policy-gradients",
    "generalisation",
    "second-derivatives",
    "mdp-value-functions",
    "generative-models",
    "rl-verifiable-rewards",
}


# Concepts issue 19 adds beyond the seeds: what today's syllabi (CS336, CS224n, Zero to
# Hero, d2l.ai, the LLM course) teach that the five sources do not name.
CURRICULUM_2026 = {
    "agent-infrastructure-evals",
    "attention-head-sharing",
    "calibration",
    "circuits-superposition",
    "decoding-strategies",
    "dense-retrieval",
    "dpo-variants",
    "evaluation-methodology",
    "experiment-design-ablations",
    "gpu-kernels-triton",
    "interpretability-methods",
    "knowledge-distillation",
    "latent-diffusion-flow-matching",
    "long-context-attention",
    "model-merging",
    "modern-transformer-block",
    "peft-beyond-lora",
    "pretraining-data",
    "pruning-sparsity",
    "rag-evaluation",
    "scalable-oversight",
    "self-supervised-vision",
    "serving-metrics",
    "sparse-dictionary-learning",
    "state-space-models",
    "structured-outputs",
    "synthetic-instruction-data",
    "tokenizer-variants",
    "training-stability",
    "vae-gan",
    "weight-initialisation",
}


def test_every_concept_is_named_by_a_seed_or_added_as_a_prerequisite(graph):
    # The reverse direction: a concept no seed name reaches is suspect.
    unnamed = set(graph.concepts) - set(CONCEPT_NAMES.values())
    assert unnamed == TEACHER_ADDED | CURRICULUM_2026
    for cid in TEACHER_ADDED:
        assert any(graph.digraph.successors(cid)), cid
    for cid in CURRICULUM_2026:  # built on the graph: never a loose end at the bottom
        assert graph.concepts[cid].requires, cid
