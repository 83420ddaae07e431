"""Does each concept's demo exist? Its module is demos/<demo id>.py beside the data files.

Only file names are read, never the demos themselves: the graph stays free of torch.
"""

from pathlib import Path

from graph.diagnostics import Diagnostic, Severity, error
from graph.records import Entry
from graph.suggest import did_you_mean, suggest
from graph.taxonomy import ConceptKind


def available_demos(directory: Path) -> frozenset[str] | None:
    """Demo ids found in ``directory``/demos, or None when the data has no demos folder."""
    folder = directory / "demos"
    if not folder.is_dir():
        return None  # a data set kept apart from the demos: nothing to check against
    return frozenset(p.stem.replace("_", "-") for p in folder.glob("*.py"))


def demo_problems(
    concepts: list[Entry], available: frozenset[str] | None, *, expected: bool = True
) -> list[Diagnostic]:
    """A warning for each concept without a demo (when the graph ``expected`` demos, see
    graph.settings); an error for each whose module is missing."""
    problems = [
        Diagnostic(
            Severity.WARNING,
            "no-demo",
            entry.source.location(entry.index),
            f"concept {entry.record.id!r} has no demo yet",
            f"write demos/{entry.record.id.replace('-', '_')}.py and add 'demo: "
            f"{entry.record.id}'; a subject that is a practice says kind: practice and gives "
            "an activity",
        )
        for entry in concepts
        if expected and entry.record.demo is None and entry.record.kind is not ConceptKind.PRACTICE
    ]
    if available is None:
        return problems
    for entry in concepts:
        demo = entry.record.demo
        if demo is None or demo in available:
            continue
        module = demo.replace("-", "_")
        hint = did_you_mean(suggest(demo, available))
        problems.append(
            error(
                entry.source.location(entry.index, ("demo",)),
                "missing-demo",
                f"concept {entry.record.id!r} names demo {demo!r}, "
                f"but demos/{module}.py does not exist",
                hint or f"write demos/{module}.py, or name a demo that exists",
            )
        )
    return problems
