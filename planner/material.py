"""What a step assigns, item by item, with its minutes: the one source of a step's time.

A concept at a study depth assigns the resources that depth names, its checklist
questions, its demo or activity; a paper at a reading depth assigns the paper
and its reading questions (its own, and those of the concepts the plan studies
through it). The allowances are graph.study_time's. A step's minutes are the
sum of its material's, so what a plan says a step takes is what it assigns.

    describe(Material("video", "Essence of calculus", url, 38))  # Watch Essence ... (38 min)
"""

from typing import NamedTuple

from graph import KnowledgeGraph
from graph.nodes import Concept, Paper
from graph.study_time import DEMO_MINUTES, MINUTES_PER_QUESTION
from graph.taxonomy import ReadingDepth, StudyDepth
from planner.durations import format_minutes

QUESTIONS, DEMO, ACTIVITY, PAPER_READ, GIVEN = "questions", "demo", "activity", "paper", "given"


class Material(NamedTuple):
    """One thing a step assigns."""

    kind: str  # a resource kind (video, blog, course, book, hands-on), or paper, questions,
    # demo, activity, or given (a concept whose graph gives minutes, not material)
    title: str
    url: str | None
    minutes: int | None  # None: part of a given depth, whose minutes are the graph's figure


_VERB = {
    "video": "Watch",
    "blog": "Read",
    "book": "Read",
    "course": "Take",
    "hands-on": "Work through",
    QUESTIONS: "Answer",
    DEMO: "Read and run",
    ACTIVITY: "Do",
    GIVEN: "Study",
}
_READ = {
    ReadingDepth.CLOSE: "closely",
    ReadingDepth.SELECTIVE: "selectively",
    ReadingDepth.SKIM: "as a skim",
}


def concept_material(concept: Concept, depth: StudyDepth) -> tuple[Material, ...]:
    """What studying ``concept`` at ``depth`` assigns."""
    chosen = concept.depths[depth]
    resources = [concept.resource(r) for r in chosen.resources]
    if chosen.given:
        head = [Material(GIVEN, concept.title, None, chosen.minutes)]
        return (*head, *(Material(str(r.kind), r.title, r.url, None) for r in resources))
    out = [Material(str(r.kind), r.title, r.url, r.minutes) for r in resources]
    if chosen.checklist:
        out.append(_questions(len(concept.checklist), "checklist"))
    if chosen.demo and concept.demo:
        out.append(Material(DEMO, f"the {concept.demo} demo", None, DEMO_MINUTES))
    if chosen.activity and concept.activity:
        out.append(Material(ACTIVITY, "the activity", None, concept.activity_minutes or 0))
    return tuple(out)


def paper_material(
    graph: KnowledgeGraph, paper: Paper, depth: ReadingDepth, covers: tuple[str, ...]
) -> tuple[Material, ...]:
    """What reading ``paper`` at ``depth`` assigns, standing for the concepts ``covers``."""
    link = f"https://arxiv.org/abs/{paper.arxiv}" if paper.arxiv else paper.url
    title = f"{paper.title} ({paper.authors}, {paper.year}) {_READ[depth]}"
    out = [Material(PAPER_READ, title, link, paper.minutes[depth])]
    questions = len(paper_checklist(graph, paper, covers))
    if questions:
        out.append(_questions(questions, "reading"))
    return tuple(out)


def concept_checklist(concept: Concept, depth: StudyDepth) -> tuple[str, ...]:
    """What to tick off for a concept at ``depth``: questions, demo, activity."""
    chosen = concept.depths[depth]
    items = list(concept.checklist) if chosen.checklist else []
    if chosen.demo and concept.demo:
        items.append(f"Run the {concept.demo} demo and see its claims pass")
    if chosen.activity and concept.activity:
        items.append(f"Do the activity: {concept.activity}")
    return tuple(items)


def paper_checklist(
    graph: KnowledgeGraph, paper: Paper, covers: tuple[str, ...]
) -> tuple[str, ...]:
    """A paper's own reading questions, then those of the concepts the plan reads in it."""
    items = [*paper.questions, *(q for c in covers for q in graph.concepts[c].checklist)]
    return tuple(dict.fromkeys(items))


def total_minutes(material: tuple[Material, ...]) -> int:
    """The minutes a piece of material adds up to."""
    return sum(m.minutes or 0 for m in material)


def describe(material: Material) -> str:
    """One line a learner can act on: 'Watch Essence of calculus (38 min)'."""
    minutes = f" ({format_minutes(material.minutes)})" if material.minutes is not None else ""
    if material.kind == PAPER_READ:
        return f"Read {material.title}{minutes}"
    return f"{_VERB.get(material.kind, 'Study')} {material.title}{minutes}"


def _questions(count: int, what: str) -> Material:
    plural = "question" if count == 1 else "questions"
    return Material(QUESTIONS, f"the {count} {what} {plural}", None, count * MINUTES_PER_QUESTION)
