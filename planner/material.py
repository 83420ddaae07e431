"""What a step assigns, piece by piece, with its minutes: the one source of a step's time.

A concept step assigns what its study depth assigns (``graph.material``, kept on
the graph's depths); a paper step assigns the paper at a reading depth and its
reading questions: its own, and those of the concepts the plan studies through
it. A step's minutes are the sum of its material's, so what a plan says a step
takes is what it assigns, and every face words each piece the same way.

    describe(Material("video", "Essence of calculus", url, 38))  # Watch Essence ... (38 min)
"""

from typing import TYPE_CHECKING

from graph import KnowledgeGraph
from graph.material import (
    ACTIVITY,
    DEMO,
    GIVEN,
    PAPER,
    QUESTIONS,
    Material,
    questions,
    total_minutes,
)
from graph.nodes import Paper
from graph.taxonomy import ReadingDepth
from planner.durations import format_minutes

if TYPE_CHECKING:  # plan.py imports this module
    from planner.plan import Step

_VERB = {
    "video": "Watch",
    "blog": "Read",
    "book": "Read",
    "course": "Take",
    "hands-on": "Work through",
    PAPER: "Read",
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

READING_GUIDE = {
    ReadingDepth.CLOSE: "Read closely: every section, working through the method's equations "
    "and the experiments that support each claim.",
    ReadingDepth.SELECTIVE: "Read selectively: the abstract, introduction, method and "
    "conclusion in full; skim the related work and the experiments for the results the "
    "questions ask about.",
    ReadingDepth.SKIM: "Skim: the abstract, the figures and the conclusion, to know what the "
    "paper claims and where to look later.",
}
"""What each reading depth asks of a learner, as every face words it (the web page's
material.js holds the same sentences; a test compares the two)."""

DEMO_COMMAND = "syllabus demos run {}"
"""The command that runs a demo and checks its claims (``api.demos_cli``'s ``run``)."""


def reading_guide(kind: str, depth: str) -> str | None:
    """For a paper step, what its reading depth means in practice; None for a concept."""
    return READING_GUIDE[ReadingDepth(depth)] if kind == PAPER else None


def demo_command(demo_id: str) -> str:
    """'syllabus demos run attention': the exact command a demo step asks a learner to run."""
    return DEMO_COMMAND.format(demo_id)


def demo_guide(step: "Step") -> str | None:
    """What a step says about its demo: the command and the source to read, 'Run the demo'
    where the step assigns it (deep depth), 'Optional demo' where it does not."""
    if step.demo is None:
        return None
    assigned = any(m.kind == DEMO for m in step.material)
    lead = "Run the demo" if assigned else "Optional demo"
    return f"{lead}: {demo_command(step.demo)} (source: {demo_source(step.demo)})"


def demo_source(demo_id: str) -> str:
    """The demo's module in the repository, 'demos/kv_cache.py' (``demos.records.discover``
    names each demo after its module, underscores as hyphens)."""
    return f"demos/{demo_id.replace('-', '_')}.py"


def paper_material(paper: Paper, depth: ReadingDepth, checklist: int) -> tuple[Material, ...]:
    """What reading ``paper`` at ``depth`` assigns, with ``checklist`` questions to answer
    (``paper_checklist``'s)."""
    title = f"{paper.title} ({paper.authors}, {paper.year}) {_READ[depth]}"
    read = Material(PAPER, title, paper.link, paper.minutes[depth])
    return (read, questions(checklist, "reading")) if checklist else (read,)


def reading_minutes(graph: KnowledgeGraph, paper: Paper, covers: tuple[str, ...]) -> int:
    """The minutes a paper step gives its reading questions (``paper_material``'s second
    piece), at every depth."""
    count = len(paper_checklist(graph, paper, covers))
    return (questions(count, "reading").minutes or 0) if count else 0  # or 0: never None


def paper_checklist(
    graph: KnowledgeGraph, paper: Paper, covers: tuple[str, ...]
) -> tuple[str, ...]:
    """A paper's own reading questions, then those of the concepts the plan reads in it."""
    items = [*paper.questions, *(q for c in covers for q in graph.concepts[c].checklist)]
    return tuple(dict.fromkeys(items))


def action(material: Material) -> str:
    """What a learner does with ``material``: Watch, Read, Take, Answer..."""
    return _VERB.get(material.kind, "Study")


def describe(material: Material) -> str:
    """One line a learner can act on: 'Watch Essence of calculus (38 min)'."""
    verb = action(material)
    if material.seen_in is not None:
        return f"{verb} {material.title}: already assigned in step {material.seen_in}"
    minutes = f" ({format_minutes(material.minutes)})" if material.minutes is not None else ""
    return f"{verb} {material.title}{minutes}"


def once(graph: KnowledgeGraph, steps: list["Step"]) -> list["Step"]:
    """Each piece of material assigned once: a resource an earlier step assigns (the same
    address and minutes) counts no minutes again, and says where it was assigned.

    The same video often serves several concepts (3Blue1Brown's attention chapter serves
    attention, multi-head attention and causal masking): a learner watches it once. Only
    resources more than one concept assigns can repeat (``graph.shared_resources``).
    """
    shared = graph.shared_resources
    first: dict[tuple[str, int], int] = {}
    out = []
    for step in steps:
        repeats = False
        for piece in step.material:
            key = (piece.url, piece.minutes)
            if key in shared:
                repeats = first.setdefault(key, step.number) != step.number or repeats
        if repeats:
            material = tuple(
                piece._replace(minutes=0, seen_in=first[key])
                if (key := (piece.url, piece.minutes)) in shared and first[key] != step.number
                else piece
                for piece in step.material
            )
            step = step._replace(material=material, minutes=total_minutes(material))
        out.append(step)
    return out
