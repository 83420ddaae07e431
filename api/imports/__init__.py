"""Bring your own graph: read a graph in a standard form and write our YAML for it.

One module per format, each a pure function from the input files to an ``Imported``
(the records, ready to write, and every diagnostic):

- ``api.imports.case``: a 1EdTech CASE 1.1 CFPackage (JSON), such as
  ``syllabus export case --graph`` writes.
- ``api.imports.csv``: a nodes CSV and an edges CSV.

``write_graph`` writes an ``Imported`` into a data directory (concepts.yaml,
papers.yaml when there are papers, graph.yaml) that ``syllabus check --data DIR``
loads. ``syllabus import`` (api/cli.py) is the command line over both.

What neither format says is filled with the defaults below, the same for every
format; ``syllabus check`` then holds the result to the same rules as a graph
written by hand.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graph.diagnostics import Diagnostic, Findings, Location, Severity
from graph.loader import CONCEPTS_FILE, PAPERS_FILE, PATHS_FILE
from graph.settings import SETTINGS_FILE
from graph.suggest import slugify
from graph.taxonomy import (
    CATEGORY_TITLES,
    Category,
    Level,
    Phase,
    Priority,
    ReadingAdvice,
)

DEFAULT_CATEGORY = Category.FOUNDATIONS
"""A concept's category when the input names none (or none of ours)."""
DEFAULT_LEVEL = Level.INTERMEDIATE
"""A concept's level when the input gives none of beginner, intermediate, advanced."""
DEFAULT_MINUTES = 30
"""A concept's study time when the input gives none: neither CASE nor a bare CSV has one."""

DEFAULT_PAPER: dict[str, Any] = {
    "venue": "not stated",
    "priority": str(Priority.OPTIONAL),
    "phase": str(Phase.LATER),
    "depth": str(ReadingAdvice.SELECTIVE),
}
"""A paper's fields that CASE does not carry (its reading minutes: DEFAULT_READING)."""
DEFAULT_READING = {"close": 180, "selective": 90, "skim": 30}

Record = dict[str, Any]


@dataclass
class Imported(Findings):
    """What an import read: records ready for the YAML files, and every diagnostic.

    ``concepts`` and ``papers`` are records as concepts.yaml and papers.yaml spell
    them; ``settings`` is graph.yaml's. Errors mean the input could not be read as
    a graph and nothing should be written; warnings say what was left out or made up.
    """

    source: str
    concepts: list[Record] = field(default_factory=list)
    papers: list[Record] = field(default_factory=list)
    settings: Record = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def warning(location: Location, code: str, message: str, hint: str | None = None) -> Diagnostic:
    """A warning-severity diagnostic: the import goes on without what it names."""
    return Diagnostic(Severity.WARNING, code, location, message, hint)


def guessed_minutes(location: Location, count: int) -> list[Diagnostic]:
    """One warning for the ``count`` concepts given DEFAULT_MINUTES: a plan's minutes are
    meant to be the minutes of the material it assigns, and these are a placeholder."""
    if not count:
        return []
    return [
        warning(
            location,
            "guessed-minutes",
            f"{count} concept{'s' if count != 1 else ''} state no study time; each was given "
            f"{DEFAULT_MINUTES} minutes, a placeholder rather than the time of any material, "
            "and plans over this graph count that placeholder",
            "give each concept the resources it assigns with their measured minutes, and "
            "its minutes their total (README: Editing the YAML)",
        )
    ]


def category_of(name: str) -> Category | None:
    """Our category that ``name`` is: its slug ('deep-learning') or its title
    ('Deep Learning', 'Architectures & Scaling'), ignoring case and punctuation."""
    slug = slugify(name)
    for category, title in CATEGORY_TITLES.items():
        if slug in (str(category), slugify(title)):
            return category
    return None


def unique_id(wanted: str, taken: set[str]) -> str:
    """``wanted``, or the first of ``wanted-2``, ``wanted-3``, ... not in ``taken``; taken then."""
    chosen, n = wanted, 1
    while chosen in taken:
        n += 1
        chosen = f"{wanted}-{n}"
    taken.add(chosen)
    return chosen


GRAPH_FILES = (CONCEPTS_FILE, PAPERS_FILE, PATHS_FILE, SETTINGS_FILE)


class OutputExists(Exception):
    """The output directory already holds graph files and --force was not given."""

    def __init__(self, files: list[Path]) -> None:
        super().__init__(", ".join(map(str, files)))
        self.files = files


def write_graph(imported: Imported, out: Path, force: bool = False) -> list[Path]:
    """Write ``imported`` into ``out`` (created if missing); the files written.

    Refuses (OutputExists) when ``out`` already holds any of the graph's files,
    unless ``force``: then the files this import writes are replaced, and a
    papers.yaml or paths.yaml it does not write is left as it is (and reported).
    """
    existing = [out / name for name in GRAPH_FILES if (out / name).exists()]
    if existing and not force:
        raise OutputExists(existing)
    out.mkdir(parents=True, exist_ok=True)
    header = f"# Written by `syllabus import` from {imported.source}.\n"
    files = {CONCEPTS_FILE: imported.concepts, SETTINGS_FILE: imported.settings}
    if imported.papers:
        files[PAPERS_FILE] = imported.papers
    written = []
    for name, data in files.items():
        path = out / name
        path.write_text(header + dump_yaml(data), encoding="utf-8")
        written.append(path)
    return written


def left_over(out: Path, written: list[Path]) -> list[Path]:
    """Graph files in ``out`` that an import did not write (kept by --force)."""
    return [out / n for n in GRAPH_FILES if (out / n).exists() and out / n not in written]


def dump_yaml(data: object) -> str:
    """Block-style YAML that keeps the records' key order and their Unicode."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text: str = yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100)
    return text
