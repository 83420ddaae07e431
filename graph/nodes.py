"""The plain, immutable records the graph holds once the YAML has been validated.

Pydantic models guard the edge (``graph.models``); inside, the graph keeps
named tuples: cheap to build, to pickle into the load cache and to read back.
Lists become tuples, and the teaches relation is merged from both sides
(a concept's ``papers`` and a paper's ``teaches``).
"""

from typing import NamedTuple

from graph.models import ConceptRecord, PaperRecord, PathRecord, ResourceRecord
from graph.taxonomy import (
    Category,
    ConceptKind,
    Level,
    Phase,
    Priority,
    ReadingAdvice,
    ReadingDepth,
    ResourceKind,
    Track,
)


class Resource(NamedTuple):
    kind: ResourceKind
    title: str
    url: str
    minutes: int
    free: bool


class Concept(NamedTuple):
    id: str
    title: str
    aliases: tuple[str, ...]
    summary: str
    category: Category
    level: Level
    minutes: int
    minutes_estimated: bool
    kind: ConceptKind
    requires: tuple[str, ...]
    recommends: tuple[str, ...]
    papers: tuple[str, ...]
    resources: tuple[Resource, ...]
    checklist: tuple[str, ...]
    demo: str | None
    activity: str | None


class Paper(NamedTuple):
    id: str
    title: str
    aliases: tuple[str, ...]
    first_author: str
    et_al: bool
    year: int
    arxiv: str | None
    url: str | None
    venue: str
    priority: Priority
    phase: Phase
    depth: ReadingAdvice
    advice: str
    minutes: dict[ReadingDepth, int]
    teaches: tuple[str, ...]
    requires: tuple[str, ...]

    @property
    def authors(self) -> str:
        """How the paper is cited: 'Ashish Vaswani et al.'."""
        return f"{self.first_author} et al." if self.et_al else self.first_author


class LearningPath(NamedTuple):
    id: str
    title: str
    summary: str
    track: Track
    assumes: tuple[str, ...]
    steps: tuple[str, ...]


def _resource(record: ResourceRecord) -> Resource:
    return Resource(record.kind, record.title, record.url, record.minutes, record.free)


def concept_node(record: ConceptRecord, papers: tuple[str, ...]) -> Concept:
    """The graph's record of a concept; ``papers`` is the merged teaches relation."""
    return Concept(
        id=record.id,
        title=record.title,
        aliases=tuple(record.aliases),
        summary=record.summary,
        category=record.category,
        level=record.level,
        minutes=record.minutes,
        minutes_estimated=record.minutes_estimated,
        kind=record.kind,
        requires=tuple(record.requires),
        recommends=tuple(record.recommends),
        papers=papers,
        resources=tuple(_resource(r) for r in record.resources),
        checklist=tuple(record.checklist),
        demo=record.demo,
        activity=record.activity,
    )


def paper_node(record: PaperRecord, teaches: tuple[str, ...]) -> Paper:
    """The graph's record of a paper; ``teaches`` is the merged teaches relation."""
    return Paper(
        id=record.id,
        title=record.title,
        aliases=tuple(record.aliases),
        first_author=record.first_author,
        et_al=record.et_al,
        year=record.year,
        arxiv=record.arxiv,
        url=record.url,
        venue=record.venue,
        priority=record.priority,
        phase=record.phase,
        depth=record.depth,
        advice=record.advice,
        minutes=dict(
            sorted(record.minutes.items(), key=lambda kv: list(ReadingDepth).index(kv[0]))
        ),
        teaches=teaches,
        requires=tuple(record.requires),
    )


def path_node(record: PathRecord) -> LearningPath:
    return LearningPath(
        id=record.id,
        title=record.title,
        summary=record.summary,
        track=record.track,
        assumes=tuple(record.assumes),
        steps=tuple(record.steps),
    )
