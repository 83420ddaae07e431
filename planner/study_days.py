"""Study days as people type them: "mon-fri", "mon,wed,fri", "mon wed fri", "weekdays".

The text form of ``Pace.study_days`` (a link's ``days=``, the CLI's ``--days``, the page's
field). Items are separated by commas, spaces or both; each item is a day (its first three
letters or more of its English name: ``tue``, ``tues``, ``tuesday``), a range of days
(``mon-fri``; ``fri-mon`` wraps over the weekend), ``weekdays`` or ``weekends``. Anything
else is an error naming the item and the accepted forms, never a silent guess: "mon-fri"
once became Mondays only.

    parse_study_days("mon-wed, sat")  # [mon, tue, wed, sat]
"""

import re

from graph.suggest import suggest
from planner.errors import PlanError, shown
from planner.request import WEEKDAYS, WORKDAYS, Weekday

ACCEPTED = "days like mon,wed,fri or mon wed fri, a range like mon-fri, weekdays or weekends"
"""The forms a message offers, in the order a learner would try them."""

_NAMES = {
    "mon": "monday",
    "tue": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}
_GROUPS = {
    "weekdays": WORKDAYS,
    "weekday": WORKDAYS,
    "weekends": WEEKDAYS[5:],
    "weekend": WEEKDAYS[5:],
}
_RANGE = re.compile(r"^([a-z]+)\s*[-\u2013]\s*([a-z]+)$")
# A range is one item even when written with spaces around its dash: "mon - fri".
_ITEMS = re.compile(r"[a-z]+\s*[-\u2013]\s*[a-z]+|[^\s,]+")


def _day(word: str) -> Weekday | None:
    """The day ``word`` names: three or more leading letters of its English name."""
    if len(word) < 3:
        return None
    for short, full in _NAMES.items():
        if full.startswith(word):
            return Weekday(short)
    return None


def _wrong(text: str, item: str, field: str) -> PlanError:
    options = list(_NAMES) + list(_NAMES.values()) + ["weekdays", "weekends"]
    return PlanError(
        field,
        f"{shown(text)} is not a list of study days: {shown(item)} is not a day; write {ACCEPTED}",
        suggest(item, options),
        value=text,
    )


def parse_study_days(text: str, field: str = "days") -> list[Weekday]:
    """The days ``text`` names, in week order, each once; a PlanError names a bad item.

    >>> [str(d) for d in parse_study_days("fri-mon")]
    ['mon', 'fri', 'sat', 'sun']
    """
    items = _ITEMS.findall(text.lower())
    if not items:
        raise PlanError(field, f"{shown(text)} names no study days; write {ACCEPTED}", value=text)
    chosen: set[Weekday] = set()
    for item in items:
        if item in _GROUPS:
            chosen.update(_GROUPS[item])
            continue
        ends = _RANGE.match(item)
        if ends is None:
            day = _day(item)
            if day is None:
                raise _wrong(text, item, field)
            chosen.add(day)
            continue
        first, last = _day(ends.group(1)), _day(ends.group(2))
        if first is None or last is None:
            raise _wrong(text, ends.group(1) if first is None else ends.group(2), field)
        start, stop = WEEKDAYS.index(first), WEEKDAYS.index(last)
        chosen.update(WEEKDAYS[(start + i) % 7] for i in range((stop - start) % 7 + 1))
    return [d for d in WEEKDAYS if d in chosen]
