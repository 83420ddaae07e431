"""Pydantic models of the YAML records: the edge where hand-written data enters.

These models define what a maintainer may write in ``concepts.yaml``,
``papers.yaml`` and ``paths.yaml``; the JSON Schemas in ``schema/`` are
generated from them. Rules that need the whole graph (unknown ids, cycles)
live in ``graph.validate``; rules about one record live here.
"""

import re
from datetime import date
from itertools import pairwise
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictInt,
    Tag,
    model_validator,
)

from graph.taxonomy import (
    SLUG_PATTERN,
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

MAX_MINUTES = 6000
"""100 hours: no single concept, resource or paper reading takes longer."""

FIRST_YEAR = 1940

Slug = Annotated[
    str,
    Field(
        pattern=SLUG_PATTERN,
        description="A stable id: lowercase words joined by hyphens, e.g. kv-cache.",
        examples=["kv-cache"],
    ),
]
Minutes = Annotated[StrictInt, Field(ge=1, le=MAX_MINUTES, description="Study time in minutes.")]
Text = Annotated[str, Field(min_length=1)]
Url = Annotated[str, Field(pattern=r"^https?://\S+$", description="An http(s) address.")]
Question = Annotated[
    str,
    Field(
        pattern=r"\?\s*$",
        description='A question the learner answers for themselves, e.g. "Can you ...?"',
    ),
]

# Old-style ids (hep-th/9901001) and new-style ids (1706.03762, with an optional version).
ARXIV_PATTERN = r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$"


class FieldProblem(ValueError):
    """A record-level rule broken by one field; the loader points at that field's line."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Record(BaseModel):
    """Base of every YAML record: unknown fields are errors, never silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _no_repeats(field: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise FieldProblem(field, f"{field} lists {value!r} twice; remove the repeat")
        seen.add(value)


class ResourceRecord(Record):
    """Something to study a concept with on the lightweight track."""

    kind: ResourceKind = Field(description="video, blog, course, book or hands-on.")
    title: Text
    url: Url
    minutes: Minutes
    free: StrictBool = Field(description="true when it costs nothing to use.")


class ConceptRecord(Record):
    """An idea to learn: a node of the graph with its prerequisites and study material."""

    id: Slug
    title: Text
    aliases: list[Text] = Field(
        default_factory=list, description="Other titles the same idea goes by in the sources."
    )
    summary: Text = Field(description="One to three sentences, in the project's own words.")
    category: Category
    level: Level
    minutes: Minutes = Field(description="Study time on the lightweight track.")
    minutes_estimated: StrictBool = Field(
        default=False, description="true when no source gives the minutes and they are estimated."
    )
    kind: ConceptKind = Field(
        default=ConceptKind.CONCEPT,
        description="concept (has a demo) or practice (has an activity instead).",
    )
    requires: list[Slug] = Field(
        default_factory=list, description="Hard prerequisites: concept ids."
    )
    recommends: list[Slug] = Field(
        default_factory=list, description="Soft prerequisites, used only when a plan asks."
    )
    papers: list[Slug] = Field(default_factory=list, description="Ids of papers that teach it.")
    resources: list[ResourceRecord] = Field(default_factory=list)
    checklist: list[Question] = Field(default_factory=list)
    demo: Slug | None = Field(default=None, description="Id of the demo module in demos/.")
    activity: Text | None = Field(
        default=None, description="What to do, for a concept of kind practice."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for field in ("aliases", "requires", "recommends", "papers", "checklist"):
            _no_repeats(field, getattr(self, field))
        both = sorted(set(self.requires) & set(self.recommends))
        if both:
            raise FieldProblem(
                "recommends", f"{both[0]!r} is in both requires and recommends; keep one"
            )
        if self.kind is ConceptKind.PRACTICE:
            if self.activity is None:
                raise FieldProblem("kind", "a practice concept needs an activity: say what to do")
            if self.demo is not None:
                raise FieldProblem("demo", "a practice concept has an activity, not a demo")
        elif self.activity is not None:
            raise FieldProblem("activity", "activity is only for practice; add kind: practice")
        return self  # a concept without a demo yet is a warning (graph.demos), not an error


class PaperRecord(Record):
    """A paper to read on the paper track, with the depth it calls for."""

    id: Slug
    title: Text
    aliases: list[Text] = Field(default_factory=list, description="Short names, e.g. GPT-3.")
    first_author: Text
    et_al: StrictBool = Field(default=False, description="true when there are further authors.")
    year: StrictInt = Field(description="Year of the first arXiv version (or of publication).")
    arxiv: str | None = Field(
        default=None,
        pattern=ARXIV_PATTERN,
        description='arXiv id, quoted so YAML keeps it text: "1706.03762".',
    )
    url: Url | None = Field(default=None, description="Where to read it when it has no arXiv id.")
    venue: Text
    priority: Priority
    phase: Phase
    depth: ReadingAdvice = Field(description="The depth this paper calls for on the paper path.")
    advice: Text = Field(description="What to focus on while reading.")
    minutes: dict[ReadingDepth, Minutes] = Field(
        description="Reading time for each depth offered: close, selective, skim."
    )
    teaches: list[Slug] = Field(default_factory=list, description="Ids of concepts it teaches.")
    requires: list[Slug] = Field(
        default_factory=list, description="Ids of concepts or papers to know first."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for field in ("aliases", "teaches", "requires"):
            _no_repeats(field, getattr(self, field))
        last_year = date.today().year + 1
        if not FIRST_YEAR <= self.year <= last_year:
            raise FieldProblem("year", f"year {self.year} is impossible; give the first version's")
        if self.arxiv is not None:
            problem = _arxiv_problem(self.arxiv)
            if problem:
                raise FieldProblem("arxiv", f"arXiv id {self.arxiv!r} is malformed: {problem}")
            arxiv_year = _arxiv_year(self.arxiv)
            if arxiv_year != self.year:
                raise FieldProblem(
                    "year",
                    f"year {self.year} disagrees with arXiv id {self.arxiv}, first posted in "
                    f"{arxiv_year}; year is the year of the first arXiv version",
                )
        elif self.url is None:
            raise FieldProblem("url", "a paper without an arxiv id needs a url to read it at")
        if not self.minutes:
            raise FieldProblem("minutes", "give the reading time of at least one depth")
        offered = [d for d in ReadingDepth if d in self.minutes]
        for deeper, shallower in pairwise(offered):
            if self.minutes[shallower] >= self.minutes[deeper]:
                raise FieldProblem(
                    "minutes",
                    f"a {shallower} read ({self.minutes[shallower]} min) must be shorter than "
                    f"a {deeper} read ({self.minutes[deeper]} min)",
                )
        if self.depth != ReadingAdvice.SKIP_INITIALLY and ReadingDepth(self.depth) not in offered:
            raise FieldProblem(
                "depth", f"depth is {self.depth} but minutes has no {self.depth} time"
            )
        return self


def _arxiv_yymm(arxiv_id: str) -> tuple[int, int]:
    match = re.match(r"^(?:[a-z-]+(?:\.[A-Z]{2})?/)?(\d{2})(\d{2})", arxiv_id)
    assert match is not None, "only called on ids that matched ARXIV_PATTERN"
    return int(match.group(1)), int(match.group(2))


def _arxiv_year(arxiv_id: str) -> int:
    """The year of an arXiv id's first version: 1706.03762 -> 2017, hep-th/9901001 -> 1999."""
    yy, _ = _arxiv_yymm(arxiv_id)
    return 1900 + yy if yy >= 91 else 2000 + yy


def _arxiv_problem(arxiv_id: str) -> str | None:
    """What is wrong with an id that has the right shape, or None: the month, the digit count."""
    yy, mm = _arxiv_yymm(arxiv_id)
    if not 1 <= mm <= 12:
        return f"its month {mm:02d} does not exist (ids start with YYMM)"
    if "/" in arxiv_id:
        return None
    digits = len(arxiv_id.split(".")[1].split("v")[0])
    if (yy, mm) < (7, 4):
        return "new-style ids (YYMM.NNNNN) start in April 2007 (0704)"
    if digits != (5 if (yy, mm) >= (15, 1) else 4):
        return "ids from 2015 on have five digits after the dot, earlier ones four"
    return None


class StepRecord(Record):
    """One step of a curated path: the ids it covers, in study order.

    A bare id in ``steps`` is shorthand for a step covering just that id.
    """

    title: Text | None = Field(default=None, description="The step's name in the source.")
    covers: list[Slug] = Field(
        default_factory=list, description="Concept or paper ids, in study order."
    )
    path: Slug | None = Field(
        default=None, description="Id of another curated path this step hands over to."
    )
    minutes: Minutes | None = Field(
        default=None, description="The time the source gives for the whole step."
    )
    optional: StrictBool = Field(
        default=False, description="true when the source marks the step optional."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _no_repeats("covers", self.covers)
        if not self.covers and self.path is None:
            raise FieldProblem("covers", "a step needs covers (ids to study) or a path")
        return self


UNION_TAGS = ("step-id", "step-record")
"""Tags pydantic puts in error locations of a union member; the loader drops them."""


def _step_form(value: Any) -> str:
    return UNION_TAGS[0] if isinstance(value, str) else UNION_TAGS[1]


# A step is written as a bare id or as a mapping; choosing the branch by the value's shape
# means a broken mapping is reported against StepRecord alone, not against both forms.
Step = Annotated[
    Annotated[Slug, Tag(UNION_TAGS[0])] | Annotated[StepRecord, Tag(UNION_TAGS[1])],
    Discriminator(_step_form),
]


class MinutesRange(Record):
    """A total the source states as a range, e.g. 10-15 hours: {min: 600, max: 900}."""

    min: Minutes
    max: Minutes

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise FieldProblem("min", f"min ({self.min}) is larger than max ({self.max})")
        return self


class PathRecord(Record):
    """A curated path from the sources: an ordered list of steps the planner must reproduce."""

    id: Slug
    title: Text
    summary: Text
    track: Track
    assumes: list[Slug] = Field(
        default_factory=list, description="Ids the path takes as already known."
    )
    steps: list[Step] = Field(
        min_length=1, description="Steps in study order: an id, or a step covering several."
    )
    later: list[Slug] = Field(
        default_factory=list,
        description="Ids (concepts, papers or paths) to come back to after the path: "
        "the source's follow-on areas or its 'skip initially' list.",
    )
    stated_minutes: MinutesRange | None = Field(
        default=None, description="The total time the source gives for the path."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        covered = [i for step in self.steps for i in _step_ids(step)]
        _no_repeats("steps", covered)
        _no_repeats("assumes", self.assumes)
        _no_repeats("later", self.later)
        for field, others in (("assumes", self.assumes), ("later", self.later)):
            both = sorted(set(covered) & set(others))
            if both:
                raise FieldProblem(field, f"{both[0]!r} is both a step and in {field}; keep one")
        return self


def _step_ids(step: str | StepRecord) -> list[str]:
    return [step] if isinstance(step, str) else step.covers
