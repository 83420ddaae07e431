"""The plan as a Markdown checklist: per step, what it assigns and the questions to answer.

Every piece of text from the data is escaped for CommonMark (``markdown_text``): markup
characters are backslash-escaped, ``<``, ``>`` and ``&`` written as character references, so
no title reaches a renderer as markup or raw HTML, and line breaks fold into spaces, so a
heading stays one line. Each resource a step assigns links to its address, each paper to
its page (``markdown_link``: http(s) addresses only, written so that no character of them
ends the link early).
"""

import re
from typing import TYPE_CHECKING

from graph.material import Material
from graph.models import CONTROL_CHARACTERS
from planner.durations import format_minutes
from planner.material import action, demo_guide, describe, reading_guide

if TYPE_CHECKING:  # plan.py imports the modules this one does
    from planner.plan import Plan, Step
    from planner.preset import Section
    from planner.progress import Progress


STATUS_WORDS = {"done": " (done)", "doing": " (in progress)", "skipped": " (skipped)"}
"""How a step's heading says the learner's progress on it; a step not started says nothing."""


def checklist_markdown(plan: "Plan") -> str:
    """A heading per step; a ``- [ ]`` line for each thing it assigns and each question."""
    md = markdown_text
    lines = [f"# Study plan: {md(plan.preset or ', '.join(plan.goals))}", ""]
    lines.append(
        f"{len(plan.steps)} steps, {format_minutes(plan.minutes)} on the {plan.track} track"
        + ("" if plan.fits else f" (the full path needs {format_minutes(plan.full_minutes)})")
    )
    if plan.progress is not None:
        lines += ["", progress_words(plan.progress)]
    lines += [line for note in plan_notes(plan) for line in ("", md(note))]
    heads = {sec.steps[0]: sec for sec in plan.sections if sec.steps}
    for step in plan.steps:
        if step.number in heads:
            lines += ["", f"## {md(section_title(heads[step.number]))}"]
        added = " (added: the source skips it)" if step.added else ""
        added += STATUS_WORDS.get(step.status, "")
        title = markdown_link(step.title, step.link)
        lines += ["", f"### {step.number}. {title}{added} ({step_summary(step)})", ""]
        if len(step.why) > 1:
            lines += [f"Why: {' -> '.join(md(node) for node in step.why)}", ""]
        guide = reading_guide(step.kind, step.depth)
        if guide:
            lines += [md(guide), ""]
        if step.advice:
            lines += [f"Focus: {md(step.advice)}", ""]
        demo = demo_guide(step)
        if demo:
            lines += [md(demo), ""]
        tick = "- [x]" if step.status == "done" else "- [ ]"
        lines += [f"{tick} {material_markdown(m)}" for m in step.material]
        lines += [f"{tick} {md(item)}" for item in step.checklist]
    for sec in plan.sections:
        if sec.path is not None:
            lines += [
                "",
                f"## {md(section_title(sec))}",
                "",
                f"Continue with the {md(sec.path)} preset.",
            ]
    if plan.dropped:
        lines += ["", "## Left out to fit the budget", ""]
        lines += [
            f"- {md(d.title)} ({format_minutes(d.minutes)}): {md(d.reason)}" for d in plan.dropped
        ]
    return "\n".join(lines) + "\n"


def material_markdown(material: Material) -> str:
    """A piece of material as a checklist line says it: a resource or a paper as a link to
    its address, with its kind and minutes ('Watch [Essence of calculus](<https://...>)
    (video, 38 min)'); anything without an address as every face words it (``describe``)."""
    if material.url is None or not SAFE_URL.match(material.url):
        return markdown_text(describe(material))
    link = markdown_link(material.title, material.url)
    if material.seen_in is not None:
        seen = f"already assigned in step {material.seen_in}"
        return f"{action(material)} {link} ({material.kind}): {seen}"
    minutes = f", {format_minutes(material.minutes)}" if material.minutes is not None else ""
    return f"{action(material)} {link} ({material.kind}{minutes})"


LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
"""Every line break Python knows (str.splitlines'), CRLF as one."""
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
_INLINE = re.compile(r"[\\`*_\[\]#|~$<>&]")
_REFERENCE = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_BLOCK_START = re.compile(r"[ \t]+|[-+=>]|\d+(?=[.)])")
"""What could open a block at the start of a line: indentation (a code block), a list,
heading-underline or quote marker, a number before a dot or parenthesis (an ordered list)."""


def fold_lines(text: str) -> str:
    """``text`` on one line: each line break (CRLF, LF, CR, NEL, U+2028...) becomes a space."""
    return LINE_BREAK.sub(" ", text)


def markdown_text(text: str) -> str:
    """``text`` as CommonMark that renders as exactly that text, on one line.

    Line breaks fold into spaces and other control characters but TAB are dropped; then
    every character that could start inline markup (emphasis, code, links, tables, math,
    a heading's closing #) is backslash-escaped and ``<``, ``>``, ``&`` become character
    references, so no raw HTML, tag or entity survives. Whatever could open a block at the
    start of a line (indentation, '- ', '1. ', '> ') is escaped too, so the text can start
    a line (a list item) as safely as it can end a heading.
    """
    text = _CONTROL.sub("", fold_lines(text))
    start = _BLOCK_START.match(text)
    lead = ""
    if start is not None:  # spaces as references, a marker backslashed, digits then a \.
        found = start.group()
        if found[0] in " \t":
            lead = "".join(f"&#{ord(c)};" for c in found)
        elif found.isdigit():
            lead = found + "\\"
        else:
            lead = "\\" + found
        text = text[start.end() :]
    return lead + _INLINE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _REFERENCE.get(char) or "\\" + char


SAFE_URL = re.compile(r"https?://", re.IGNORECASE)
_IN_DESTINATION = re.compile(r"[<>\s\x00-\x1f\x7f-\x9f]")


def markdown_link(text: str, url: str | None) -> str:
    """``[text](<url>)`` with the text escaped (``markdown_text``), when ``url`` is an http(s)
    address; the escaped text alone otherwise.

    The address goes in the pointy-bracket form, where parentheses and spaces are plain;
    what would still end or break it (``<``, ``>``, whitespace and controls) is
    percent-encoded, a backslash is escaped, and an ``&`` that would read as a character
    reference (``&amp;``) is written as one, so the link leads exactly where ``url`` says.
    """
    label = markdown_text(text)
    if url is None or not SAFE_URL.match(url):
        return label
    encoded = _IN_DESTINATION.sub(_percent, url).replace("\\", "\\\\")
    encoded = re.sub(r"&(?=#?[0-9A-Za-z]+;)", "&amp;", encoded)
    return f"[{label}](<{encoded}>)"


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode())


def progress_words(progress: "Progress") -> str:
    """'Done: 3 steps, 36 min; left: 26 steps, 8 h 51 min; skipped: 1 step, 43 min.'"""

    def count(steps: int, minutes: int) -> str:
        return f"{steps} step{'' if steps == 1 else 's'}, {format_minutes(minutes)}"

    words = (
        f"Done: {count(progress.steps_done, progress.minutes_done)}; "
        f"left: {count(progress.steps_left, progress.minutes_left)}"
    )
    if progress.steps_skipped:
        words += f"; skipped: {count(progress.steps_skipped, progress.minutes_skipped)}"
    return words + "."


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
