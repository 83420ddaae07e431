"""Problems found in the YAML, each pinned to a file and line with a way to fix it."""

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Location:
    """A place in a data file; ``line`` is 1-based, None when the whole file is meant."""

    file: Path
    line: int | None = None

    def render(self, base: Path | None = None) -> str:
        shown = _shown_path(self.file, base)
        return shown if self.line is None else f"{shown}:{self.line}"


@dataclass(frozen=True)
class Note:
    """A secondary location that explains a diagnostic, such as one edge of a cycle."""

    location: Location
    message: str


@dataclass(frozen=True)
class Diagnostic:
    """One problem: where it is, what is wrong, and how to fix it."""

    severity: Severity
    code: str
    location: Location
    message: str
    hint: str | None = None
    notes: tuple[Note, ...] = field(default=())

    def render(self, base: Path | None = None) -> str:
        """``FILE:LINE: error: message (hint)``, then one indented line per note."""
        text = f"{self.location.render(base)}: {self.severity}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        for note in self.notes:
            text += f"\n    {note.location.render(base)}: {note.message}"
        return text

    def to_json(self, base: Path | None = None) -> dict[str, object]:
        return {
            "severity": str(self.severity),
            "code": self.code,
            "file": _shown_path(self.location.file, base),
            "line": self.location.line,
            "message": self.message,
            "hint": self.hint,
            "notes": [
                {
                    "file": _shown_path(n.location.file, base),
                    "line": n.location.line,
                    "message": n.message,
                }
                for n in self.notes
            ],
        }


def error(
    location: Location,
    code: str,
    message: str,
    hint: str | None = None,
    notes: tuple[Note, ...] = (),
) -> Diagnostic:
    """An error-severity diagnostic."""
    return Diagnostic(Severity.ERROR, code, location, message, hint, notes)


def _shown_path(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return str(path.relative_to(base))
        except ValueError:
            pass
    return str(path)


def sort_key(diagnostic: Diagnostic) -> tuple[int, str, int, str]:
    """Errors first, then by file and line, so output reads top to bottom."""
    return (
        0 if diagnostic.severity is Severity.ERROR else 1,
        str(diagnostic.location.file),
        diagnostic.location.line or 0,
        diagnostic.message,
    )


class Findings:
    """Mixin for anything holding ``diagnostics``: its errors and its warnings."""

    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]


class GraphError(Findings, Exception):
    """The data has errors; ``diagnostics`` holds every one of them, and the warnings."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=sort_key)
        super().__init__(
            f"{len(self.errors)} error(s) in the graph data; first: {self.errors[0].render()}"
        )
