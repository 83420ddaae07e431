"""A learner's progress through a plan: steps done, in progress or skipped.

Progress is not knowledge. A known concept leaves the plan, with what it requires; a done
step stays in the plan where it was, marked done, and its minutes count as time done. A
skipped step stays too, marked skipped, and costs nothing. With a budget, the plan is
fitted again to what is left (the budget less the time done) with the done and skipped
steps held in it at the depth they were planned at, so a fit never cuts them and the time
they free goes to the remaining steps. The schedule dates only the remaining steps, from
the request's start, in the plan's order but with the steps in progress first wherever
their prerequisites allow.

Progress applies to the plan the request describes without it: an id that is not one of
its steps is ignored and reported in ``Progress.ignored``.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from graph.nodes import Option
from planner.errors import ErrorCode, PlanError
from planner.items import Item

if TYPE_CHECKING:  # plan.py imports this module
    from planner.plan import Step
    from planner.request import PlanRequest


class StepStatus(StrEnum):
    TODO = "todo"  # not started
    DOING = "doing"  # in progress
    DONE = "done"
    SKIPPED = "skipped"


FINISHED = frozenset({StepStatus.DONE, StepStatus.SKIPPED})
"""Statuses that take a step out of what is left to study."""

FIELDS = {"done": StepStatus.DONE, "doing": StepStatus.DOING, "skipped": StepStatus.SKIPPED}
"""The request field that marks each status."""


@dataclass(frozen=True)
class Progress:
    """Time done and time left; done + left + skipped is the plan's minutes."""

    minutes_done: int
    minutes_left: int
    minutes_skipped: int
    steps_done: int
    steps_left: int
    steps_skipped: int
    ignored: tuple[str, ...] = ()  # ids the request marks that are not steps of the plan


def marks(request: "PlanRequest") -> dict[str, StepStatus]:
    """Each id the request marks, with its status; a PlanError (a conflict, naming the later
    field) for an id marked twice."""
    marked: dict[str, StepStatus] = {}
    field_of: dict[str, str] = {}
    for field, status in FIELDS.items():
        for node in getattr(request, field):
            if node in marked and marked[node] is not status:
                raise PlanError(
                    field,
                    f"{node!r} is marked both {field_of[node]} and {field}: give each step "
                    "one status",
                    code=ErrorCode.CONFLICT,
                    value=node,
                )
            marked[node], field_of[node] = status, field
    return marked


def held(
    items: dict[str, Item], chosen: dict[str, int], finished: Iterable[str]
) -> dict[str, Item]:
    """``items`` with each finished one held: its planned depth at no cost and with no
    prerequisites, so that every fit keeps it and spends nothing on it."""
    out = dict(items)
    for node in finished:
        item = items[node]
        depth = item.options[chosen[node]].depth
        out[node] = item._replace(options=(Option(depth, 0),), deps=())
    return out


def finished_minutes(items: dict[str, Item], chosen: dict[str, int], done: Iterable[str]) -> int:
    """The planned minutes of the ``done`` items: the time a budget has already spent."""
    return sum(items[n].options[chosen[n]].minutes for n in done)


def study_order(steps: Sequence["Step"], items: dict[str, Item]) -> list["Step"]:
    """The steps left to study (not done, not skipped) in the plan's order, except that a
    step in progress comes first as soon as its remaining prerequisites are placed."""
    left = [s for s in steps if s.status not in FINISHED]
    ids = {s.id for s in left}
    needs = {s.id: {d for d in items[s.id].deps if d in ids} for s in left}
    placed: set[str] = set()
    order: list[Step] = []
    while len(order) < len(left):
        ready = [s for s in left if s.id not in placed and needs[s.id] <= placed]
        # the plan's order puts prerequisites first, so something is always ready
        pick = next((s for s in ready if s.status is StepStatus.DOING), ready[0])
        order.append(pick)
        placed.add(pick.id)
    return order


def summary(steps: Sequence["Step"], ignored: Iterable[str] = ()) -> Progress:
    """Minutes and steps done, left and skipped."""
    done = [s for s in steps if s.status is StepStatus.DONE]
    skipped = [s for s in steps if s.status is StepStatus.SKIPPED]
    left = [s for s in steps if s.status not in FINISHED]
    return Progress(
        minutes_done=sum(s.minutes for s in done),
        minutes_left=sum(s.minutes for s in left),
        minutes_skipped=sum(s.minutes for s in skipped),
        steps_done=len(done),
        steps_left=len(left),
        steps_skipped=len(skipped),
        ignored=tuple(ignored),
    )
