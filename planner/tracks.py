"""Which items a request studies: the closure of its goals, on the track it asks for.

build_items(graph, ["gpt"], known=set(), track=Track.LIGHTWEIGHT)  # gpt and all it needs
"""

from graph import KnowledgeGraph
from graph.taxonomy import StudyDepth, Track
from planner.items import Item, concept_items
from planner.paper_track import paper_items


def build_items(
    graph: KnowledgeGraph,
    goals: list[str],
    known: set[str],
    track: Track,
    recommended: bool = False,
    depth: StudyDepth = StudyDepth.STUDY,
) -> dict[str, Item]:
    """The items a plan chooses from, with goals marked; ``known`` is already closed.

    Lightweight: every needed concept through its material. Paper: the papers that
    teach what the goals need, and every other needed concept through its material.
    """
    if track is Track.LIGHTWEIGHT:
        return concept_items(graph, goals, known, depth, recommended)
    return paper_items(graph, goals, known, depth, recommended)
