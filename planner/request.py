"""What a learner asks for: the plan request and its pace, validated at the edge."""

from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph.taxonomy import StudyDepth, Track

MAX_GOALS = 50
MAX_KNOWN = 500
MAX_BUDGET_MINUTES = 60 * 24 * 365
"""A year of round-the-clock study: anything larger is a typo."""


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

    model_config = ConfigDict(extra="forbid", frozen=True)

    minutes_per_day: int | None = Field(default=None, gt=0, le=24 * 60, examples=[30])
    hours_per_week: float | None = Field(default=None, gt=0, le=7 * 24, examples=[5])
    study_days: list[Weekday] | None = Field(
        default=None,
        description="Days to study on; default every day for a daily pace, Monday to Friday "
        "for a weekly one.",
        examples=[["mon", "wed", "fri"]],
    )

    @model_validator(mode="after")
    def _one_rate(self) -> Self:
        if (self.minutes_per_day is None) == (self.hours_per_week is None):
            raise ValueError("give either minutes_per_day or hours_per_week")
        if self.study_days is not None and not self.study_days:
            raise ValueError("study_days must name at least one day")
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

    goals: list[str] = Field(
        min_length=1,
        max_length=MAX_GOALS,
        description="Concept or paper ids to reach, or the id of a curated path (a preset).",
        examples=[["gpt"]],
    )
    known: list[str] = Field(
        default_factory=list,
        max_length=MAX_KNOWN,
        description="Concept or paper ids the learner already knows.",
        examples=[["linear-algebra"]],
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
    budget_minutes: int | None = Field(
        default=None, gt=0, le=MAX_BUDGET_MINUTES, description="Total study time available."
    )
    include_recommended: bool = Field(
        default=False, description="Also plan soft prerequisites (recommends)."
    )
    complete: bool = Field(
        default=False,
        description="A preset: also study the prerequisites its source skips, each before the "
        "first step that needs it.",
    )
    known_implies_prerequisites: bool = Field(
        default=True, description="Knowing a concept implies knowing what it requires."
    )
    pace: Pace | None = None
    start: date | None = Field(
        default=None, description="First study day of the schedule; needs a pace."
    )
