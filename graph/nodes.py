"""The plain, immutable records the graph holds once the YAML has been validated.

Pydantic models guard the edge (``graph.models``); inside, the graph keeps
named tuples: cheap to build, to pickle into the load cache and to read back.
Lists become tuples, and the teaches relation is merged from both sides
(a concept's ``papers`` and a paper's ``teaches``).
"""

from typing import Any, NamedTuple

from pydantic import BaseModel

from graph.material import GIVEN, Material, depth_material
from graph.models import (
    ConceptRecord,
    DepthRecord,
    PaperRecord,
    PathRecord,
    ResourceRecord,
    StepRecord,
)
from graph.taxonomy import (
    Category,
    ConceptKind,
    Level,
    Phase,
    Priority,
    ReadingAdvice,
    ReadingDepth,
    ResourceKind,
    StudyDepth,
    Track,
)


class Resource(NamedTuple):
    id: str  # the record's id, else r1, r2... by position
    kind: ResourceKind
    title: str
    url: str
    minutes: int
    length: str | None  # the fact the minutes come from, in words: '17:05 running time'
    free: bool


class Option(NamedTuple):
    """One way to study a concept or read a paper: a depth and its minutes."""

    depth: StudyDepth | ReadingDepth
    minutes: int


class Depth(NamedTuple):
    """What one study depth assigns: resources (ids), the checklist, the demo, the activity."""

    resources: tuple[str, ...]
    checklist: bool
    demo: bool
    activity: bool
    minutes: int
    given: bool  # True: minutes as the graph gives them, not summed from material
    material: tuple[Material, ...]  # what it assigns, piece by piece (graph.material)
    to_tick: tuple[str, ...]  # what a learner ticks off: questions, the demo, the activity


class Concept(NamedTuple):
    id: str
    title: str
    aliases: tuple[str, ...]
    summary: str
    category: Category
    level: Level
    minutes: int  # at the study depth (or the only depth the concept offers)
    source_minutes: int | None
    depths: dict[StudyDepth, Depth]  # deepest first
    # for each depth a plan may ask for: the depths from it down, deepest first (the
    # shallowest the concept offers when it offers nothing that shallow)
    options: dict[StudyDepth, tuple[Option, ...]]
    kind: ConceptKind
    requires: tuple[str, ...]
    recommends: tuple[str, ...]
    papers: tuple[str, ...]
    resources: tuple[Resource, ...]
    checklist: tuple[str, ...]
    demo: str | None
    activity: str | None
    activity_minutes: int | None

    def resource(self, resource_id: str) -> Resource:
        """The resource with ``resource_id``."""
        return next(r for r in self.resources if r.id == resource_id)


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
    questions: tuple[str, ...]

    @property
    def authors(self) -> str:
        """How the paper is cited: 'Ashish Vaswani et al.'."""
        return f"{self.first_author} et al." if self.et_al else self.first_author

    @property
    def link(self) -> str | None:
        """Where to read it: its arXiv page, else its url."""
        return f"https://arxiv.org/abs/{self.arxiv}" if self.arxiv else self.url


class PathStep(NamedTuple):
    title: str | None
    covers: tuple[str, ...]
    path: str | None
    minutes: int | None
    optional: bool


class LearningPath(NamedTuple):
    id: str
    title: str
    summary: str
    track: Track
    assumes: tuple[str, ...]
    steps: tuple[PathStep, ...]
    later: tuple[str, ...]
    stated_minutes: tuple[int, int] | None

    @property
    def ids(self) -> tuple[str, ...]:
        """Every id the steps cover, in study order."""
        return tuple(i for step in self.steps for i in step.covers)


def _fields(record: BaseModel, **overrides: object) -> dict[str, Any]:
    """The record's fields as plain values (lists become tuples), with ``overrides``."""
    values = {name: tuple(v) if isinstance(v, list) else v for name, v in record}
    values.update(overrides)
    return values


class _Named(NamedTuple):
    """The parts of a concept a depth's material is made of, its resources with their ids."""

    title: str
    resources: tuple[Resource, ...]
    checklist: list[str]
    demo: str | None
    activity: str | None
    activity_minutes: int | None


class _Assigns(NamedTuple):
    """What a depth assigns, as graph.material reads it."""

    resources: tuple[str, ...]
    checklist: bool
    demo: bool
    activity: bool


_DEEPEST_FIRST = list(StudyDepth)


def concept_node(record: ConceptRecord, papers: tuple[str, ...]) -> Concept:
    """The graph's record of a concept; ``papers`` is the merged teaches relation.

    A concept given only ``minutes`` studies at one depth, ``study``, of those
    minutes, with all its resources, its checklist and its demo.
    """
    resources = tuple(_resource(r, k) for k, r in enumerate(record.resources, start=1))
    named = _Named(
        record.title,
        resources,
        record.checklist,
        record.demo,
        record.activity,
        record.activity_minutes,
    )
    if record.depths is not None:
        depths = {
            d: _depth(named, record.depths[d], record.depths[d].minutes, given=False)
            for d in StudyDepth
            if d in record.depths
        }
    else:
        assert record.minutes is not None, "the model requires depths or minutes"
        every = _Assigns(
            tuple(r.id for r in resources),
            bool(record.checklist),
            record.demo is not None,
            record.activity is not None,
        )
        depths = {StudyDepth.STUDY: _depth(named, every, record.minutes, given=True)}
    study = depths.get(StudyDepth.STUDY) or next(iter(depths.values()))
    offered = [Option(d, depths[d].minutes) for d in depths]
    options = {
        # a concept's options are all study depths: the isinstance only tells mypy so
        asked: tuple(
            o
            for o in offered
            if isinstance(o.depth, StudyDepth) and _DEEPEST_FIRST.index(o.depth) >= rank
        )
        or tuple(offered[-1:])
        for rank, asked in enumerate(_DEEPEST_FIRST)
    }
    return Concept(
        **_fields(
            record,
            papers=papers,
            resources=resources,
            depths=depths,
            minutes=study.minutes,
            options=options,
        )
    )


def _depth(concept: _Named, record: DepthRecord | _Assigns, minutes: int, given: bool) -> Depth:
    """A depth with what it assigns. A given depth's minutes are the graph's own figure,
    so its pieces carry no minutes of their own."""
    material = depth_material(concept, record)
    if given:
        head = Material(GIVEN, concept.title, None, minutes)
        material = (head, *(m._replace(minutes=None) for m in material if m.url))
    to_tick = list(concept.checklist) if record.checklist else []
    if record.demo and concept.demo:
        to_tick.append(f"Run the {concept.demo} demo and see its claims pass")
    if record.activity and concept.activity:
        to_tick.append(f"Do the activity: {concept.activity}")
    return Depth(
        tuple(record.resources),
        record.checklist,
        record.demo,
        record.activity,
        minutes,
        given,
        material,
        tuple(to_tick),
    )


def _resource(record: ResourceRecord, position: int) -> Resource:
    length = record.length.describe() if record.length is not None else None
    return Resource(**_fields(record, id=record.id or f"r{position}", length=length))


def paper_node(record: PaperRecord, teaches: tuple[str, ...]) -> Paper:
    """The graph's record of a paper; ``teaches`` is the merged teaches relation."""
    minutes = {depth: record.minutes[depth] for depth in ReadingDepth if depth in record.minutes}
    return Paper(**_fields(record, teaches=teaches, minutes=minutes))


def path_node(record: PathRecord) -> LearningPath:
    steps = tuple(_step(s) for s in record.steps)
    stated = record.stated_minutes
    return LearningPath(
        **_fields(record, steps=steps, stated_minutes=stated and (stated.min, stated.max))
    )


def _step(step: str | StepRecord) -> PathStep:
    if isinstance(step, str):
        return PathStep(title=None, covers=(step,), path=None, minutes=None, optional=False)
    return PathStep(**_fields(step))
