"""A plan request in its text form: what a URL's query string or a command line says.

Durations read "6h" or "30m/day", days "mon,wed,fri", dates YYYY-MM-DD. This one
model is the GET /v1/plans query (FastAPI reads it as query parameters) and the
``syllabus plan``/``export`` options (the CLI builds its options from these
fields); ``to_request`` turns it into the JSON form, a PlanRequest. Errors name
the fields as spelled here; each face renders them in its own spelling.

    PlanQuery(goal=["gpt"], budget="6h").to_request().budget_minutes  # 360
"""

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from graph.taxonomy import StudyDepth, Track
from planner.durations import parse_minutes, parse_pace
from planner.errors import PlanError, shown
from planner.progress import FIELDS as PROGRESS_FIELDS
from planner.request import (
    CLOCK_PATTERN,
    MAX_GOALS,
    MAX_ID_LENGTH,
    MAX_KNOWN,
    NodeId,
    Pace,
    PlanRequest,
    Weekday,
    clock_time,
)
from planner.study_days import parse_study_days

MAX_TEXT = 100
Text = Annotated[str, Field(max_length=MAX_TEXT)]
StepIds = Annotated[str, Field(min_length=1, max_length=MAX_KNOWN * (MAX_ID_LENGTH + 1))]
"""Step ids, one or several separated by commas: done=a,b,c keeps a link short."""
Clock = Annotated[Text, WithJsonSchema({"type": "string", "pattern": CLOCK_PATTERN})]
"""A time of day, HH:MM. The pattern is the schema's alone: PlanRequest reads the time, with
an error that says how to write one."""

TO_REQUEST = {"goal": "goals", "budget": "budget_minutes", "tz": "timezone"}
"""The PlanRequest field each text field becomes, where the names differ."""
FROM_REQUEST = {v: k for k, v in TO_REQUEST.items()}


class PlanQuery(BaseModel):
    """A plan request as text; ``to_request`` validates it into a PlanRequest."""

    model_config = ConfigDict(frozen=True)

    goal: list[NodeId] = Field(
        min_length=1,
        max_length=MAX_GOALS,
        description="A goal id (repeat it), or the id of a curated path (a preset).",
    )
    known: list[NodeId] = Field(
        default_factory=list, max_length=MAX_KNOWN, description="An id you know (repeat it)."
    )
    done: list[StepIds] = Field(
        default_factory=list,
        max_length=MAX_KNOWN,
        description="Steps of the plan done (repeat it, or separate ids by commas).",
    )
    doing: list[StepIds] = Field(
        default_factory=list,
        max_length=MAX_KNOWN,
        description="Steps of the plan in progress (repeat it, or separate ids by commas).",
    )
    skipped: list[StepIds] = Field(
        default_factory=list,
        max_length=MAX_KNOWN,
        description="Steps of the plan skipped (repeat it, or separate ids by commas).",
    )
    track: Track | None = Field(
        default=None, description="lightweight or paper; default: the preset's, else lightweight."
    )
    budget: Text | None = Field(default=None, description="Time available: 6h, 90m or 1h30m.")
    pace: Text | None = Field(default=None, description="Study pace: 30m/day or 5h/week.")
    days: Text | None = Field(
        default=None,
        description="Study days: mon,wed,fri, mon wed fri, mon-fri, weekdays or weekends "
        "(default: every day for a daily pace, Monday to Friday for a weekly one).",
    )
    start: Text | None = Field(
        default=None,
        pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="First study day, YYYY-MM-DD (default: today, with a pace).",
    )
    at: Clock | None = Field(
        default=None,
        description="Time of day each session starts, HH:MM (24-hour), e.g. 19:00: a calendar "
        "export then holds timed sessions instead of all-day ones.",
    )
    tz: Text = Field(default="UTC", description="Time zone of at: an IANA name, e.g. Europe/Paris.")
    depth: StudyDepth = Field(
        default=StudyDepth.STUDY,
        description="overview (one short resource), study (the core material and the "
        "checklist) or deep (all of it, with the demo).",
    )
    complete: bool = Field(
        default=False, description="A preset: also study the prerequisites its source skips."
    )
    recommended: bool = Field(default=False, description="Include soft prerequisites too.")
    known_implies_prerequisites: bool = Field(
        default=True, description="Whether knowing a concept implies knowing what it requires."
    )

    def to_request(self, today: date | None = None) -> PlanRequest:
        """The PlanRequest this text says; a PlanError names the text field at fault."""
        pace = None
        if self.pace is not None:
            minutes, per = parse_pace(self.pace, "pace")
            rate: dict[str, float] = (
                {"minutes_per_day": minutes} if per == "day" else {"hours_per_week": minutes / 60}
            )
            pace = _pace(rate, _days(self.days))
        elif self.days is not None:
            raise PlanError("days", "study days need a pace", value=self.days)
        start = None
        if self.start is not None:
            try:
                start = date.fromisoformat(self.start)
            except ValueError:
                message = f"{shown(self.start)} is not a date; write it as YYYY-MM-DD"
                raise PlanError("start", message, value=self.start) from None
        elif pace is not None:
            start = today or date.today()
        budget = parse_minutes(self.budget, "budget") if self.budget is not None else None
        try:
            return PlanRequest(
                goals=self.goal,
                known=self.known,
                done=_ids(self.done),
                doing=_ids(self.doing),
                skipped=_ids(self.skipped),
                track=self.track,
                depth=self.depth,
                complete=self.complete,
                budget_minutes=budget,
                include_recommended=self.recommended,
                known_implies_prerequisites=self.known_implies_prerequisites,
                pace=pace,
                start=start,
                at=None if self.at is None else clock_time(self.at),
                timezone=self.tz,
            )
        except ValidationError as exc:
            raise _text_error(exc) from None


def _ids(values: list[str]) -> list[str]:
    """Ids given repeated or comma-separated, in order."""
    return [node for value in values for node in value.split(",") if node]


def _days(days: str | None) -> list[Weekday] | None:
    return None if days is None else parse_study_days(days, "days")


def _pace(rate: dict[str, float], days: list[Weekday] | None) -> Pace:
    try:
        return Pace.model_validate({**rate, "study_days": days})
    except ValidationError as exc:
        raise PlanError("pace", exc.errors()[0]["msg"]) from None


def _text_error(exc: ValidationError) -> PlanError:
    """The first problem pydantic found in the PlanRequest, named as the text field."""
    problem = exc.errors()[0]
    head = str(problem["loc"][0]) if problem["loc"] else "request"
    cause = (problem.get("ctx") or {}).get("error")
    if isinstance(cause, PlanError):  # a field that words its own error (at, timezone)
        return PlanError(
            FROM_REQUEST.get(head, head),
            cause.message,
            cause.suggestions,
            code=cause.code,
            value=cause.value,
        )
    value = problem.get("input")
    return PlanError(
        FROM_REQUEST.get(head, head),
        problem["msg"],
        value=value if isinstance(value, str | int | float) else None,
    )


def steps_query(request: PlanRequest) -> str:
    """The text form (``GET /v1/plans`` fields, as ``PlanQuery`` reads them) of what decides
    ``request``'s steps and their order, written beside the reader it must agree with.

    The pace, days and start date shape only the schedule, so a link to the steps
    (a CASE export's uris) stays the same from one day to the next. Defaults are left out.

    >>> steps_query(PlanRequest(goals=["gpt"], known=["a", "b"], budget_minutes=90))
    'goal=gpt&known=a&known=b&budget=90m'
    """
    fields: list[tuple[str, str]] = [("goal", g) for g in request.goals]
    fields += [("known", k) for k in request.known]
    for name in PROGRESS_FIELDS:  # progress re-fits the budget to what is left
        if getattr(request, name):
            fields.append((name, ",".join(getattr(request, name))))
    if request.track is not None:
        fields.append(("track", str(request.track)))
    if request.depth != PlanRequest.model_fields["depth"].default:
        fields.append(("depth", str(request.depth)))
    if request.budget_minutes is not None:
        fields.append(("budget", f"{request.budget_minutes}m"))
    if request.include_recommended:
        fields.append(("recommended", "true"))
    if request.complete:
        fields.append(("complete", "true"))
    if not request.known_implies_prerequisites:
        fields.append(("known_implies_prerequisites", "false"))
    return urlencode(fields)
