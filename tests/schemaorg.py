"""Check a JSON-LD document against the schema.org vocabulary (tests/standards/schemaorg).

schema.org publishes no JSON Schema: its vocabulary says which types exist, which
properties each type may carry (``domainIncludes``) and what each property may hold
(``rangeIncludes``). ``Vocabulary.problems`` walks a compacted JSON-LD document whose
context is schema.org and reports, as readable strings:

- a ``@type`` that is not a schema.org class;
- a property that is not a schema.org property, or that none of its node's types
  (or their supertypes) may carry;
- a value outside the property's range: a node whose types are none of the range's
  classes (a node reference ``{"@id": ...}`` is judged by the node it names in the
  document), or a literal where the range has no data type for it (text needs Text,
  URL, Date, DateTime, Time or Duration; a number needs Number or Integer), or a
  literal that its data type does not allow (a URL that is not absolute, a date that
  is not ISO 8601, a duration that is not an ISO 8601 duration).

    problems = Vocabulary.load().problems(document)   # [] when it conforms
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

VOCABULARY = Path(__file__).parent / "standards" / "schemaorg" / "schemaorg-current-https.jsonld"
CONTEXTS = ("https://schema.org", "https://schema.org/", "http://schema.org", "http://schema.org/")

_ISO_DATE = r"\d{4}(-\d{2}(-\d{2})?)?"
_LITERALS = {  # data type -> what a text literal of it must look like
    "Text": re.compile(r".*", re.S),
    "URL": re.compile(r"https?://[^\s]+"),
    "Date": re.compile(_ISO_DATE),
    "DateTime": re.compile(_ISO_DATE + r"(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?"),
    "Time": re.compile(r"\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?"),
    "Duration": re.compile(
        r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?"
    ),
}
_NUMBERS = ("Number", "Integer", "Float")


def _ids(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [item["@id"].removeprefix("schema:") for item in items if isinstance(item, dict)]


@dataclass(frozen=True)
class Vocabulary:
    parents: dict[str, list[str]]  # class -> its direct superclasses
    domains: dict[str, list[str]]  # property -> the classes that may carry it
    ranges: dict[str, list[str]]  # property -> the classes and data types it may hold

    @staticmethod
    @cache
    def load(path: Path = VOCABULARY) -> "Vocabulary":
        graph = json.loads(path.read_text(encoding="utf-8"))["@graph"]
        parents, domains, ranges = {}, {}, {}
        for node in graph:
            name = node["@id"].removeprefix("schema:")
            kinds = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
            if "rdfs:Class" in kinds or "schema:DataType" in kinds:
                parents[name] = _ids(node.get("rdfs:subClassOf"))
            if "rdf:Property" in kinds:
                domains[name] = _ids(node.get("schema:domainIncludes"))
                ranges[name] = _ids(node.get("schema:rangeIncludes"))
        return Vocabulary(parents, domains, ranges)

    def ancestry(self, name: str) -> set[str]:
        """``name`` and every class above it."""
        seen, stack = set(), [name]
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.parents.get(current, []))
        return seen

    def problems(self, document: dict[str, Any]) -> list[str]:
        """Every way ``document`` (a compacted JSON-LD node with schema.org context) breaks
        the vocabulary; empty when it conforms."""
        found = []
        if document.get("@context") not in CONTEXTS:
            found.append(f"@context is {document.get('@context')!r}, not schema.org")
        nodes = {n["@id"]: n for n in _nodes(document) if "@id" in n and "@type" in n}
        for node in _nodes(document):
            found += self._node_problems(node, nodes)
        return found

    def _types(self, node: dict[str, Any]) -> list[str]:
        kinds = node.get("@type", [])
        return kinds if isinstance(kinds, list) else [kinds]

    def _node_problems(self, node: dict[str, Any], nodes: dict[str, Any]) -> Iterator[str]:
        where = node.get("@id") or node.get("name") or node.get("@type")
        types = self._types(node)
        for kind in types:
            if kind not in self.parents:
                yield f"{where}: @type {kind!r} is not a schema.org class"
        if "@type" not in node and set(node) - {"@id"}:
            yield f"{where}: a node with properties has no @type"
        carried = set().union(*(self.ancestry(k) for k in types)) if types else set()
        for prop, value in node.items():
            if prop.startswith("@"):
                continue
            if prop not in self.domains:
                yield f"{where}: {prop!r} is not a schema.org property"
                continue
            if types and not carried & set(self.domains[prop]):
                yield f"{where}: {prop!r} is not a property of {'/'.join(types)}"
            for item in value if isinstance(value, list) else [value]:
                problem = self._value_problem(prop, item, nodes)
                if problem:
                    yield f"{where}: {prop} = {str(item)[:80]!r}: {problem}"

    def _value_problem(self, prop: str, value: Any, nodes: dict[str, Any]) -> str | None:
        allowed = self.ranges[prop]
        if isinstance(value, dict):
            target = value if "@type" in value else nodes.get(value.get("@id"))
            if target is None:  # a reference to something outside the document: a URL
                return None if "URL" in allowed else f"a reference where {allowed} is wanted"
            kinds = set().union(*(self.ancestry(k) for k in self._types(target)))
            return None if kinds & set(allowed) else f"a {self._types(target)} node, not {allowed}"
        if isinstance(value, bool):
            return None if "Boolean" in allowed else f"a boolean, not {allowed}"
        if isinstance(value, int | float):
            return None if set(_NUMBERS) & set(allowed) else f"a number, not {allowed}"
        if isinstance(value, str):
            literal = [t for t in allowed if t in _LITERALS]
            if not literal:
                return f"text, where {allowed} is wanted"
            if not any(_LITERALS[t].fullmatch(value) for t in literal):
                return f"text that is no valid {'/'.join(literal)}"
            return None
        return f"a {type(value).__name__}"


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every node object in a compacted JSON-LD value, the top one first."""
    if isinstance(value, dict):
        if set(value) != {"@id"}:
            yield value
        for key, item in value.items():
            if key != "@context":
                yield from _nodes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _nodes(item)
