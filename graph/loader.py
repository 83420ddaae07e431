"""Load the knowledge graph from a data directory, validating everything first.

A data directory holds ``concepts.yaml`` (required), ``papers.yaml``,
``paths.yaml`` and ``graph.yaml`` (its settings; all three optional), so that a
platform can bring its own graph.
The default is the repository root, or ``$SYLLABUS_DATA`` when set.

    graph = load_graph()            # raises GraphError listing every problem
    result = check(Path("data"))    # never raises for bad data
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from graph import cache
from graph.demos import available_demos, demo_problems
from graph.diagnostics import (
    Diagnostic,
    Findings,
    GraphError,
    Location,
    Severity,
    error,
    sort_key,
)
from graph.facts import fact_problems
from graph.knowledge import KnowledgeGraph
from graph.models import ConceptRecord, PaperRecord, PathRecord
from graph.records import Entry, validate_records
from graph.settings import SETTINGS_FILE, read_settings
from graph.source import parse_file
from graph.validate import CONCEPT, PAPER, PATH, check_graph

REPO_ROOT = Path(__file__).resolve().parent.parent
CONCEPTS_FILE, PAPERS_FILE, PATHS_FILE = "concepts.yaml", "papers.yaml", "paths.yaml"

_FILES: dict[str, tuple[str, type[BaseModel]]] = {
    CONCEPTS_FILE: (CONCEPT, ConceptRecord),
    PAPERS_FILE: (PAPER, PaperRecord),
    PATHS_FILE: (PATH, PathRecord),
}


@dataclass(frozen=True)
class LoadResult(Findings):
    """What a check found: the graph when there are no errors, and every diagnostic."""

    data_dir: Path
    graph: KnowledgeGraph | None
    diagnostics: list[Diagnostic]
    from_cache: bool = False


def resolve_data_dir(data_dir: str | Path | None = None) -> Path:
    """The directory to load: the argument, else ``$SYLLABUS_DATA``, else the repository."""
    if data_dir is not None:
        return Path(data_dir)
    configured = os.environ.get("SYLLABUS_DATA")
    return Path(configured) if configured else REPO_ROOT


def load_graph(
    data_dir: str | Path | None = None, *, cache_dir: Path | None = None
) -> KnowledgeGraph:
    """Load and validate the graph; raise GraphError (with every problem) if it has errors."""
    result = check(data_dir, cache_dir=cache_dir)
    if result.graph is None:
        raise GraphError(result.diagnostics)
    return result.graph


def check(data_dir: str | Path | None = None, *, cache_dir: Path | None = None) -> LoadResult:
    """Load and validate the graph, collecting every error and warning.

    With a ``cache_dir``, a graph already built from the same bytes is read
    back from there, and a newly built valid graph is stored there.
    """
    directory = resolve_data_dir(data_dir)
    files, problems = _read_files(directory)
    if problems:
        return LoadResult(directory, None, problems)
    content_hash = _content_hash(files)
    demos = available_demos(directory)
    # The demos present are part of what was checked, so they are part of the key.
    listing = "\0".join(sorted(demos)) if demos is not None else "\0no demos"
    key = cache.cache_key(content_hash + hashlib.sha256(listing.encode()).hexdigest(), directory)
    if cache_dir is not None:
        cached = cache.read(cache_dir, key)
        if cached is not None:
            return LoadResult(directory, cached, list(cached.warnings), from_cache=True)
    with cache.paused_gc():
        graph, diagnostics = _build(directory, files, content_hash, demos)
    if graph is not None and cache_dir is not None:
        cache.write(cache_dir, key, graph)
    return LoadResult(directory, graph, diagnostics)


def _read_files(directory: Path) -> tuple[dict[str, bytes], list[Diagnostic]]:
    if not directory.is_dir():
        return {}, [
            error(
                Location(directory),
                "no-data",
                f"data directory {directory} does not exist",
                "pass --data DIR, or set SYLLABUS_DATA, to a directory holding concepts.yaml",
            )
        ]
    files: dict[str, bytes] = {}
    problems = []
    for name in [*_FILES, SETTINGS_FILE]:
        path = directory / name
        if not path.exists() and name != CONCEPTS_FILE:
            continue
        try:
            files[name] = path.read_bytes()
        except FileNotFoundError:
            problems.append(
                error(
                    Location(path),
                    "no-data",
                    f"{directory} has no {CONCEPTS_FILE}",
                    "every data directory needs concepts.yaml; papers.yaml and paths.yaml "
                    "are optional",
                )
            )
        except OSError as exc:
            problems.append(
                error(Location(path), "unreadable", f"cannot read {name}: {exc.strerror}", None)
            )
    return files, problems


def _content_hash(files: dict[str, bytes]) -> str:
    """sha256 over the data files' names and bytes: the graph's content identity."""
    digest = hashlib.sha256()
    for name, raw in files.items():
        digest.update(f"{name}\0{len(raw)}\0".encode())
        digest.update(raw)
    return digest.hexdigest()


def _build(
    directory: Path, files: dict[str, bytes], content_hash: str, demos: frozenset[str] | None
) -> tuple[KnowledgeGraph | None, list[Diagnostic]]:
    entries: dict[str, list[Entry]] = {CONCEPT: [], PAPER: [], PATH: []}
    invalid: set[str] = set()
    complete = True
    settings, problems = read_settings(directory / SETTINGS_FILE, files.get(SETTINGS_FILE))
    for name, raw in files.items():
        if name not in _FILES:
            continue
        what, model = _FILES[name]
        source, parse_problems = parse_file(directory / name, raw, what)
        problems += parse_problems
        if source is None:
            complete = False
            continue
        if what == CONCEPT and not source.records:
            problems.append(
                error(
                    source.location(),
                    "empty",
                    f"{name} has no concepts",
                    "add at least one record: '- id: ...'",
                )
            )
        valid, record_problems = validate_records(source, model, what)
        entries[what] = valid
        problems += record_problems
        invalid |= _ids_of_invalid(source.records, valid)
    parts = check_graph(
        entries[CONCEPT], entries[PAPER], entries[PATH], references=complete, unusable=invalid
    )
    has_demos = settings.demos if settings.demos is not None else demos is not None
    problems += demo_problems(entries[CONCEPT], demos, expected=has_demos)
    problems += fact_problems(entries[CONCEPT], entries[PAPER])
    problems = sorted(problems + parts.diagnostics, key=sort_key)
    if any(p.severity is Severity.ERROR for p in problems):
        return None, problems
    graph = KnowledgeGraph(
        data_dir=directory,
        content_hash=content_hash,
        concepts=parts.concepts,
        papers=parts.papers,
        paths=parts.paths,
        digraph=parts.digraph,
        names=parts.names,
        warnings=tuple(problems),
        settings=settings,
    )
    return graph, problems


def _ids_of_invalid(raw_records: list[object], valid: list[Entry]) -> set[str]:
    """Ids of records that failed validation: references to them are not also errors."""
    good = {e.index for e in valid}
    return {
        record["id"]
        for index, record in enumerate(raw_records)
        if index not in good and isinstance(record, dict) and isinstance(record.get("id"), str)
    }
