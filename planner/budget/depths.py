"""Depths for a fixed set of kept items: a multiple-choice knapsack, solved exactly.

Once the fit knows which items it keeps, what is left is each item's depth: the
most depth credit within the room left, then the fewest minutes.
"""

from planner.budget.problem import Problem


def best_depths(p: Problem, open_: list[int], room: int) -> tuple[int, int, dict[int, int]]:
    """The depth of each of ``open_`` that gains the most credit in ``room``, then fewest minutes.

    A dynamic program over the credit reached so far, keeping for each credit the
    fewest minutes, and only credits that cost more minutes than every lower one.
    Returns the credit gained, the minutes spent and each item's option.
    """
    if p.flat:  # one way to study each
        return 0, sum(p.least[j] for j in open_), dict.fromkeys(open_, 0)
    deepest = dict.fromkeys(open_, 0)
    if sum(p.minutes[j][0] for j in open_) <= room:  # all as deep as they call for
        return sum(p.credit[j][0] for j in open_), sum(p.minutes[j][0] for j in open_), deepest
    # Items with one way to study them (concepts) only take their minutes out of the room.
    fixed = [j for j in open_ if len(p.minutes[j]) == 1]
    choices = [j for j in open_ if len(p.minutes[j]) > 1]
    room -= sum(p.least[j] for j in fixed)
    rest = sum(p.least[j] for j in choices)  # what the items not yet placed need at least
    fewest: dict[int, int] = {0: 0}  # credit reached -> fewest minutes that reach it
    trail: dict[int, tuple | None] = {0: None}  # credit reached -> (earlier trail, option)
    for j in choices:
        rest -= p.least[j]
        limit = room - rest
        options = list(enumerate(zip(p.credit[j], p.minutes[j], strict=True)))[::-1]
        reached: dict[int, int] = {}
        back: dict[int, tuple] = {}
        for credit, minutes in fewest.items():
            for k, (gain, cost) in options:  # cheapest first, so stop at the first too long
                total = minutes + cost
                if total > limit:
                    break
                if total < reached.get(credit + gain, limit + 1):
                    reached[credit + gain] = total
                    back[credit + gain] = (trail[credit], k)
        fewest, trail, least = {}, {}, limit + 1
        for credit in sorted(reached, reverse=True):  # drop more minutes for less credit
            if reached[credit] < least:
                least = fewest[credit] = reached[credit]
                trail[credit] = back[credit]
    credit = max(fewest)
    options, step = [], trail[credit]
    while step is not None:
        step, k = step
        options.append(k)
    depths = {**deepest, **dict(zip(choices, reversed(options), strict=True))}
    gained = credit + sum(p.credit[j][0] for j in fixed)
    return gained, fewest[credit] + sum(p.least[j] for j in fixed), depths
