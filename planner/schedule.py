"""Spread the steps of a plan over dated study sessions at a learner's pace."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from planner.errors import ErrorCode, PlanError
from planner.request import WEEKDAYS, Pace

MAX_SESSIONS = 2000
"""About five and a half years of daily sessions: a longer schedule is not a plan."""


@dataclass(frozen=True)
class SessionPart:
    step: int  # the step's number in the plan, from 1
    id: str
    minutes: int


@dataclass(frozen=True)
class Session:
    date: date
    minutes: int
    parts: tuple[SessionPart, ...]


@dataclass(frozen=True)
class Schedule:
    start: date
    end: date
    session_minutes: int
    study_days: tuple[str, ...]
    sessions: tuple[Session, ...]
    at: time | None = None  # when each session starts, in ``timezone``; None: all day
    timezone: str = "UTC"  # an IANA name


def schedule(
    steps: list[tuple[str, int]],
    pace: Pace,
    start: date,
    at: time | None = None,
    timezone: str = "UTC",
    numbers: Sequence[int] | None = None,
) -> Schedule:
    """Sessions from ``start`` on the study days; a long step runs over several sessions.
    ``at`` (local time in ``timezone``) is when each starts: without it, they last all day.
    ``numbers`` are the steps' numbers in the plan (default 1, 2, ...): a plan with progress
    schedules only some of its steps, in-progress ones first."""
    size = pace.session_minutes()
    days = {WEEKDAYS.index(d) for d in pace.days()}
    sessions: list[Session] = []
    parts: list[SessionPart] = []
    room = size
    day = _next_study_day(start, days)
    numbered = zip(numbers or range(1, len(steps) + 1), steps, strict=True)
    for number, (node, minutes) in numbered:
        left = minutes
        while left > 0:
            if room == 0:
                sessions.append(Session(day, size, tuple(parts)))
                if len(sessions) >= MAX_SESSIONS:
                    raise PlanError(
                        "pace",
                        f"the schedule needs more than {MAX_SESSIONS} sessions; "
                        "study more per session or set a budget",
                        code=ErrorCode.TOO_LARGE,
                    )
                parts, room = [], size
                day = _next_study_day(_day_after(day), days)
            used = min(left, room)
            parts.append(SessionPart(number, node, used))
            left -= used
            room -= used
    if parts:
        sessions.append(Session(day, size - room, tuple(parts)))
    end = sessions[-1].date if sessions else start
    study_days = tuple(str(d) for d in pace.days())
    return Schedule(start, end, size, study_days, tuple(sessions), at, timezone)


LAST_DAY = date.max - timedelta(days=1)
"""The last day a session can take: an export ends an all-day event on the day after."""


def _next_study_day(day: date, days: set[int]) -> date:
    """The first study day on or after ``day``."""
    while day.weekday() not in days:
        day = _day_after(day)
    return day


def _day_after(day: date) -> date:
    """The next day; a PlanError, not an OverflowError, at the end of the calendar."""
    if day >= LAST_DAY:
        raise PlanError(
            "start",
            f"the schedule would run past {LAST_DAY.isoformat()}, the end of the calendar; "
            "start earlier",
            code=ErrorCode.TOO_LARGE,
        )
    return day + timedelta(days=1)
