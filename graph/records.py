"""Validate each parsed record against its pydantic model, with readable messages.

Pydantic's errors name a location such as ``('resources', 0, 'url')`` and a
type such as ``string_pattern_mismatch``; here they become one line a
maintainer can act on, pinned to the line where the bad value is written.
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import BaseModel, TypeAdapter, ValidationError

from graph.diagnostics import Diagnostic, Severity
from graph.models import ARXIV_PATTERN, CONTROL, QUESTION_PATTERN, UNION_TAGS, FieldProblem
from graph.source import LocPath, SourceFile, describe_value
from graph.suggest import MAX_ID_LENGTH, did_you_mean, slugify, suggest
from graph.taxonomy import SLUG_PATTERN


@dataclass(frozen=True)
class Entry:
    """A record that passed validation, and where it was written."""

    record: Any
    source: SourceFile
    index: int


def validate_records(
    source: SourceFile, model: type[BaseModel], what: str
) -> tuple[list[Entry], list[Diagnostic]]:
    """Validate every record of ``source``; return the valid ones and every problem.

    The whole list is validated in one call (fast); only when that fails is
    each record validated on its own, so that good records still load.
    """
    try:
        # list[model] is built at run time from a class held in a variable, which is no static
        # type: mypy cannot check it (valid-type), and pydantic only needs it at run time.
        records = TypeAdapter(list[model]).validate_python(source.records)  # type: ignore[valid-type]
    except ValidationError:
        pass
    else:
        return [Entry(r, source, i) for i, r in enumerate(records)], []
    entries: list[Entry] = []
    problems: list[Diagnostic] = []
    for index, raw in enumerate(source.records):
        try:
            entries.append(Entry(model.model_validate(raw), source, index))
        except ValidationError as exc:
            problems.extend(_diagnostics(exc.errors(), source, index, model, what))
    return entries, problems


def _diagnostics(
    errors: list[Any], source: SourceFile, index: int, model: type[BaseModel], what: str
) -> list[Diagnostic]:
    """One diagnostic per error, except that missing fields of one mapping share one."""
    missing: dict[LocPath, list[str]] = {}
    problems = []
    for error in errors:
        error["loc"] = tuple(part for part in error["loc"] if part not in UNION_TAGS)
        if error["type"] == "missing":
            missing.setdefault(tuple(error["loc"][:-1]), []).append(str(error["loc"][-1]))
        else:
            problems.append(_diagnostic(error, source, index, model, what))
    for loc, fields in missing.items():
        names = ", ".join(repr(f) for f in fields)
        prefix = f"{_dotted(loc)}: " if loc else ""
        problems.append(
            Diagnostic(
                Severity.ERROR,
                "schema",
                source.location(index, loc),
                f"{prefix}missing required field{'s' if len(fields) > 1 else ''} {names}",
                "add " + ", ".join(f"'{f}:'" for f in fields) + " to the record",
            )
        )
    return problems


def _diagnostic(
    error: Any, source: SourceFile, index: int, model: type[BaseModel], what: str
) -> Diagnostic:
    loc: LocPath = tuple(error["loc"])
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, FieldProblem):  # the rule's record, then the field it blames
        loc = (*loc, *((cause.field,) if isinstance(cause.field, str) else cause.field))
    message, hint = _explain(error, loc, model, what)
    prefix = _dotted(loc)
    return Diagnostic(
        Severity.ERROR,
        "schema",
        source.location(index, loc),
        f"{prefix}: {message}" if prefix else message,
        hint,
    )


def _explain(error: Any, loc: LocPath, model: type[BaseModel], what: str) -> tuple[str, str | None]:
    kind: str = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    shown = describe_value(value)

    if kind == "extra_forbidden":
        fields = list(_model_at(model, loc[:-1]).model_fields)
        hint = did_you_mean(suggest(str(loc[-1]), fields)) or "the fields are: " + ", ".join(fields)
        return f"unknown field {loc[-1]!r}", hint
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if not loc:
            return (
                f"expected a {what} record (a mapping of fields), got {shown}",
                "write each record as '- id: ...' followed by its fields",
            )
        return f"expected a mapping of fields, got {shown}", None
    if kind == "enum":
        allowed = re.findall(r"'([^']*)'", ctx.get("expected", ""))
        hint = did_you_mean(suggest(str(value), allowed)) or "one of: " + ", ".join(allowed)
        return f"{value!r} is not an allowed value", hint
    if kind == "string_pattern_mismatch":
        return _explain_pattern(ctx.get("pattern", ""), value)
    if kind == "string_type":
        if field == "arxiv" and isinstance(value, int | float):
            return (
                f"the arXiv id must be quoted text, got {shown}",
                'put it in quotes exactly as arXiv shows it, e.g. arxiv: "1409.0470"; '
                "unquoted, YAML reads a number and drops trailing zeros",
            )
        return f"must be text, got {shown}", "put the value in quotes"
    if kind == "string_too_short":
        return "must not be empty", None
    if kind == "string_too_long" and ctx.get("max_length") == MAX_ID_LENGTH:  # a Slug
        name = "id" if field == "id" else "the id"
        return (
            f"{name} is {len(value)} characters; ids are at most {MAX_ID_LENGTH}",
            "shorten it: an id is a few words joined by hyphens, e.g. kv-cache",
        )
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number, got {shown}", None
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bounds = f"at least {ctx['ge']}" if "ge" in ctx else f"at most {ctx.get('le')}"
        return f"must be {bounds}, got {value}", None
    if kind == "bool_type":
        return f"must be true or false, got {shown}", None
    if kind in ("list_type", "tuple_type"):
        return f"must be a list, got {shown}", f"write {field}: [a, b] or one '- item' per line"
    if kind == "too_short":
        return "must not be empty", f"list at least one entry under {field}"
    if kind == "value_error":
        cause = ctx.get("error")
        return str(cause) if cause is not None else error["msg"].removeprefix("Value error, "), None
    return error["msg"], None


def _explain_pattern(pattern: str, value: Any) -> tuple[str, str | None]:
    control = CONTROL.search(value) if isinstance(value, str) else None
    if control is not None:  # every text pattern refuses these: say which, wherever it is
        return _explain_control(value, control.start())
    if pattern == SLUG_PATTERN:
        slug = slugify(str(value))
        return (
            f"{value!r} is not a valid id; ids are lowercase words joined by hyphens",
            f"did you mean '{slug}'?" if slug else "for example: kv-cache",
        )
    if pattern == ARXIV_PATTERN:
        return f"{value!r} is not an arXiv id", 'arXiv ids look like "1706.03762"'
    if pattern.startswith("^https?"):
        return f"{value!r} is not an http(s) address", "give the full address, https://..."
    if pattern == QUESTION_PATTERN:
        return f"{value!r} is not a question", "checklist items are questions ending in '?'"
    return f"{value!r} does not match {pattern}", None


def _explain_control(value: str, at: int) -> tuple[str, str]:
    """A text holding a control character: which one, where, and how it got there."""
    char = value[at]
    name = unicodedata.name(char, CONTROL_NAMES.get(char, "a control character"))
    return (
        f"contains the control character U+{ord(char):04X} ({name}) at character {at + 1}: "
        f"{value[max(0, at - 20) : at + 20]!r}",
        "delete it: an escape in double quotes such as \\0, \\e or \\x1b writes one in YAML; "
        "write \\n for a line break",
    )


CONTROL_NAMES = {
    "\x00": "NULL",
    "\x07": "BELL",
    "\x08": "BACKSPACE",
    "\x0b": "LINE TABULATION",
    "\x0c": "FORM FEED",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
    "\x85": "NEXT LINE",
}
"""Names of common control characters, which unicodedata.name does not know."""


def _model_at(model: type[BaseModel], loc: LocPath) -> type[BaseModel]:
    """The model of the nested record at ``loc`` (a resource inside a concept, say)."""
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            continue
        nested = [
            arg
            for arg in (field.annotation, *get_args(field.annotation))
            if isinstance(arg, type) and issubclass(arg, BaseModel)
        ]
        if not nested:
            break
        model = nested[0]
    return model


def _dotted(loc: LocPath) -> str:
    """('resources', 0, 'url') -> 'resources[0].url'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
