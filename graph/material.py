"""What a study depth assigns, piece by piece, with its minutes: the one source of study time.

A concept at a depth assigns the resources the depth names, then the allowances
of graph.study_time: its checklist questions, its demo, its activity. The check
holds a depth's stated minutes to the sum of these pieces; the graph keeps the
pieces on each depth; a plan step shows them. A paper read at a depth assigns
the paper and its reading questions (``paper_material``).

    depth_material(concept, concept.depths["study"])  # (Material("video", ...), ...)
"""

from collections.abc import Sequence
from typing import NamedTuple, Protocol

from graph.study_time import DEMO_MINUTES, MINUTES_PER_QUESTION

QUESTIONS, DEMO, ACTIVITY, PAPER, GIVEN = "questions", "demo", "activity", "paper", "given"


class Material(NamedTuple):
    """One thing a step assigns."""

    kind: str  # a resource kind (video, blog, course, book, hands-on), or paper, questions,
    # demo, activity, or given (a concept whose graph gives minutes, not material)
    title: str
    url: str | None
    minutes: int | None  # None: part of a given depth, whose minutes are the graph's figure
    seen_in: int | None = None  # a plan: the earlier step that assigns it (0 minutes here)


# Read-only members (properties), so that a YAML record (pydantic, lists) and a graph node
# (named tuple, tuples) both match: a settable member would have to match its type exactly.
class _Resource(Protocol):
    @property
    def id(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def minutes(self) -> int: ...


class _Depth(Protocol):
    @property
    def resources(self) -> Sequence[str]: ...
    @property
    def checklist(self) -> bool: ...
    @property
    def demo(self) -> bool: ...
    @property
    def activity(self) -> bool: ...


class _Concept(Protocol):
    @property
    def resources(self) -> Sequence[_Resource]: ...
    @property
    def checklist(self) -> Sequence[str]: ...
    @property
    def demo(self) -> str | None: ...
    @property
    def activity(self) -> str | None: ...
    @property
    def activity_minutes(self) -> int | None: ...


def depth_material(concept: _Concept, depth: _Depth) -> tuple[Material, ...]:
    """What ``depth`` of ``concept`` assigns: its resources, then the allowances.

    Works on a concept's YAML record (to check its minutes) as on the graph's node.
    """
    by_id = {r.id: r for r in concept.resources}
    out = [
        Material(str(r.kind), r.title, r.url, r.minutes)
        for r in (by_id[rid] for rid in depth.resources)
    ]
    if depth.checklist and concept.checklist:
        out.append(questions(len(concept.checklist), "checklist"))
    if depth.demo and concept.demo:
        out.append(Material(DEMO, f"the {concept.demo} demo", None, DEMO_MINUTES))
    if depth.activity and concept.activity:
        out.append(Material(ACTIVITY, "the activity", None, concept.activity_minutes or 0))
    return tuple(out)


def questions(count: int, what: str) -> Material:
    """Answering ``count`` questions: 'the 3 checklist questions', at the stated allowance."""
    plural = "question" if count == 1 else "questions"
    return Material(QUESTIONS, f"the {count} {what} {plural}", None, count * MINUTES_PER_QUESTION)


def total_minutes(material: tuple[Material, ...]) -> int:
    """The minutes a piece of material adds up to."""
    return sum(m.minutes or 0 for m in material)
