"""The plan as a checklist: each step's questions, its demo and reading items; Markdown."""

from collections.abc import Container
from typing import TYPE_CHECKING

from graph import KnowledgeGraph
from graph.taxonomy import ReadingDepth
from planner.durations import format_minutes

if TYPE_CHECKING:  # plan.py imports this module
    from planner.plan import Plan

_READ = {
    ReadingDepth.CLOSE: "closely",
    ReadingDepth.SELECTIVE: "selectively",
    ReadingDepth.SKIM: "as a skim",
}


def step_checklist(
    graph: KnowledgeGraph, node: str, depth: ReadingDepth | None, steps: Container[str]
) -> tuple[str, ...]:
    """What to tick off for one step.

    A concept: its "Can you ...?" questions, then running its demo (or doing its
    activity). A paper: reading it at its depth with its advice, then the
    questions of the concepts it teaches that are not ``steps`` of their own,
    since the plan studies them through it.
    """
    if node in graph.concepts:
        concept = graph.concepts[node]
        items = list(concept.checklist)
        if concept.demo:
            items.append(f"Run the {concept.demo} demo and see its claims pass")
        if concept.activity:
            items.append(f"Do the activity: {concept.activity}")
        return tuple(items)
    paper = graph.papers[node]
    assert depth is not None, "a paper step always has a depth"
    items = [f"Read {paper.title} ({paper.authors}, {paper.year}) {_READ[depth]}: {paper.advice}"]
    for concept in paper.teaches:
        if concept not in steps:
            items.extend(graph.concepts[concept].checklist)
    return tuple(dict.fromkeys(items))


def checklist_markdown(plan: "Plan") -> str:
    """The plan's checklist in Markdown: a heading per step, a ``- [ ]`` line per item."""
    lines = [f"# Study plan: {plan.preset or ', '.join(plan.goals)}", ""]
    lines.append(
        f"{len(plan.steps)} steps, {format_minutes(plan.minutes)} on the {plan.track} track"
        + ("" if plan.fits else f" (the full path needs {format_minutes(plan.full_minutes)})")
    )
    for step in plan.steps:
        depth = f", {step.depth}" if step.depth else ""
        lines += ["", f"## {step.number}. {step.title} ({format_minutes(step.minutes)}{depth})", ""]
        if len(step.why) > 1:
            lines += [f"Why: {' -> '.join(step.why)}", ""]
        lines += [f"- [ ] {item}" for item in step.checklist]
    if plan.dropped:
        lines += ["", "## Left out to fit the budget", ""]
        lines += [f"- {d.title} ({format_minutes(d.minutes)}): {d.reason}" for d in plan.dropped]
    return "\n".join(lines) + "\n"
