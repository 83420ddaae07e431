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

from graph.material import depth_material, total_minutes
from graph.study_time import OVERVIEW_LIMIT, length_minutes
from graph.suggest import MAX_ID_LENGTH, did_you_mean, suggest
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
    StudyDepth,
    Track,
)

MAX_MINUTES = 6000
"""100 hours: no single concept, resource or paper reading takes longer."""

FIRST_YEAR = 1940

Slug = Annotated[
    str,
    Field(
        pattern=SLUG_PATTERN,
        max_length=MAX_ID_LENGTH,
        description="A stable id: lowercase words joined by hyphens, e.g. kv-cache.",
        examples=["kv-cache"],
    ),
]
Minutes = Annotated[StrictInt, Field(ge=1, le=MAX_MINUTES, description="Study time in minutes.")]

CONTROL_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
"""The control characters no text of the graph may hold, as a character-class range: C0 but
TAB, LF and CR, then DEL and C1. RFC 5545 forbids them in a calendar's text, and a title
that carries one (a NUL, an ESC) breaks terminals, spreadsheets and Markdown alike."""
CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
TEXT_PATTERN = rf"^[^{CONTROL_CHARACTERS}]*$"
QUESTION_PATTERN = rf"^[^{CONTROL_CHARACTERS}]*\?[^\S{CONTROL_CHARACTERS}]*$"
URL_PATTERN = rf"^https?://[^\s{CONTROL_CHARACTERS}]+$"

Text = Annotated[str, Field(min_length=1, pattern=TEXT_PATTERN)]
Url = Annotated[str, Field(pattern=URL_PATTERN, description="An http(s) address.")]
Question = Annotated[
    str,
    Field(
        pattern=QUESTION_PATTERN,
        description='A question the learner answers for themselves, e.g. "Can you ...?"',
    ),
]

# Old-style ids (hep-th/9901001) and new-style ids (1706.03762, with an optional version).
ARXIV_PATTERN = r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$"


class FieldProblem(ValueError):
    """A record-level rule broken by one field; the loader points at that field's line.

    ``field`` is a field's name, or a path into the record such as
    ``("depths", "study", "minutes")``.
    """

    def __init__(self, field: str | tuple[str | int, ...], message: str) -> None:
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


Clock = Annotated[
    str,
    Field(
        pattern=r"^(\d+:)?[0-5]?\d:[0-5]\d$",
        description="A running time, H:MM:SS or M:SS.",
        examples=["17:05", "1:56:20"],
    ),
]


class LengthRecord(Record):
    """The fact a resource's minutes come from: exactly one of these."""

    duration: Clock | list[Clock] | None = Field(
        default=None,
        description="Running time of a video, or of the segment its url starts at (t=...); "
        "a list gives each episode of a series.",
    )
    words: StrictInt | None = Field(
        default=None, ge=1, le=1_000_000, description="Words of an article, chapter or tutorial."
    )
    pages: StrictInt | None = Field(
        default=None, ge=1, le=2_000, description="Printed pages of a book chapter."
    )
    stated: Minutes | None = Field(
        default=None, description="The time its publisher states, in minutes (a course's hours)."
    )

    @model_validator(mode="after")
    def _one_fact(self) -> Self:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of duration, words, pages or stated"
                + (f", not {' and '.join(given)}" if given else "")
            )
        return self

    def minutes(self, kind: ResourceKind) -> int:
        """The minutes this length makes for a resource of ``kind`` (graph.study_time)."""
        duration = self.duration if not isinstance(self.duration, list) else tuple(self.duration)
        return length_minutes(
            kind, duration=duration, words=self.words, pages=self.pages, stated=self.stated
        )

    def describe(self) -> str:
        """The fact in words: '17:05 running time', '4,100 words'."""
        if self.duration is not None:
            clocks = [self.duration] if isinstance(self.duration, str) else self.duration
            return " + ".join(clocks) + " running time"
        if self.words is not None:
            return f"{self.words:,} words"
        if self.pages is not None:
            return f"{self.pages} pages"
        return f"{self.stated} min as its publisher states"


class ResourceRecord(Record):
    """Something to study a concept with: a video, an article, a course, a book, a tutorial."""

    id: Slug | None = Field(
        default=None, description="A short id, unique within the concept, that depths name."
    )
    kind: ResourceKind = Field(description="video, blog, course, book or hands-on.")
    title: Text
    url: Url
    minutes: Minutes
    length: LengthRecord | None = Field(
        default=None, description="The fact the minutes come from; the check holds them equal."
    )
    free: StrictBool = Field(description="true when it costs nothing to use.")

    @model_validator(mode="after")
    def _minutes_from_length(self) -> Self:
        if self.length is not None:
            made = self.length.minutes(self.kind)
            if made != self.minutes:
                raise FieldProblem(
                    "minutes",
                    f"minutes is {self.minutes} but its length ({self.length.describe()}) "
                    f"makes {made} (graph/study_time.py); write minutes: {made}",
                )
        return self


class DepthRecord(Record):
    """What one study depth of a concept assigns; its minutes are that material's.

    The minutes are the named resources' minutes plus the stated allowances
    (graph/study_time.py): each checklist question, the demo, the activity.
    """

    resources: list[Slug] = Field(
        default_factory=list, description="Ids of the concept's resources, in study order."
    )
    checklist: StrictBool = Field(
        default=False, description="true when this depth includes answering the checklist."
    )
    demo: StrictBool = Field(
        default=False, description="true when this depth includes reading and running the demo."
    )
    activity: StrictBool = Field(
        default=False, description="true when this depth includes the practice's activity."
    )
    minutes: Minutes = Field(description="The material's minutes plus the allowances.")


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
    source_minutes: Minutes | None = Field(
        default=None,
        description="The minutes the concept library seed gives for its own article: a fact "
        "about that source, never study time.",
    )
    depths: dict[StudyDepth, DepthRecord] | None = Field(
        default=None,
        description="What each study depth assigns (overview, study, deep) and its minutes.",
    )
    minutes: Minutes | None = Field(
        default=None,
        description="Study time, for a graph that gives no depths: the concept is then "
        "studied as one depth of these minutes.",
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
    activity_minutes: Minutes | None = Field(
        default=None, description="How long the activity takes, for a depth that assigns it."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for field in ("aliases", "requires", "recommends", "papers", "checklist"):
            _no_repeats(field, getattr(self, field))
        _no_repeats("resources", [r.id for r in self.resources if r.id is not None])
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
        if self.activity_minutes is not None and self.activity is None:
            raise FieldProblem("activity_minutes", "activity_minutes needs an activity")
        if (self.depths is None) == (self.minutes is None):
            raise FieldProblem(
                "depths" if self.depths is not None else "minutes",
                "give depths (what each study depth assigns) or minutes, not both"
                if self.depths is not None
                else "give depths (what overview, study and deep assign) or minutes",
            )
        if self.depths is not None:
            _check_depths(self)
        return self  # a concept without a demo yet is a warning (graph.demos), not an error


def _check_depths(concept: ConceptRecord) -> None:
    """Each depth names material the concept has, and its minutes are that material's."""
    assert concept.depths is not None
    if not concept.depths:
        raise FieldProblem("depths", "name at least one depth: overview, study or deep")
    by_id = {r.id: r for r in concept.resources if r.id is not None}
    for depth, record in concept.depths.items():
        at = ("depths", str(depth))
        _no_repeats("resources", record.resources)
        for k, rid in enumerate(record.resources):
            if rid not in by_id:
                hint = did_you_mean(suggest(rid, list(by_id))) or (
                    f"its resource ids are {', '.join(map(repr, by_id))}"
                    if by_id
                    else "give each resource an id: and name those"
                )
                raise FieldProblem(
                    (*at, "resources", k),
                    f"{depth} names resource {rid!r}, which the concept does not have; {hint}",
                )
        wants = [
            name
            for name, has in (
                ("checklist", bool(concept.checklist)),
                ("demo", concept.demo is not None),
                ("activity", concept.activity_minutes is not None),
            )
            if getattr(record, name) and not has
        ]
        if wants:
            what = {"checklist": "checklist questions", "demo": "a demo"}.get(
                wants[0], "an activity with activity_minutes"
            )
            raise FieldProblem(
                (*at, wants[0]), f"{depth} assigns the {wants[0]}, but the concept has no {what}"
            )
        if not (record.resources or record.demo or record.activity):
            raise FieldProblem(at, f"{depth} assigns no material: name resources")
        material = depth_material(concept, record)
        made = total_minutes(material)
        if made != record.minutes:
            parts = " + ".join(f"{m.title} {m.minutes} min" for m in material)
            raise FieldProblem(
                (*at, "minutes"),
                f"{depth} minutes is {record.minutes} but its material makes {made} "
                f"({parts}); write minutes: {made}",
            )
        if depth is StudyDepth.OVERVIEW and (len(record.resources) > 1 or made > OVERVIEW_LIMIT):
            raise FieldProblem(
                at,
                f"an overview is one short resource of at most {OVERVIEW_LIMIT} min, "
                f"not {len(record.resources)} resources and {made} min; name a shorter one",
            )
    offered = [d for d in StudyDepth if d in concept.depths]
    for deeper, shallower in pairwise(offered):
        if concept.depths[shallower].minutes >= concept.depths[deeper].minutes:
            raise FieldProblem(
                ("depths", str(shallower), "minutes"),
                f"{shallower} ({concept.depths[shallower].minutes} min) must be shorter than "
                f"{deeper} ({concept.depths[deeper].minutes} min)",
            )


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
    teaches: list[Slug] = Field(
        default_factory=list,
        description="Ids of concepts it introduced or is the canonical reading for.",
    )
    requires: list[Slug] = Field(
        default_factory=list, description="Ids of concepts or papers to know first."
    )
    questions: list[Question] = Field(
        default_factory=list,
        max_length=4,
        description="Two to four reading questions of its own: what to take from this paper.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for field in ("aliases", "teaches", "requires", "questions"):
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
