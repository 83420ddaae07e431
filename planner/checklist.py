"""The plan as a Markdown checklist: per step, what it assigns and the questions to answer."""

from typing import TYPE_CHECKING

from planner.durations import format_minutes
from planner.material import describe

if TYPE_CHECKING:  # plan.py imports the modules this one does
    from planner.plan import Plan, Step
    from planner.preset import Section


def checklist_markdown(plan: "Plan") -> str:
    """A heading per step; a ``- [ ]`` line for each thing it assigns and each question."""
    lines = [f"# Study plan: {plan.preset or ', '.join(plan.goals)}", ""]
    lines.append(
        f"{len(plan.steps)} steps, {format_minutes(plan.minutes)} on the {plan.track} track"
        + ("" if plan.fits else f" (the full path needs {format_minutes(plan.full_minutes)})")
    )
    lines += [line for note in plan_notes(plan) for line in ("", note)]
    heads = {sec.steps[0]: sec for sec in plan.sections if sec.steps}
    for step in plan.steps:
        if step.number in heads:
            lines += ["", f"## {section_title(heads[step.number])}"]
        added = " (added: the source skips it)" if step.added else ""
        lines += ["", f"### {step.number}. {step.title}{added} ({step_summary(step)})", ""]
        if len(step.why) > 1:
            lines += [f"Why: {' -> '.join(step.why)}", ""]
        if step.advice:
            lines += [f"Focus: {step.advice}", ""]
        lines += [f"- [ ] {describe(m)}" for m in step.material]
        lines += [f"- [ ] {item}" for item in step.checklist]
    for sec in plan.sections:
        if sec.path is not None:
            lines += ["", f"## {section_title(sec)}", "", f"Continue with the {sec.path} preset."]
    if plan.dropped:
        lines += ["", "## Left out to fit the budget", ""]
        lines += [f"- {d.title} ({format_minutes(d.minutes)}): {d.reason}" for d in plan.dropped]
    return "\n".join(lines) + "\n"


def step_summary(step: "Step") -> str:
    """'38 min, study depth' or '2 h 30 min, read selectively (calls for close)'."""
    shown = f"{format_minutes(step.minutes)}, {depth_words(step.kind, step.depth)}"
    if step.depth != step.called_for:
        shown += f" (asked: {step.called_for})"
    return shown


def depth_words(kind: str, depth: str) -> str:
    """How a depth reads: 'study depth', 'read closely'."""
    if kind == "paper":
        return {"close": "read closely", "selective": "read selectively", "skim": "skim"}[depth]
    return f"{depth} depth"


def plan_notes(plan: "Plan") -> list[str]:
    """Sentences about the plan as a whole that every face shows: what it assumes, the
    source's times beside the material's, what a preset skips, steps that are not papers."""
    notes = []
    if plan.known:
        notes.append(f"Assumes you know: {', '.join(plan.known)}.")
    if plan.preset is not None:
        source = []
        if plan.source_minutes is not None:
            source.append(f"{format_minutes(plan.source_minutes)} for its steps")
        if plan.stated_minutes is not None:
            low, high = plan.stated_minutes
            source.append(f"{format_minutes(low)} to {format_minutes(high)} in all")
        said = f"The source gives {' and '.join(source)}; t" if source else "T"
        notes.append(
            f"{said}he material this plan assigns at {plan.depth} depth takes "
            f"{format_minutes(plan.minutes)}."
        )
        added = [s.id for s in plan.steps if s.added]
        if added:
            notes.append(f"Added prerequisites the source skips: {', '.join(added)}.")
        if plan.moved:
            notes.append(
                f"Brought before their source step, since an earlier step needs them: "
                f"{', '.join(plan.moved)}."
            )
        for step, needed in plan.against_graph:
            notes.append(
                f"The source studies {step} before {needed}, which it needs, in a later "
                "step; plan it complete to study prerequisites first."
            )
        if plan.skipped and not added:
            notes.append(
                f"The source skips {len(plan.skipped)} prerequisites: "
                f"{', '.join(plan.skipped)}; plan it complete to study them too."
            )
    if plan.track == "paper":
        concepts = [s.id for s in plan.steps if s.kind != "paper"]
        if concepts:
            notes.append(
                f"Not papers: {len(concepts)} steps study concepts that no paper of this plan "
                f"teaches, through their material: {', '.join(concepts)}."
            )
    return notes


def section_title(section: "Section") -> str:
    """'Step 1 of the source: Visual intuition (source: 2 h; material: 3 h 10 min)'."""
    times = [f"material: {format_minutes(section.minutes)}"] if section.steps else []
    if section.source_minutes is not None:
        times.insert(0, f"source: {format_minutes(section.source_minutes)}")
    optional = ", optional" if section.optional else ""
    title = section.title or "Untitled"
    timing = f" ({'; '.join(times)}{optional})" if times or optional else ""
    return f"Source step {section.number}: {title}{timing}"
