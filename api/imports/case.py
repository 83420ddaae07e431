"""A 1EdTech CASE 1.1 CFPackage (JSON) as our graph: the inverse of api/exports/case.py.

``read_case(path)`` reads the package; ``from_package(data, path)`` does the work on
the parsed JSON. Neither raises on bad input: every problem is a diagnostic naming
the file and the place in it (``CFItems[3]``), and what to do about it.

How the package becomes a graph:

- **Groupings.** An item of CFItemType ``Category``, or one that other items are
  ``isChildOf``, is a grouping, not a node. A concept's category is the nearest
  grouping above it (following ``isChildOf``) whose title or code is one of our
  categories (graph/taxonomy.py: 'Deep Learning' or 'deep-learning'); a concept
  with none gets DEFAULT_CATEGORY (api/imports), and a warning names the grouping.
- **Papers.** An item of CFItemType ``Paper`` is a paper when its
  abbreviatedStatement reads ``First Author [et al.] (YEAR)`` and its notes end
  ``Read it at LINK`` (as the exporter writes them): the notes before that are the
  advice, an arxiv.org/abs link is its arXiv id, another link its url (else the
  item's uri). A paper item without a year is imported as a concept, with a warning.
  What CASE does not carry takes DEFAULT_PAPER and DEFAULT_READING.
- **Concepts.** Every other item. title = fullStatement; summary = notes (else
  abbreviatedStatement, else fullStatement); aliases = conceptKeywords; level = the
  first educationLevel that is one of ours, else DEFAULT_LEVEL; minutes =
  DEFAULT_MINUTES. CFItemType ``Practice`` makes a practice, its activity the summary.
- **Ids.** An item's humanCodingScheme when it is a valid id (lowercase words
  joined by hyphens, graph/taxonomy.py SLUG_PATTERN), else its title slugified
  (graph.suggest.slugify). Coded items claim their ids first, in document order;
  an id already taken gets ``-2``, ``-3``, ... in document order.
- **Names.** A title that reads like another node's id, title or alias (of the
  same kind) becomes ``Title (id)``; such an alias is dropped. Each is a warning.
- **Edges.** ``A precedes B``: B requires A (a concept or a paper). ``isRelatedTo``
  with notes ``teaches`` (paper -> concept): the paper teaches the concept; with
  notes ``recommended before`` (concept -> concept): B recommends A. Other
  associations, and ends that are not concepts or papers of the package, are left
  out with one warning per kind. Cycles are written as given; the check reports them.
- **graph.yaml.** ``title``: the CFDocument's title; ``namespace``:
  ``urn:uuid:`` + the CFDocument's identifier (so the graph keeps its identity);
  ``demos: false``.
"""

import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from api.imports import (
    DEFAULT_CATEGORY,
    DEFAULT_LEVEL,
    DEFAULT_MINUTES,
    DEFAULT_PAPER,
    DEFAULT_READING,
    Imported,
    Record,
    category_of,
    guessed_minutes,
    unique_id,
    warning,
)
from graph.diagnostics import Diagnostic, Location, error
from graph.models import ConceptRecord, PaperRecord
from graph.suggest import slugify
from graph.taxonomy import SLUG_PATTERN, ConceptKind, Level

PACKAGE_SHAPE = (
    'a CASE 1.1 CFPackage is one JSON object: {"CFDocument": {...}, "CFItems": [...], '
    '"CFAssociations": [...]}'
)
TEACHES, RECOMMENDED = "teaches", "recommended before"
"""The notes the exporter gives an isRelatedTo that is one of our edges."""

_AUTHORS = re.compile(r"^(?P<author>.+?)(?P<et_al> et al\.)? \((?P<year>\d{4})\)$")
_READ_AT = "Read it at "
_ARXIV_LINK = re.compile(r"^https?://arxiv\.org/abs/(?P<id>\S+)$")


def read_case(path: Path) -> Imported:
    """The graph in the CASE package at ``path``, or the diagnostics saying why not."""
    imported = Imported(str(path))
    where = Location(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        problem = error(where, "unreadable", f"cannot read it: {exc.strerror or exc}", None)
        imported.diagnostics.append(problem)
        return imported
    except UnicodeDecodeError:
        imported.diagnostics.append(error(where, "encoding", "not UTF-8 text", "save as UTF-8"))
        return imported
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        imported.diagnostics.append(
            error(
                Location(path, exc.lineno),
                "json-syntax",
                f"not valid JSON: {exc.msg} (column {exc.colno})",
                PACKAGE_SHAPE,
            )
        )
        return imported
    return from_package(data, path)


@dataclass
class _Item:
    index: int
    record: dict[str, Any]
    kind: str = "concept"  # concept, paper or grouping
    id: str = ""
    fields: Record = field(default_factory=dict)

    @property
    def identifier(self) -> str:
        identifier: str = self.record["identifier"]
        return identifier

    @property
    def statement(self) -> str:
        statement: str = self.record["fullStatement"]
        return statement

    def text(self, name: str) -> str | None:
        value = self.record.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    def texts(self, name: str) -> list[str]:
        value = self.record.get(name)
        if not isinstance(value, list):
            return []
        return [v.strip() for v in value if isinstance(v, str) and v.strip()]

    def label(self) -> str:
        return f"CFItems[{self.index}] ({self.statement[:60]!r})"


def from_package(data: object, path: Path) -> Imported:
    """The graph the parsed package ``data`` (read from ``path``) describes (see the module)."""
    imported = Imported(str(path))
    where = Location(path)
    package = _package(data, where, imported.diagnostics)
    if package is None:
        return imported
    items, associations = _checked(package, where, imported.diagnostics)
    if imported.errors:
        return imported
    document = package["CFDocument"]
    imported.settings = _settings(document, where, imported.diagnostics)
    by_identifier = {item.identifier: item for item in items}
    parent = _parents(associations, by_identifier)
    _classify(items, parent)
    _assign_ids(items)
    for item in items:
        if item.kind == "paper":
            _paper(item, where, imported.diagnostics)
        if item.kind == "concept":
            _concept(item)
    _categories(items, parent, by_identifier, where, imported.diagnostics)
    _distinct_names(items, where, imported.diagnostics)
    _edges(associations, by_identifier, document, where, imported.diagnostics)
    for item in items:
        if item.kind in ("concept", "paper"):
            _validate(item, where, imported.diagnostics)
    imported.concepts = [_compact(i.fields) for i in items if i.kind == "concept"]
    imported.papers = [_compact(i.fields) for i in items if i.kind == "paper"]
    imported.diagnostics += guessed_minutes(where, len(imported.concepts))  # CASE has none
    if not imported.concepts and not imported.errors:
        imported.diagnostics.append(
            error(
                where,
                "no-concepts",
                "the package has no items that are concepts (only groupings or papers)",
                "a graph needs at least one concept: an item with no isChildOf children",
            )
        )
    return imported


def _package(data: object, where: Location, problems: list[Diagnostic]) -> dict[str, Any] | None:
    """The CFPackage object, or None with an error saying what the JSON is instead."""
    if isinstance(data, dict) and isinstance(data.get("CFPackage"), dict):
        data = data["CFPackage"]  # some providers wrap the package
    if isinstance(data, dict) and isinstance(data.get("CFDocument"), dict):
        return data
    hint = PACKAGE_SHAPE
    if not isinstance(data, dict):
        message = f"not a CASE CFPackage: the JSON is {_json_kind(data)}, not an object"
    elif "CFDocument" in data:
        message = "not a CASE CFPackage: CFDocument is not an object"
    elif "CFDocuments" in data:
        message = "not a CASE CFPackage: this is a list of CFDocuments (a CFDocumentSet)"
        hint = "fetch one framework's package: GET .../ims/case/v1p1/CFPackages/{identifier}"
    elif "fullStatement" in data:
        message = "not a CASE CFPackage: this is one CFItem"
        hint = "fetch the whole framework's package: GET .../ims/case/v1p1/CFPackages/{id}"
    elif "title" in data and "identifier" in data:
        message = "not a CASE CFPackage: this looks like a CFDocument on its own"
        hint = "fetch its CFPackageURI (GET .../ims/case/v1p1/CFPackages/{identifier})"
    else:
        keys = ", ".join(sorted(map(str, data))[:5]) or "none"
        message = f"not a CASE CFPackage: it has no CFDocument (its keys: {keys})"
    problems.append(error(where, "not-a-package", message, hint))
    return None


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return "null" if value is None else f"a {type(value).__name__}"


def _checked(
    package: dict[str, Any], where: Location, problems: list[Diagnostic]
) -> tuple[list[_Item], list[tuple[int, dict[str, Any]]]]:
    """The package's items and associations, each with the fields we read checked."""
    document = package["CFDocument"]
    for name in ("identifier", "title"):
        if not isinstance(document.get(name), str) or not document[name].strip():
            problems.append(
                error(where, "case-field", f"CFDocument.{name} is missing or not text", None)
            )
    raw_items = package.get("CFItems", [])
    if not isinstance(raw_items, list):
        problems.append(error(where, "case-field", "CFItems is not a list", PACKAGE_SHAPE))
        raw_items = []
    items: list[_Item] = []
    seen: dict[str, int] = {}
    for index, record in enumerate(raw_items):
        at = f"CFItems[{index}]"
        if not isinstance(record, dict):
            problems.append(error(where, "case-field", f"{at} is not an object", None))
            continue
        missing = [n for n in ("identifier", "fullStatement") if not _text(record.get(n))]
        if missing:
            problems.append(
                error(
                    where,
                    "case-field",
                    f"{at}.{missing[0]} is missing or empty",
                    "every CFItem has an identifier and a fullStatement (CASE 1.1)",
                )
            )
            continue
        identifier = record["identifier"]
        if identifier in seen:
            problems.append(
                error(
                    where,
                    "case-duplicate",
                    f"{at}.identifier {identifier!r} is also CFItems[{seen[identifier]}]'s",
                    "each item of a package has its own identifier",
                )
            )
            continue
        seen[identifier] = index
        items.append(_Item(index, record))
    if not raw_items and not problems:
        problems.append(
            error(where, "no-concepts", "the package has no CFItems: nothing to import", None)
        )
    raw_associations = package.get("CFAssociations", [])
    if not isinstance(raw_associations, list):
        problems.append(error(where, "case-field", "CFAssociations is not a list", PACKAGE_SHAPE))
        raw_associations = []
    associations = []
    for index, record in enumerate(raw_associations):
        at = f"CFAssociations[{index}]"
        problem = None
        if not isinstance(record, dict):
            problem = f"{at} is not an object"
        elif not _text(record.get("associationType")):
            problem = f"{at}.associationType is missing or not text"
        else:
            for end in ("originNodeURI", "destinationNodeURI"):
                link = record.get(end)
                if not isinstance(link, dict) or not _text(link.get("identifier")):
                    problem = f"{at}.{end} is missing or has no identifier"
                    break
        if problem is not None:
            hint = "an association names both ends: {identifier, uri, title}"
            problems.append(error(where, "case-field", problem, hint))
            continue
        assert isinstance(record, dict)
        associations.append((index, record))
    return items, associations


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _settings(document: dict[str, Any], where: Location, problems: list[Diagnostic]) -> Record:
    title = document["title"].strip()
    settings: Record = {"title": title[:200]}
    if len(title) > 200:
        problems.append(
            warning(where, "case-title", "CFDocument.title is cut to 200 characters for graph.yaml")
        )
    try:
        settings["namespace"] = f"urn:uuid:{uuid.UUID(document['identifier'])}"
    except ValueError:
        problems.append(
            warning(
                where,
                "case-identifier",
                f"CFDocument.identifier {document['identifier']!r} is not a UUID; "
                "graph.yaml gets no namespace",
                "give graph.yaml a namespace (a URI) to keep export ids stable",
            )
        )
    settings["demos"] = False
    return settings


def _parents(
    associations: list[tuple[int, dict[str, Any]]], by_identifier: dict[str, _Item]
) -> dict[str, str]:
    """Each item's parent (isChildOf destination, the first one given), by identifier."""
    parent: dict[str, str] = {}
    for _, record in associations:
        if record["associationType"] == "isChildOf":
            child = record["originNodeURI"]["identifier"]
            if child in by_identifier:
                parent.setdefault(child, record["destinationNodeURI"]["identifier"])
    return parent


def _classify(items: list[_Item], parent: dict[str, str]) -> None:
    has_children = set(parent.values())
    for item in items:
        item_type = (item.text("CFItemType") or "").casefold()
        if item_type == "category" or item.identifier in has_children:
            item.kind = "grouping"
        elif item_type == "paper":
            item.kind = "paper"


def _assign_ids(items: list[_Item]) -> None:
    """Codes that are valid ids first, in document order; then slugified titles."""
    taken: set[str] = set()
    nodes = [item for item in items if item.kind != "grouping"]
    for item in nodes:
        code = item.text("humanCodingScheme")
        if code is not None and re.fullmatch(SLUG_PATTERN, code):
            item.id = unique_id(code, taken)
    for item in nodes:
        if not item.id:
            item.id = unique_id(slugify(item.statement) or "item", taken)


def _concept(item: _Item) -> None:
    summary = item.text("notes") or item.text("abbreviatedStatement") or item.statement
    levels = [value for value in item.texts("educationLevel") if value in set(Level)]
    fields: Record = {
        "id": item.id,
        "title": item.statement,
        "aliases": _unique(item.texts("conceptKeywords")),
        "summary": summary,
        "category": str(DEFAULT_CATEGORY),
        "level": levels[0] if levels else str(DEFAULT_LEVEL),
        "minutes": DEFAULT_MINUTES,
    }
    if (item.text("CFItemType") or "").casefold() == "practice":
        fields["kind"] = str(ConceptKind.PRACTICE)
        fields["activity"] = summary
    fields.update(requires=[], recommends=[])
    item.fields = fields


def _paper(item: _Item, where: Location, problems: list[Diagnostic]) -> None:
    """The paper record of a Paper item; an item without a year stays a concept."""
    match = _AUTHORS.match(item.text("abbreviatedStatement") or "")
    if match is None:
        problems.append(
            warning(
                where,
                "case-paper",
                f"{item.label()} is a Paper, but its abbreviatedStatement is not "
                "'First Author [et al.] (YEAR)'; imported as a concept",
                "write the authors and year there to import it as a paper",
            )
        )
        item.kind = "concept"
        return
    notes = item.text("notes") or ""
    advice, read_at, link = notes.rpartition(_READ_AT)
    if not read_at or "\n" in link.strip():
        advice, link = notes, ""
    link = link.strip()
    arxiv = _ARXIV_LINK.match(link)
    fields: Record = {
        "id": item.id,
        "title": item.statement,
        "aliases": _unique(item.texts("conceptKeywords")),
        "first_author": match["author"],
        "et_al": match["et_al"] is not None,
        "year": int(match["year"]),
    }
    uri = item.text("uri") or ""
    url = link if re.match(r"^https?://\S+$", link) else uri
    if arxiv is not None:
        fields["arxiv"] = arxiv["id"]
    elif re.match(r"^https?://\S+$", url):
        fields["url"] = url
    fields.update(DEFAULT_PAPER)
    fields["advice"] = advice.strip() or f"Read it for what {item.statement} introduced."
    fields["minutes"] = dict(DEFAULT_READING)
    fields.update(teaches=[], requires=[])
    if arxiv is not None and _problem(PaperRecord, fields) is not None:
        # an arXiv link whose id our rules refuse (its year, its form): keep it as a url
        del fields["arxiv"]
        fields = {**fields, "url": link}
    item.fields = fields
    problem = _problem(PaperRecord, fields)
    if problem is not None:
        problems.append(
            warning(
                where,
                "case-paper",
                f"{item.label()} cannot be a paper ({problem}); imported as a concept",
            )
        )
        item.kind = "concept"


def _problem(model: type[ConceptRecord] | type[PaperRecord], fields: Record) -> str | None:
    """What ``model`` says is wrong with ``fields``, or None (empty lists dropped first)."""
    try:
        model.model_validate(_compact(fields))
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"{'.'.join(map(str, first['loc']))}: {first['msg']}"
    return None


def _compact(fields: Record) -> Record:
    """The record as written: empty lists left out (every list field defaults to empty)."""
    return {k: v for k, v in fields.items() if v != []}


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _categories(
    items: list[_Item],
    parent: dict[str, str],
    by_identifier: dict[str, _Item],
    where: Location,
    problems: list[Diagnostic],
) -> None:
    """Each concept's category: the nearest grouping above it that is one of ours."""
    unmatched: Counter[str] = Counter()
    for item in items:
        if item.kind != "concept":
            continue
        first_grouping = None
        current, seen = parent.get(item.identifier), {item.identifier}
        while current is not None and current in by_identifier and current not in seen:
            seen.add(current)
            above = by_identifier[current]
            if above.kind == "grouping":
                first_grouping = first_grouping or above
                names = [above.statement, above.text("humanCodingScheme") or ""]
                found = next((c for c in map(category_of, names) if c is not None), None)
                if found is not None:
                    item.fields["category"] = str(found)
                    break
            current = parent.get(current)
        else:
            if first_grouping is not None:
                unmatched[first_grouping.statement] += 1
    for grouping, count in unmatched.items():
        problems.append(
            warning(
                where,
                "case-category",
                f"grouping {grouping!r} is none of our categories; its {count} concept(s) "
                f"are filed under {DEFAULT_CATEGORY}",
                "edit category: in concepts.yaml (the categories: graph/taxonomy.py)",
            )
        )


def _distinct_names(items: list[_Item], where: Location, problems: list[Diagnostic]) -> None:
    """Retitle or drop what would read like another node's name (the check's shared-name)."""
    for kind in ("concept", "paper"):
        nodes = [item for item in items if item.kind == kind]
        spelled = {item.id: item.id for item in nodes}
        for item in nodes:
            title = item.fields["title"]
            owner = spelled.setdefault(slugify(title), item.id)
            if owner != item.id:
                retitled = unique_title(title, item.id, spelled)
                spelled[slugify(retitled)] = item.id
                item.fields["title"] = retitled
                problems.append(
                    warning(
                        where,
                        "case-name",
                        f"{item.label()}: its title reads like {kind} {owner!r}'s name; "
                        f"retitled {retitled!r}",
                    )
                )
            kept = []
            for alias in item.fields["aliases"]:
                owner = spelled.setdefault(slugify(alias), item.id)
                if owner == item.id:
                    kept.append(alias)
                else:
                    problems.append(
                        warning(
                            where,
                            "case-name",
                            f"{item.label()}: keyword {alias!r} is a name of {kind} {owner!r}; "
                            "left out of its aliases",
                        )
                    )
            item.fields["aliases"] = kept


def unique_title(title: str, rid: str, spelled: dict[str, str]) -> str:
    """``Title (id)``, or ``Title (id 2)``, ...: the first whose slug no node has yet."""
    candidate, n = f"{title} ({rid})", 1
    while slugify(candidate) in spelled:
        n += 1
        candidate = f"{title} ({rid} {n})"
    return candidate


def _edges(
    associations: list[tuple[int, dict[str, Any]]],
    by_identifier: dict[str, _Item],
    document: dict[str, Any],
    where: Location,
    problems: list[Diagnostic],
) -> None:
    """Our edges from the associations; one warning for each kind of one left out."""
    left_out: Counter[str] = Counter()
    examples: dict[str, str] = {}

    def leave(reason: str, index: int) -> None:
        left_out[reason] += 1
        examples.setdefault(reason, f"CFAssociations[{index}]")

    for index, record in associations:
        kind = record["associationType"]
        if kind == "isChildOf":
            continue
        origin = by_identifier.get(record["originNodeURI"]["identifier"])
        target = by_identifier.get(record["destinationNodeURI"]["identifier"])
        notes = record["notes"].strip() if isinstance(record.get("notes"), str) else ""
        if origin is None or target is None:
            ends = (record[end]["identifier"] for end in ("originNodeURI", "destinationNodeURI"))
            inside = document["identifier"] in set(ends)
            leave(
                f"{kind} with an end that is the document"
                if inside
                else f"{kind} to an item outside the package",
                index,
            )
            continue
        if "grouping" in (origin.kind, target.kind):
            leave(f"{kind} with an end that is a grouping", index)
            continue
        if origin is target:
            leave(f"{kind} from an item to itself", index)
            continue
        pair = (origin.kind, target.kind)
        if kind == "precedes":
            if pair == ("paper", "concept"):
                leave("precedes from a paper to a concept (a concept requires concepts)", index)
            else:
                _add(target.fields["requires"], origin.id)
        elif kind == "isRelatedTo" and notes == TEACHES and pair == ("paper", "concept"):
            _add(origin.fields["teaches"], target.id)
        elif kind == "isRelatedTo" and notes == RECOMMENDED and pair == ("concept", "concept"):
            if origin.id not in target.fields["requires"]:
                _add(target.fields["recommends"], origin.id)
        else:
            said = f" with notes {notes[:40]!r}" if notes else ""
            leave(f"{kind}{said} between a {pair[0]} and a {pair[1]}", index)
    # a recommendation that a later precedes made a requirement is dropped (both is an error)
    for item in by_identifier.values():
        if item.kind == "concept":
            required = set(item.fields["requires"])
            item.fields["recommends"] = [r for r in item.fields["recommends"] if r not in required]
    for reason, count in left_out.items():
        problems.append(
            warning(
                where,
                "case-association",
                f"{count} association(s) left out: {reason} (first: {examples[reason]})",
                "our graph has requires (precedes), recommends and teaches edges between "
                "concepts and papers",
            )
        )


def _add(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def _validate(item: _Item, where: Location, problems: list[Diagnostic]) -> None:
    model = ConceptRecord if item.kind == "concept" else PaperRecord
    problem = _problem(model, item.fields)
    if problem is not None:
        problems.append(
            error(where, "case-item", f"{item.label()}: {problem}", "correct it in the package")
        )
