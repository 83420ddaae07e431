"""Parse the durations and paces people type: 6h, 90m, 1h30m, 30m/day, 5h/week."""

import re

from planner.errors import PlanError, shown

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(h|hr|hrs|hours?|m|min|mins|minutes?)", re.IGNORECASE)
_WHOLE = re.compile(rf"^\s*(?:{_PART.pattern}\s*)+$", re.IGNORECASE)


def parse_minutes(text: str, field: str) -> int:
    """Minutes in a duration: '6h' -> 360, '90m' -> 90, '1h30m' -> 90, '45' -> 45."""
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        minutes = int(text)
    elif _WHOLE.match(text):
        total = 0.0
        for number, unit in _PART.findall(text):
            total += float(number) * (60 if unit.lower().startswith("h") else 1)
        minutes = round(total)
    else:
        raise PlanError(
            field, f"{shown(text)} is not a duration; write it like 6h, 90m or 1h30m", value=text
        )
    if minutes <= 0:
        raise PlanError(field, f"{shown(text)} must be more than zero minutes", value=text)
    return minutes


def parse_pace(text: str, field: str = "pace") -> tuple[int, str]:
    """A pace as (minutes, per): '30m/day' -> (30, 'day'), '5h/week' -> (300, 'week')."""
    match = re.fullmatch(r"\s*(.+?)\s*(?:/|per|a)\s*(day|week)\s*", text, re.IGNORECASE)
    if match is None:
        raise PlanError(
            field, f"{shown(text)} is not a pace; write it like 30m/day or 5h/week", value=text
        )
    return parse_minutes(match.group(1), field), match.group(2).lower()


def format_minutes(minutes: int) -> str:
    """90 -> '1 h 30 min', 120 -> '2 h', 45 -> '45 min': how durations are shown."""
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h" + (f" {minutes % 60:02d} min" if minutes % 60 else "")
