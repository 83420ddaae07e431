"""Parse one YAML data file into plain records, remembering where each record starts.

Parsing is the bulk of a cold load, so the fast path is a plain safe load
(libyaml's C parser when available) that records only each record's first
line. Exact lines of fields and list items are found lazily, only when a
diagnostic needs one, by composing just the record concerned.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from graph.diagnostics import Diagnostic, Location, error

try:  # The C loader is several times faster; fall back when libyaml is missing.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

LocPath = tuple[str | int, ...]


_TAG = "tag:yaml.org,2002:"
_STR, _INT, _BOOL, _NULL = _TAG + "str", _TAG + "int", _TAG + "bool", _TAG + "null"
_SEQ, _MAP, _MERGE = _TAG + "seq", _TAG + "map", _TAG + "merge"


class _RecordingLoader(_BaseLoader):
    """A safe loader that notes record start lines and repeated mapping keys.

    It also builds plain lists, dicts, strings and decimal ints itself, which
    is where PyYAML's generic constructor spends most of a load; anything
    else (other numbers, dates, merge keys, unknown tags) goes through the
    safe constructor unchanged.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.record_lines: list[int] = []
        self.record_spans: list[tuple[int, int]] = []  # (first, past last) character
        self.repeated_keys: list[tuple[str, int, int]] = []  # (key, line, first line)
        self._built: dict[int, Any] = {}

    def construct_document(self, node: Node) -> Any:
        if isinstance(node, SequenceNode):
            self.record_lines = [child.start_mark.line + 1 for child in node.value]
            self.record_spans = [(c.start_mark.index, c.end_mark.index) for c in node.value]
        try:
            return self._plain(node)
        finally:
            self._built = {}
            self.constructed_objects = {}

    def _plain(self, node: Node) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        kind = type(node)
        if kind is ScalarNode:
            value = node.value
            if tag == _INT and value.isdigit() and (value[0] != "0" or value == "0"):
                return int(value)  # YAML 1.1 reads a leading 0 as octal: left to PyYAML
            if tag == _BOOL:
                return self.bool_values[value.lower()]
            if tag == _NULL:
                return None
            return self.construct_object(node, deep=True)
        key = id(node)
        if key in self._built:  # an alias: share the object, as PyYAML does
            return self._built[key]
        if kind is SequenceNode and tag == _SEQ:
            items: list[Any] = []
            self._built[key] = items
            items.extend([self._plain(child) for child in node.value])
            return items
        # type(node), not kind: mypy narrows node to MappingNode only on the call itself
        if type(node) is MappingNode and tag == _MAP:
            mapping: dict[Any, Any] = {}
            self._built[key] = mapping
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE:
                    return self._fallback(node, key)
                field = self._plain(key_node)
                value = self._plain(value_node)
                try:
                    mapping[field] = value
                except TypeError:  # an unhashable key, such as a list
                    return self._fallback(node, key)
            if len(mapping) < len(node.value):
                self._note_repeats(node)
            return mapping
        return self.construct_object(node, deep=True)

    def _fallback(self, node: MappingNode, key: int) -> Any:
        """Build a mapping the fast path does not handle (merge keys) with PyYAML."""
        self._built[key] = built = self.construct_object(node, deep=True)
        return built

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        pairs = len(node.value)
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) < pairs:
            self._note_repeats(node)
        return mapping

    def _note_repeats(self, node: MappingNode) -> None:
        """Record keys written twice in one mapping: YAML would keep the last silently."""
        first: dict[str, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE:
                continue
            line = key_node.start_mark.line + 1
            if key_node.value in first:
                self.repeated_keys.append((key_node.value, line, first[key_node.value]))
            else:
                first[key_node.value] = line


@dataclass(eq=False)
class SourceFile:
    """A parsed data file: its top-level records and a way back to their lines."""

    path: Path
    text: str
    records: list[Any]
    record_lines: list[int]
    record_spans: list[tuple[int, int]] = field(default_factory=list, repr=False)
    _nodes: dict[int, tuple[Node, int]] = field(default_factory=dict, repr=False)
    _lines: list[str] | None = field(default=None, repr=False)
    _root: SequenceNode | None = field(default=None, repr=False)

    def location(self, index: int | None = None, loc: LocPath = ()) -> Location:
        """Where record ``index`` (and, inside it, the field at ``loc``) is written."""
        if index is None:
            return Location(self.path, 1)
        return Location(self.path, self.line_of(index, loc))

    def line_of(self, index: int, loc: LocPath = ()) -> int:
        """The line of a record, or of the deepest part of ``loc`` that exists in it."""
        if not loc:
            return self.record_lines[index]
        node, offset = self._record_node(index)
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            node = child
        return offset + node.start_mark.line + 1

    def _record_node(self, index: int) -> tuple[Node, int]:
        """Record ``index`` as a YAML node, with the line offset its marks are relative to.

        Composing only the record's own text keeps a diagnostic cheap in a file
        of any size: its lines in block YAML, its characters in JSON or
        flow-style YAML (a flow mapping stands alone as a document; its lines are
        not whole). A record that cannot stand alone (it uses an anchor defined
        elsewhere, say) falls back to the whole file, composed once and kept.
        Composing the whole file for each record made a 4,000-record JSON file
        take 64 s to check.
        """
        if index not in self._nodes:
            self._nodes[index] = (
                self._compose_alone(index) or self._compose_span(index) or self._compose_all(index)
            )
        return self._nodes[index]

    def _compose_span(self, index: int) -> tuple[Node, int] | None:
        """Record ``index`` composed from its own characters: a flow-style record."""
        if index >= len(self.record_spans):
            return None
        start, end = self.record_spans[index]
        if self.text[start : start + 1] not in ("{", "["):
            return None  # a block record does not stand alone without its indentation
        try:
            node = yaml.compose(self.text[start:end], Loader=_BaseLoader)
        except yaml.YAMLError:
            return None
        if node is None:
            return None
        return node, self.record_lines[index] - 1

    def _compose_alone(self, index: int) -> tuple[Node, int] | None:
        if self._lines is None:
            self._lines = self.text.splitlines(keepends=True)
        start = self.record_lines[index] - 1
        end = self.record_lines[index + 1] - 1 if index + 1 < len(self.record_lines) else None
        if end is not None and end <= start:
            return None
        try:
            root = yaml.compose("".join(self._lines[start:end]), Loader=_BaseLoader)
        except yaml.YAMLError:
            return None
        if not isinstance(root, SequenceNode) or len(root.value) != 1:
            return None
        return root.value[0], start

    def _compose_all(self, index: int) -> tuple[Node, int]:
        if self._root is None:
            root = yaml.compose(self.text, Loader=_BaseLoader)
            assert isinstance(root, SequenceNode)
            self._root = root
        return self._root.value[index], 0


def _child(node: Node, part: str | int) -> Node | None:
    if isinstance(node, MappingNode) and isinstance(part, str):
        found = None
        for key_node, value_node in node.value:  # the last repeat wins, as in the data
            if isinstance(key_node, ScalarNode) and key_node.value == part:
                found = value_node
        return found
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]
    return None


def parse_file(path: Path, raw: bytes, what: str) -> tuple[SourceFile | None, list[Diagnostic]]:
    """Parse ``raw`` (the bytes of ``path``), a YAML list of ``what`` records.

    Returns the parsed file, or None when it cannot be read at all, with every
    problem found on the way. Never raises for bad input.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            error(
                Location(path, line),
                "yaml-encoding",
                f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                "save the file as UTF-8",
            )
        ]
    loader = _RecordingLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_error(path, exc)]
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        position = getattr(exc, "position", 0)
        line = text[:position].count("\n") + 1
        return None, [error(Location(path, line), "yaml-syntax", f"invalid YAML: {exc}")]
    finally:
        loader.dispose()

    problems = [
        error(
            Location(path, line),
            "duplicate-key",
            f"key {key!r} appears twice in one record; the first is on line {first}",
            "merge the two entries into one",
        )
        for key, line, first in loader.repeated_keys
    ]
    if data is None:
        data = []
    if not isinstance(data, list):
        problems.append(
            error(
                Location(path, 1),
                "not-a-list",
                f"expected a list of {what} records, got {describe_value(data)}",
                "start each record with '- id: ...' at the left margin",
            )
        )
        return None, problems
    return SourceFile(path, text, data, loader.record_lines, loader.record_spans), problems


def _syntax_error(path: Path, exc: yaml.MarkedYAMLError) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    column = f" at column {mark.column + 1}" if mark is not None else ""
    parts = [p for p in (exc.context, exc.problem) if p]
    message = f"invalid YAML{column}: {'; '.join(parts) or str(exc)}"
    if "constructor" in (exc.problem or ""):
        hint = "only plain YAML is accepted: remove the !tag"
    else:
        hint = "check the indentation, and quote text that contains ': ' or ' #'"
    return error(Location(path, line), "yaml-syntax", message, hint)


def describe_value(value: Any) -> str:
    """A short, readable description of a YAML value's type, for messages."""
    match value:
        case bool():
            return f"the boolean {str(value).lower()}"
        case int() | float():
            return f"the number {value}"
        case str():
            return f"the text {value!r}"
        case dict():
            return "a mapping"
        case list():
            return "a list"
        case None:
            return "nothing (null)"
    return type(value).__name__
