"""A scheduled plan as an iCalendar file (RFC 5545): one event per study session.

A session carries a date and a length. Without a time of day (the learner picks the
hour) each is an all-day DATE event: inventing a start time would put a fixed appointment
in the calendar that the plan never made. With one (the request's ``at``, in its
``timezone``) each is a timed event from that local time for the session's minutes, its
zone described by a VTIMEZONE over the schedule's dates (UTC needs none). Events are
TRANSPARENT, so a study session does not mark the time busy.

Every value is built with icalendar, which escapes and folds the text; control characters
(which RFC 5545 forbids in text, and the data check refuses) are dropped first, so the
only ones written are the CRLF that ends each line. The output is
deterministic: UIDs are UUIDv5 of the plan's identity (goals, known ids, track) and the
session's date, and DTSTAMP is the schedule's start date, never the clock. Importing the
same plan again, even at a new pace, updates the sessions on the same dates instead of
duplicating them.
"""

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from icalendar.prop import vText

from api.errors import ApiError
from api.exports.case import plan_key, plan_title
from graph import KnowledgeGraph
from graph.models import CONTROL_CHARACTERS
from planner.material import demo_guide, describe, reading_guide
from planner.plan import Plan, Step
from planner.schedule import Schedule, Session, SessionPart

PRODID = "-//Syllabus//Study plan//EN"
NAMESPACE = uuid.UUID("0b7b8f0e-6f0a-4d5e-9a35-1c7e2f4d8a61")
"""Fixed for good: the UIDs of every calendar ever exported hang off it."""

SUMMARY_TITLE_CHARS = 60
"""A calendar shows a summary on one short line; the description carries the full titles."""


_LINE_BREAK = re.compile(r"\r\n?")
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")


def without_controls(text: str) -> str:
    """``text`` as iCalendar TEXT may hold it: a CR or CRLF becomes a newline (which
    icalendar escapes as \\n), and every other control character but TAB and LF is dropped:
    the rest of C0, DEL and C1."""
    return _CONTROL.sub("", _LINE_BREAK.sub("\n", text))


class _Text(vText):
    """A TEXT value that keeps every character of the string it is given but controls.

    icalendar reads a backslash followed by ``N`` in a value as a line break (vText's
    documented shorthand), so a title such as ``C:\\New`` would come back as two lines.
    Escaping the text between backslashes with icalendar and joining the pieces with an
    escaped backslash keeps the value exact; commas, semicolons and newlines are still
    escaped by icalendar itself. Control characters are dropped (``without_controls``).
    """

    def to_ical(self) -> bytes:
        text = without_controls(self)
        return b"\\\\".join(vText(piece).to_ical() for piece in text.split("\\"))


def plan_ics(plan: Plan, graph: KnowledgeGraph) -> bytes:
    """``plan``'s study sessions as an .ics calendar; ApiError 422 when it has no schedule."""
    if plan.schedule is None:
        raise ApiError(
            422,
            "needs-pace",
            "an .ics needs a schedule: give a pace (and a start date)",
            field="pace",
        )
    if not plan.schedule.sessions:  # RFC 5545 wants at least one component in a calendar
        raise ApiError(
            422,
            "empty-plan",
            "the plan has no steps left to study, so there are no sessions to put in a calendar",
            field="goals",
        )
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    name = _Text(plan_title(plan, graph))
    calendar.add("name", name)  # RFC 7986's calendar name
    calendar.add("x-wr-calname", name)  # the name most clients still read
    steps = {step.number: step for step in plan.steps}
    schedule = plan.schedule
    stamp = _stamp(schedule)
    try:
        for session in schedule.sessions:
            calendar.add_component(_event(plan, session, steps, stamp, schedule))
        if schedule.at is not None:  # a VTIMEZONE for the zone the events name, over their days
            last = min(schedule.end, date.max - timedelta(days=1)) + timedelta(days=1)
            calendar.add_missing_timezones(first_date=schedule.start, last_date=last)
    except OverflowError:  # a time zone moves a session past the year 9999
        raise ApiError(
            422,
            "too-large",
            f"the schedule runs to {schedule.end.isoformat()}, too close to the end of the "
            "calendar for timed sessions; start earlier",
            field="start",
        ) from None
    return calendar.to_ical()


def session_uid(plan: Plan, day: date) -> str:
    """The UID of the session on ``day``: the same plan gives the same UIDs on every export."""
    return str(uuid.uuid5(NAMESPACE, f"{plan_key(plan)}:{day.isoformat()}"))


def _event(
    plan: Plan, session: Session, steps: dict[int, Step], stamp: datetime, schedule: Schedule
) -> Event:
    event = Event()
    event.add("uid", session_uid(plan, session.date))
    event.add("dtstamp", stamp)
    if schedule.at is None:
        event.add("dtstart", session.date)
        event.add("dtend", session.date + timedelta(days=1))  # a DATE event's end is exclusive
    else:
        start, end = session_times(session, schedule.at, schedule.timezone)
        event.add("dtstart", start)
        event.add("dtend", end)
    event.add("summary", _Text(_summary(session, steps)))
    event.add("description", _Text(_description(session, steps)))
    event.add("transp", "TRANSPARENT")
    return event


def session_times(session: Session, at: time, timezone: str) -> tuple[datetime, datetime]:
    """When a timed session starts (``at`` on its day, in ``timezone``) and ends: its
    minutes later in elapsed time, across a daylight-saving change too."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(session.date, at, tzinfo=zone)
    end = (start.astimezone(UTC) + timedelta(minutes=session.minutes)).astimezone(zone)
    return start, end


def _stamp(schedule: Schedule) -> datetime:
    """DTSTAMP must be a UTC date-time: midnight UTC of the schedule's first day, not now."""
    return datetime.combine(schedule.start, time(), tzinfo=UTC)


def _summary(session: Session, steps: dict[int, Step]) -> str:
    """'Study: <first title> (+N more), 30 min' on one line, the title cut to fit."""
    title = " ".join(steps[session.parts[0].step].title.split())  # newlines would wrap it
    if len(title) > SUMMARY_TITLE_CHARS:
        title = title[: SUMMARY_TITLE_CHARS - 1].rstrip() + "…"
    more = len(session.parts) - 1
    return f"Study: {title}{f' (+{more} more)' if more else ''}, {session.minutes} min"


def _description(session: Session, steps: dict[int, Step]) -> str:
    """Per part of the session: step number, the exact title and its minutes, then what
    the step assigns, one line each, as every face words it."""
    return "\n".join(_part_lines(part, steps[part.step]) for part in session.parts)


def _part_lines(part: SessionPart, step: Step) -> str:
    # A long step runs over several sessions: say which share of it this one holds.
    share = f"{part.minutes} of {step.minutes}" if part.minutes < step.minutes else part.minutes
    lines = [f"Step {part.step}: {step.title} ({share} min)"]
    guide = reading_guide(step.kind, step.depth)
    if guide:
        lines.append(guide)
    if step.advice:
        lines.append(f"Focus: {step.advice}")
    # Each piece with its address, so the event alone is enough to start studying.
    lines += [f"- {describe(m)}" + (f" <{m.url}>" if m.url else "") for m in step.material]
    if step.kind == "paper":  # the reading questions, as the page's card shows them
        lines += [f"  ? {question}" for question in step.checklist]
    demo = demo_guide(step)
    if demo:
        lines.append(demo)
    return "\n".join(lines)
