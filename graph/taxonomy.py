"""The closed vocabularies of the graph, defined once.

Every enumerated value that the YAML files may use lives here: the loader,
the JSON Schemas, the CLI and (later) the API all read these definitions.
"""

from enum import StrEnum

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
"""Ids are lowercase words joined by single hyphens: ``kv-cache``, ``gpt-1``."""


class Category(StrEnum):
    """Sections of the concept library, plus the course's and roadmap's foundations."""

    FOUNDATIONS = "foundations"
    NLP_FOUNDATIONS = "nlp-foundations"
    MATH_FOUNDATIONS = "math-foundations"
    PYTORCH_FUNDAMENTALS = "pytorch-fundamentals"
    NEURAL_NETWORKS = "neural-networks"
    CLASSICAL_ML = "classical-ml"
    DEEP_LEARNING = "deep-learning"
    ARCHITECTURES_SCALING = "architectures-scaling"
    LARGE_LANGUAGE_MODELS = "large-language-models"
    INFERENCE_OPTIMISATION = "inference-optimisation"
    TRAINING_INFRASTRUCTURE = "training-infrastructure"
    REASONING_MODELS = "reasoning-models"
    APPLIED_LLMS = "applied-llms"
    AGENTS_TOOL_USE = "agents-tool-use"
    EVALUATION_MLOPS = "evaluation-mlops"
    SAFETY_ALIGNMENT = "safety-alignment"
    LLM_SYSTEMS = "llm-systems"
    VISION_MULTIMODAL = "vision-multimodal"
    RESEARCH_PRACTICE = "research-practice"


CATEGORY_TITLES: dict[Category, str] = {
    Category.FOUNDATIONS: "Foundations",
    Category.NLP_FOUNDATIONS: "NLP Foundations",
    Category.MATH_FOUNDATIONS: "Mathematical Foundations",
    Category.PYTORCH_FUNDAMENTALS: "PyTorch Fundamentals",
    Category.NEURAL_NETWORKS: "Neural Networks",
    Category.CLASSICAL_ML: "Classical Machine Learning",
    Category.DEEP_LEARNING: "Deep Learning",
    Category.ARCHITECTURES_SCALING: "Architectures & Scaling",
    Category.LARGE_LANGUAGE_MODELS: "Large Language Models",
    Category.INFERENCE_OPTIMISATION: "Inference Optimisation",
    Category.TRAINING_INFRASTRUCTURE: "Training Infrastructure",
    Category.REASONING_MODELS: "Reasoning Models",
    Category.APPLIED_LLMS: "Applied LLMs",
    Category.AGENTS_TOOL_USE: "Agents & Tool Use",
    Category.EVALUATION_MLOPS: "Evaluation & MLOps",
    Category.SAFETY_ALIGNMENT: "Safety & Alignment",
    Category.LLM_SYSTEMS: "LLM Systems",
    Category.VISION_MULTIMODAL: "Vision & Multimodal",
    Category.RESEARCH_PRACTICE: "Research Practice",
}


class Level(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class ConceptKind(StrEnum):
    """A ``concept`` is computed by a demo; a ``practice`` is done, and carries an activity."""

    CONCEPT = "concept"
    PRACTICE = "practice"


class ResourceKind(StrEnum):
    VIDEO = "video"
    BLOG = "blog"
    COURSE = "course"
    BOOK = "book"
    HANDS_ON = "hands-on"


class Priority(StrEnum):
    """How much a paper matters, as the roadmap seed rates papers."""

    ESSENTIAL = "essential"
    IMPORTANT = "important"
    OPTIONAL = "optional"


class Phase(StrEnum):
    """The phases of the paper path, in reading order; ``later`` is everything after."""

    CORE_ARCHITECTURE = "core-architecture"
    PRETRAINING_PARADIGM = "pretraining-paradigm"
    SCALING = "scaling"
    MAKING_MODELS_USEFUL = "making-models-useful"
    EFFICIENCY = "efficiency"
    LATER = "later"


class ReadingDepth(StrEnum):
    """Depths at which a paper can be read, deepest first."""

    CLOSE = "close"
    SELECTIVE = "selective"
    SKIM = "skim"


class StudyDepth(StrEnum):
    """Depths at which a concept can be studied, deepest first.

    ``overview``: one short resource; ``study``: the core material and the
    checklist; ``deep``: all of it, with the demo worked through.
    """

    DEEP = "deep"
    STUDY = "study"
    OVERVIEW = "overview"


class ReadingAdvice(StrEnum):
    """The depth a paper calls for on the paper path; ``skip-initially`` defers it."""

    CLOSE = "close"
    SELECTIVE = "selective"
    SKIM = "skim"
    SKIP_INITIALLY = "skip-initially"


class Track(StrEnum):
    LIGHTWEIGHT = "lightweight"
    PAPER = "paper"


class EdgeKind(StrEnum):
    """Kinds of edge in the graph; every edge points from prerequisite to dependent."""

    REQUIRES = "requires"
    RECOMMENDS = "recommends"
    TEACHES = "teaches"
