"""A plan request from text, as the command line and the linkable GET /v1/plans give it.

Both say durations as "6h" or "30m/day" and dates as YYYY-MM-DD; each names its
own arguments in errors (``--budget`` on the command line, ``budget`` in a URL).
"""

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from pydantic import ValidationError

from graph.suggest import close_matches
from graph.taxonomy import StudyDepth, Track
from planner.durations import parse_minutes, parse_pace
from planner.errors import PlanError
from planner.request import Pace, PlanRequest, Weekday

CLI_NAMES = {
    "goals": "GOAL",
    "depth": "--depth",
    "budget": "--budget",
    "pace": "--pace",
    "days": "--days",
    "start": "--start",
}
QUERY_NAMES = {name: name for name in CLI_NAMES} | {"goals": "goal"}


class PlanText(NamedTuple):
    """A plan request as text, as a command line or a URL gives it; one record for both."""

    goals: Sequence[str]
    known: Sequence[str] = ()
    track: Track | None = None
    budget: str | None = None
    pace: str | None = None
    days: str | None = None
    start: str | None = None
    recommended: bool = False
    implied: bool = True
    depth: str | None = None
    complete: bool = False


def plan_request_from_text(
    text: PlanText, *, names: dict[str, str] = CLI_NAMES, today: date | None = None
) -> PlanRequest:
    """A PlanRequest from text; PlanError names the argument at fault (as ``names`` spells it)."""
    goals, known, track, budget, pace, days, start, recommended, implied, depth, complete = text
    if not goals:
        hint = "--preset NAME" if names is CLI_NAMES else "a preset id"
        raise PlanError(names["goals"], f"give at least one goal id, or {hint}")
    pace_model = None
    if pace is not None:
        minutes, per = parse_pace(pace, names["pace"])
        rate = {"minutes_per_day": minutes} if per == "day" else {"hours_per_week": minutes / 60}
        pace_model = _pace(rate, _days(days, names["days"]), names["pace"])
    elif days is not None:
        raise PlanError(names["days"], f"study days need a {names['pace']}")
    first_day = None
    if start is not None:
        try:
            first_day = date.fromisoformat(start)
        except ValueError:
            raise PlanError(
                names["start"], f"{start!r} is not a date; write it as YYYY-MM-DD"
            ) from None
    elif pace_model is not None:
        first_day = today or date.today()
    budget_minutes = parse_minutes(budget, names["budget"]) if budget is not None else None
    try:
        return PlanRequest(
            goals=goals,
            known=known,
            track=track,
            depth=_depth(depth, names["depth"]),
            complete=complete,
            budget_minutes=budget_minutes,
            include_recommended=recommended,
            known_implies_prerequisites=implied,
            pace=pace_model,
            start=first_day,
        )
    except ValidationError as exc:
        raise validation_error(exc, names) from None


def _depth(depth: str | None, field: str) -> StudyDepth:
    if depth is None:
        return StudyDepth.STUDY
    try:
        return StudyDepth(depth.strip().lower())
    except ValueError:
        choices = [d.value for d in reversed(StudyDepth)]
        near = tuple(close_matches(depth.strip().lower(), choices))
        message = f"{depth[:40]!r} is not a study depth; choose {', '.join(choices)}"
        raise PlanError(field, message, near) from None


def _days(days: str | None, field: str) -> list[Weekday] | None:
    if days is None:
        return None
    chosen = [d.strip().lower()[:3] for d in days.split(",") if d.strip()]
    if not chosen or any(d not in {w.value for w in Weekday} for d in chosen):
        raise PlanError(field, f"{days!r} is not a list of days like mon,wed,fri")
    return [Weekday(d) for d in chosen]


def _pace(rate: dict[str, float], days: list[Weekday] | None, field: str) -> Pace:
    try:
        return Pace(**rate, study_days=days)
    except ValidationError as exc:
        raise PlanError(field, exc.errors()[0]["msg"]) from None


def validation_error(exc: ValidationError, names: dict[str, str] | None = None) -> PlanError:
    """The first problem pydantic found, as a PlanError naming the field."""
    problem = exc.errors()[0]
    loc = [str(p) for p in problem["loc"]]
    field = ".".join(loc) or "request"
    if names and loc:
        head = {"budget_minutes": "budget", "goals": "goals"}.get(loc[0], loc[0])
        field = names.get(head, field)
    return PlanError(field, problem["msg"])
