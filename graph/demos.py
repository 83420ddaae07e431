"""Does each concept's demo exist? Its module is demos/<demo id>.py beside the data files.

Only file names are read, never the demos themselves: the graph stays free of torch.
"""

from pathlib import Path

from graph.diagnostics import Diagnostic, error
from graph.records import Entry
from graph.suggest import close_matches, did_you_mean


def available_demos(directory: Path) -> frozenset[str] | None:
    """Demo ids found in ``directory``/demos, or None when the data has no demos folder."""
    folder = directory / "demos"
    if not folder.is_dir():
        return None  # a data set kept apart from the demos: nothing to check against
    return frozenset(p.stem.replace("_", "-") for p in folder.glob("*.py"))


def demo_problems(concepts: list[Entry], available: frozenset[str] | None) -> list[Diagnostic]:
    """An error for each concept whose demo module does not exist."""
    if available is None:
        return []
    problems = []
    for entry in concepts:
        demo = entry.record.demo
        if demo is None or demo in available:
            continue
        module = demo.replace("-", "_")
        hint = did_you_mean(close_matches(demo, available))
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
