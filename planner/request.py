"""What a learner asks for: the plan request and its pace, validated at the edge."""

import functools
import re
import zoneinfo
from datetime import date, time
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from graph.suggest import suggest
from graph.taxonomy import StudyDepth, Track
from planner.errors import PlanError, shown

MAX_GOALS = 50
MAX_KNOWN = 500
MAX_BUDGET_MINUTES = 60 * 24 * 365
"""A year of round-the-clock study: anything larger is a typo."""
MAX_ID_LENGTH = 100
"""The longest id a request may name; the graph's longest is well under half of it."""

NodeId = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_LENGTH)]
"""A concept, paper or preset id as a request gives it."""
# Numbers, flags and dates are strict: `true` is not a 1-minute budget, nor 0 a date in 1970.
StrictInt = Annotated[int, Strict()]
StrictBool = Annotated[bool, Strict()]


def _iso_date(value: object) -> object:
    """A date, or its ISO text: not a number, which pydantic would read as a Unix time.

    (``Strict()`` would also refuse the text once a JSON body is parsed to Python.)
    """
    if isinstance(value, date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("write the date as YYYY-MM-DD")


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
IsoDate = Annotated[date, BeforeValidator(_iso_date)]

CLOCK_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
"""A time of day as HH:MM on the 24-hour clock: 07:30, 19:00."""
_CLOCK = re.compile(CLOCK_PATTERN)


def clock_time(value: object) -> time:
    """A time of day, or its HH:MM text; a PlanError naming ``at`` for anything else."""
    if isinstance(value, time) and value.tzinfo is None and not value.second | value.microsecond:
        return value
    if isinstance(value, str) and _CLOCK.fullmatch(value):
        return time(int(value[:2]), int(value[3:]))
    raise PlanError(
        "at",
        f"{shown(value)} is not a time of day; write it as HH:MM on the 24-hour clock, e.g. 19:00",
        value=value if isinstance(value, str) else None,
    )


ClockTime = Annotated[
    time,
    BeforeValidator(clock_time),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": CLOCK_PATTERN, "examples": ["19:00"]}),
]


@functools.cache
def time_zones() -> frozenset[str]:
    """Every IANA time zone name zoneinfo knows (from the tzdata package, else the system)."""
    return frozenset(zoneinfo.available_timezones())


def _time_zone(value: str) -> str:
    """An IANA time zone name zoneinfo can load; a PlanError with did-you-mean otherwise."""
    if value in time_zones():
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
        else:
            return value
    raise PlanError(
        "timezone",
        f"unknown time zone {shown(value)}: give an IANA name (Area/City, as in "
        "America/New_York) or UTC",
        suggest(value, sorted(time_zones())),
        value=value,
    )


TimeZoneName = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_ID_LENGTH), AfterValidator(_time_zone)
]
"""An IANA time zone name, e.g. Europe/Paris."""


def _one_of(schema: dict[str, Any]) -> None:
    """Pace's JSON Schema says what its validator enforces: exactly one rate."""
    schema["oneOf"] = [{"required": ["minutes_per_day"]}, {"required": ["hours_per_week"]}]
    for rate in ("minutes_per_day", "hours_per_week"):  # a rate is given or left out, never null
        prop = schema["properties"][rate]
        prop.update(next(s for s in prop.pop("anyOf") if s.get("type") != "null"))
        prop.pop("default")


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


WEEKDAYS = list(Weekday)
WORKDAYS = WEEKDAYS[:5]


class Pace(BaseModel):
    """How much a learner studies: minutes every study day, or hours spread over a week."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_one_of)

    minutes_per_day: StrictInt | None = Field(default=None, gt=0, le=24 * 60, examples=[30])
    hours_per_week: Annotated[float, Strict()] | None = Field(
        default=None, gt=0, le=7 * 24, examples=[5]
    )
    study_days: list[Weekday] | None = Field(
        default=None,
        min_length=1,
        description="Days to study on; default every day for a daily pace, Monday to Friday "
        "for a weekly one.",
        examples=[["mon", "wed", "fri"]],
    )

    @model_validator(mode="after")
    def _one_rate(self) -> Self:
        for rate in self.model_fields_set & {"minutes_per_day", "hours_per_week"}:
            if getattr(self, rate) is None:
                raise ValueError(f"leave {rate} out rather than giving it as null")
        if (self.minutes_per_day is None) == (self.hours_per_week is None):
            raise ValueError("give either minutes_per_day or hours_per_week")
        return self

    def days(self) -> list[Weekday]:
        """The study days, in week order."""
        chosen = self.study_days or (WEEKDAYS if self.minutes_per_day else WORKDAYS)
        return [d for d in WEEKDAYS if d in chosen]

    def session_minutes(self) -> int:
        """Minutes of one study session (one study day)."""
        if self.minutes_per_day is not None:
            return self.minutes_per_day
        assert self.hours_per_week is not None
        return max(1, round(self.hours_per_week * 60 / len(self.days())))


class PlanRequest(BaseModel):
    """Goals, what is known, the track, and optionally a budget and a pace."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    goals: list[NodeId] = Field(
        min_length=1,
        max_length=MAX_GOALS,
        description="Concept or paper ids to reach, or the id of a curated path (a preset).",
        examples=[["gpt"]],
    )
    known: list[NodeId] = Field(
        default_factory=list,
        max_length=MAX_KNOWN,
        description="Concept or paper ids the learner already knows.",
        examples=[["linear-algebra"]],
    )
    done: list[NodeId] = Field(
        default_factory=list,
        max_length=MAX_KNOWN,
        description="Steps of the plan already done: they stay in the plan, marked done, "
        "their time counts as done, and the budget left is fitted to the rest.",
        examples=[["linear-algebra"]],
    )
    doing: list[NodeId] = Field(
        default_factory=list,
        max_length=MAX_KNOWN,
        description="Steps of the plan in progress: scheduled first where their "
        "prerequisites allow.",
    )
    skipped: list[NodeId] = Field(
        default_factory=list,
        max_length=MAX_KNOWN,
        description="Steps of the plan skipped: they stay in the plan, marked skipped, and "
        "are neither counted as done nor scheduled.",
    )
    track: Track | None = Field(
        default=None,
        description="lightweight (concepts through videos, blogs, hands-on) or paper (the "
        "papers themselves). Default: the preset's track, else lightweight.",
    )
    depth: StudyDepth = Field(
        default=StudyDepth.STUDY,
        description="How deeply to study each concept: overview (one short resource), study "
        "(the core material and the checklist) or deep (all of it, with the demo). A budget "
        "may study some steps more shallowly; papers are read at the depth they call for, or "
        "skimmed for an overview.",
    )
    budget_minutes: StrictInt | None = Field(
        default=None, gt=0, le=MAX_BUDGET_MINUTES, description="Total study time available."
    )
    include_recommended: StrictBool = Field(
        default=False, description="Also plan soft prerequisites (recommends)."
    )
    complete: StrictBool = Field(
        default=False,
        description="A preset: also study the prerequisites its source skips, each before the "
        "first step that needs it.",
    )
    known_implies_prerequisites: StrictBool = Field(
        default=True, description="Knowing a concept implies knowing what it requires."
    )
    pace: Pace | None = None
    start: IsoDate | None = Field(
        default=None,
        description="First study day of the schedule, with a pace (the API's default: today).",
    )
    at: ClockTime | None = Field(
        default=None,
        description="Time of day each study session starts, HH:MM on the 24-hour clock, in "
        "timezone: a calendar export then holds timed sessions instead of all-day ones.",
    )
    timezone: TimeZoneName = Field(
        default="UTC",
        description="IANA time zone of at, e.g. Europe/Paris.",
        examples=["Europe/Paris"],
    )
