"""Warnings for material the check cannot hold to a fact: records that load, but should not ship.

A resource without a ``length`` has minutes nobody can check; a paper without
reading questions leaves its plan steps with only the questions of the concepts
it teaches. Neither stops a graph a platform brings from loading; ``--strict``
fails on both, and the repository's own graph has neither.
"""

from graph.diagnostics import Diagnostic, Severity
from graph.records import Entry


def fact_problems(concepts: list[Entry], papers: list[Entry]) -> list[Diagnostic]:
    """A warning per resource without a length, and per paper without reading questions."""
    problems = [
        Diagnostic(
            Severity.WARNING,
            "unmeasured",
            entry.source.location(entry.index, ("resources", k)),
            f"concept {entry.record.id!r}: resource {resource.title!r} gives minutes but no "
            "length to check them against",
            'add length: {duration: "M:SS"} for a video, {words: N} for an article, '
            "{pages: N} for a book chapter or {stated: M} for a course that states its time",
        )
        for entry in concepts
        for k, resource in enumerate(entry.record.resources)
        if resource.length is None
    ]
    problems += [
        Diagnostic(
            Severity.WARNING,
            "no-questions",
            entry.source.location(entry.index),
            f"paper {entry.record.id!r} has no reading questions of its own",
            "add questions: two to four 'Can you ...?' questions on what to take from it",
        )
        for entry in papers
        if not entry.record.questions
    ]
    return problems
