"""How long study takes: the stated rules that turn material into minutes.

Study time is a fact about material, never a guess about a topic. A resource
records the fact its minutes come from (its ``length``): a video's running time,
an article's words, a book's pages, or the time its publisher states. A study
depth's minutes are its resources' minutes plus the allowances below, so that a
learner who follows a plan finishes on the plan's dates.

    length_minutes(ResourceKind.VIDEO, duration="17:05")  # 18
    length_minutes(ResourceKind.BLOG, words=4_100)         # 21

The rates are the project's stated assumptions; change one here and
``syllabus check`` names every depth whose minutes no longer add up.
"""

import math
import re

from graph.taxonomy import ResourceKind

READING_WORDS_PER_MINUTE = 200
"""Technical prose with code and equations (adults read plain non-fiction at about 240)."""

HANDS_ON_WORDS_PER_MINUTE = 100
"""A tutorial you follow at the keyboard: reading it, typing and running its code."""

MINUTES_PER_PAGE = 5
"""A printed textbook page with mathematics, read to understand it."""

MINUTES_PER_QUESTION = 5
"""Answering one checklist question for yourself, on paper or aloud."""

DEMO_MINUTES = 20
"""Reading a demo's hundred-odd lines top to bottom, running it and seeing its claims pass."""

OVERVIEW_LIMIT = 30
"""An overview is one short resource: at most this many minutes."""

_CLOCK = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d)$")


def clock_seconds(text: str) -> int | None:
    """Seconds in a running time written H:MM:SS or M:SS; None if it is not one.

    clock_seconds("1:56:20") -> 6980; clock_seconds("17:05") -> 1025
    """
    match = _CLOCK.match(text.strip())
    if match is None:
        return None
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def length_minutes(
    kind: ResourceKind,
    *,
    duration: tuple[str, ...] | str | None = None,
    words: int | None = None,
    pages: int | None = None,
    stated: int | None = None,
) -> int:
    """A resource's minutes from the one fact given, rounded up to a whole minute.

    ``duration`` is a running time, or one per episode of a series; ``words`` are
    read at the reading rate, or at the hands-on rate for a hands-on resource.
    """
    if duration is not None:
        clocks = (duration,) if isinstance(duration, str) else duration
        seconds = sum(clock_seconds(c) or 0 for c in clocks)
        return max(1, math.ceil(seconds / 60))
    if words is not None:
        rate = (
            HANDS_ON_WORDS_PER_MINUTE if kind is ResourceKind.HANDS_ON else READING_WORDS_PER_MINUTE
        )
        return max(1, math.ceil(words / rate))
    if pages is not None:
        return pages * MINUTES_PER_PAGE
    if stated is not None:
        return stated
    raise ValueError("a length needs one of duration, words, pages or stated")
