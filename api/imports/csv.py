"""A graph as two CSV files, nodes and edges: ``read_csv(nodes, edges)``.

**Nodes** (one concept per row), with a header row. Columns, in any order:

- ``id``: the concept's id, lowercase words joined by hyphens (``kv-cache``);
- ``title``: its name. At least one of ``id`` and ``title`` is needed: a missing
  id is the title slugified (graph.suggest.slugify), made unique with ``-2``,
  ``-3``, ... in row order; a missing title is the id;
- ``summary`` (default: the title), ``category`` (one of graph/taxonomy.py's, by
  id or title: ``deep-learning`` or ``Deep Learning``; default DEFAULT_CATEGORY),
  ``level`` (beginner, intermediate or advanced; default DEFAULT_LEVEL),
  ``minutes`` (whole minutes of study; default DEFAULT_MINUTES) and ``url`` (a
  page to study it with, written as its one resource), all optional.

**Edges** (one prerequisite per row), with a header row ``source,target``:
*the target requires the source* (learn the source first). The same columns may
be called ``prerequisite,concept``. Each end is a node's id, or its title.

A cell left empty takes the default. An unknown column, a bad value, or an edge
end that names no node is an error naming the file, the line and the column,
with a did-you-mean. Cycles are written as given: ``syllabus check`` reports them.
"""

import csv
import re
from pathlib import Path

from api.imports import (
    DEFAULT_CATEGORY,
    DEFAULT_LEVEL,
    DEFAULT_MINUTES,
    Imported,
    Record,
    category_of,
    guessed_minutes,
    unique_id,
)
from graph.diagnostics import Diagnostic, Location, error
from graph.models import MAX_MINUTES
from graph.suggest import did_you_mean, slugify, suggest
from graph.taxonomy import CATEGORY_TITLES, SLUG_PATTERN, Level

NODE_COLUMNS = ("id", "title", "summary", "category", "level", "minutes", "url")
EDGE_COLUMNS = {"source": "source", "target": "target", "prerequisite": "source"}
EDGE_COLUMNS["concept"] = "target"
"""Each accepted edge column, by what it is: the source is required by the target."""


def read_csv(nodes: Path, edges: Path) -> Imported:
    """The graph in the nodes and edges CSV files, or the diagnostics saying why not."""
    imported = Imported(f"{nodes} and {edges}")
    problems = imported.diagnostics
    node_rows = _rows(nodes, problems)
    edge_rows = _rows(edges, problems)
    if node_rows is None or edge_rows is None:
        return imported
    concepts = _nodes(nodes, node_rows, problems)
    if imported.errors:
        return imported
    _edges(edges, edge_rows, concepts, problems)
    if imported.errors:
        return imported
    if not concepts:
        problems.append(
            error(
                Location(nodes), "no-concepts", "the nodes file has no rows", "add one per concept"
            )
        )
    imported.concepts = [{k: v for k, v in c.items() if v != []} for c in concepts.values()]
    imported.settings = {"demos": False}
    return imported


Rows = tuple[list[str], list[tuple[int, list[str]]]]


def _rows(path: Path, problems: list[Diagnostic]) -> Rows | None:
    """The header and the (line, cells) rows of a CSV file; blank rows skipped."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        problems.append(error(Location(path), "unreadable", f"cannot read it: {exc.strerror}"))
        return None
    except UnicodeDecodeError:
        problems.append(error(Location(path), "encoding", "not UTF-8 text", "save it as UTF-8"))
        return None
    reader = csv.reader(text.splitlines(keepends=True))
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        line = 1
        for cells in reader:
            if header is None:
                if any(c.strip() for c in cells):
                    header = [c.strip() for c in cells]
            elif any(c.strip() for c in cells):
                rows.append((line, [c.strip() for c in cells]))
            line = reader.line_num + 1
    except csv.Error as exc:
        problems.append(
            error(Location(path, reader.line_num), "csv-syntax", f"not valid CSV: {exc}")
        )
        return None
    if header is None:
        problems.append(
            error(Location(path, 1), "csv-header", "the file is empty: it needs a header row")
        )
        return None
    return header, rows


def _columns(
    path: Path, header: list[str], known: tuple[str, ...], problems: list[Diagnostic]
) -> dict[str, int]:
    """Each known column's index; an unknown, empty or repeated column is an error."""
    found: dict[str, int] = {}
    for index, name in enumerate(header, start=1):
        key = name.casefold()
        if key in known and key not in found:
            found[key] = index - 1
            continue
        if key in found:
            message, hint = f"column {index} repeats {name!r}", "keep one of them"
        elif not name:
            message, hint = f"column {index} has no name", f"name it one of {', '.join(known)}"
        else:
            message = f"column {index}: unknown column {name!r}"
            hint = did_you_mean(suggest(name, known)) or f"the columns are {', '.join(known)}"
        problems.append(error(Location(path, 1), "csv-column", message, hint))
    return found


def _cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return cells[index] if index is not None and index < len(cells) else ""


def _nodes(path: Path, table: Rows, problems: list[Diagnostic]) -> dict[str, Record]:
    """The concept records by id, in row order."""
    header, rows = table
    before = len(problems)
    columns = _columns(path, header, NODE_COLUMNS, problems)
    if "id" not in columns and "title" not in columns:
        problems.append(
            error(
                Location(path, 1),
                "csv-column",
                "the nodes file needs an id or a title column",
                f"the header names its columns: {', '.join(NODE_COLUMNS)}",
            )
        )
    if len(problems) > before:
        return {}
    given = {_cell(cells, columns, "id") for _, cells in rows}
    taken: set[str] = set(given)
    lines: dict[str, int] = {}
    concepts: dict[str, Record] = {}
    for line, cells in rows:
        where = Location(path, line)
        if len(cells) > len(header):
            problems.append(
                error(
                    where,
                    "csv-row",
                    f"the row has {len(cells)} cells but the header {len(header)} columns",
                    'quote a value that holds a comma: "Attention, in short"',
                )
            )
            continue
        node = _node(where, cells, columns, taken, problems)
        if node is None:
            continue
        if node["id"] in concepts:
            problems.append(
                error(
                    Location(path, line),
                    "duplicate-id",
                    f"column id: {node['id']!r} is already the node of line {lines[node['id']]}",
                    "ids are unique; rename one",
                )
            )
            continue
        concepts[node["id"]] = node
        lines[node["id"]] = line
    unstated = sum(1 for _, cells in rows if not _cell(cells, columns, "minutes"))
    problems += guessed_minutes(Location(path), unstated)
    return concepts


def _node(
    where: Location,
    cells: list[str],
    columns: dict[str, int],
    taken: set[str],
    problems: list[Diagnostic],
) -> Record | None:
    """The concept of one row, or None with an error for each bad cell."""
    before = len(problems)

    def bad(column: str, message: str, hint: str | None) -> None:
        problems.append(error(where, "csv-value", f"column {column}: {message}", hint))

    rid, title = _cell(cells, columns, "id"), _cell(cells, columns, "title")
    if rid and not re.fullmatch(SLUG_PATTERN, rid):
        slug = slugify(rid)
        bad(
            "id",
            f"{rid!r} is not a valid id; ids are lowercase words joined by hyphens",
            f"did you mean {slug!r}?" if slug else "for example: kv-cache",
        )
    elif not rid and not title:
        bad("id", "the row has neither an id nor a title", "give one of them")
    category = _cell(cells, columns, "category")
    found = category_of(category) if category else DEFAULT_CATEGORY
    if found is None:
        names = {str(c): str(c) for c in CATEGORY_TITLES}
        names |= {t: str(c) for c, t in CATEGORY_TITLES.items()}
        hint = did_you_mean(suggest(category, names))
        bad("category", f"unknown category {category!r}", hint or "see graph/taxonomy.py")
    level = (_cell(cells, columns, "level") or str(DEFAULT_LEVEL)).casefold()
    if level not in set(Level):
        hint = did_you_mean(suggest(level, [str(v) for v in Level]))
        bad("level", f"unknown level {level!r}", hint or "beginner, intermediate or advanced")
    minutes = _cell(cells, columns, "minutes") or str(DEFAULT_MINUTES)
    if not re.fullmatch(r"[0-9]+", minutes) or not 1 <= int(minutes) <= MAX_MINUTES:
        bad("minutes", f"{minutes!r} is not a whole number of minutes", f"1 to {MAX_MINUTES}")
    url = _cell(cells, columns, "url")
    if url and not re.fullmatch(r"https?://\S+", url):
        bad("url", f"{url!r} is not an http(s) address", "give the full address, https://...")
    if len(problems) > before or found is None:
        return None
    rid = rid or unique_id(slugify(title) or "concept", taken)
    record: Record = {"id": rid, "title": title or rid}
    record["summary"] = _cell(cells, columns, "summary") or record["title"]
    record.update(category=str(found), level=level, minutes=int(minutes))
    if url:
        resource = {"kind": "blog", "title": record["title"], "url": url}
        record["resources"] = [{**resource, "minutes": record["minutes"], "free": True}]
    record["requires"] = []
    return record


def _edges(
    path: Path,
    table: Rows,
    concepts: dict[str, Record],
    problems: list[Diagnostic],
) -> None:
    """Each edge as its target's requirement; an end that names no node is an error."""
    header, rows = table
    before = len(problems)
    columns = _columns(path, header, tuple(EDGE_COLUMNS), problems)
    ends = {EDGE_COLUMNS[name]: index for name, index in columns.items()}
    if len(columns) != len(ends):
        problems.append(
            error(
                Location(path, 1),
                "csv-column",
                "the edges file names the same end twice: source and prerequisite are one "
                "column, as are target and concept",
                "write source,target (or prerequisite,concept)",
            )
        )
    for end, spelling in (("source", "prerequisite"), ("target", "concept")):
        if end not in ends and len(problems) == before:
            problems.append(
                error(
                    Location(path, 1),
                    "csv-column",
                    f"the edges file has no {end} column (or {spelling})",
                    "the header is source,target: the target requires the source",
                )
            )
    if len(problems) > before:
        return
    names = _names(concepts)
    for line, cells in rows:
        where = Location(path, line)
        found = []
        for end in ("source", "target"):
            value = cells[ends[end]] if ends[end] < len(cells) else ""
            node = names.get(value) or names.get(slugify(value)) if value else None
            if node is None:
                column = header[ends[end]]
                what = f"{value!r} is no node of the nodes file" if value else "it is empty"
                hint = did_you_mean(suggest(value, names)) if value else "name a node's id"
                problems.append(error(where, "unknown-id", f"column {column}: {what}", hint))
            found.append(node)
        source, target = found
        if source is None or target is None:
            continue
        if source == target:
            problems.append(
                error(where, "csv-edge", f"{source!r} requires itself", "remove this row")
            )
            continue
        requires = concepts[target]["requires"]
        if source not in requires:
            requires.append(source)


def _names(concepts: dict[str, Record]) -> dict[str, str]:
    """Each id, and each slugified title, mapped to its node (ids win)."""
    names = {rid: rid for rid in concepts}
    for rid, record in concepts.items():
        names.setdefault(slugify(record["title"]), rid)
    return names
