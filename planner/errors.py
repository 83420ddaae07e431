"""The one error the planner raises: a bad request, as data a face can render.

A PlanError carries a ``code`` (what kind of fault), the ``field`` at fault, the
``value`` as given (cut to ``MAX_SHOWN`` characters) and did-you-mean
``suggestions``. Faces choose a status or an exit code from ``code`` and name the
field in their own spelling (``--budget`` on the command line); none parses the
message.
"""

import json
from collections.abc import Callable
from enum import StrEnum
from typing import NamedTuple

MAX_SHOWN = 100
"""The most characters of a bad value echoed back: a 50 MB id is not repeated."""


class ErrorCode(StrEnum):
    """What kind of fault a request has."""

    INVALID = "invalid-request"  # a value of the wrong form or out of range
    UNKNOWN_ID = "unknown-id"  # an id the graph does not have
    CONFLICT = "conflicting-request"  # values that contradict each other
    TOO_LARGE = "too-large"  # a request whose answer would be unreasonably large


def shown(value: object) -> str:
    """``value`` as a message quotes it: its repr, cut to MAX_SHOWN characters.

    >>> shown("x" * 500)[-4:]
    "…'"
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_SHOWN:
        return repr(text[:MAX_SHOWN] + "…")
    return repr(text)


class Setting(NamedTuple):
    """A request field set to a value: what a message advises (``known_implies_prerequisites``
    false). Each face words it in its own spelling: ``--no-implied-known`` on the command
    line, the field's name in the HTTP API."""

    field: str
    value: object


SETTING = "{setting}"
"""Where a message names its ``setting``; ``PlanError.worded`` fills it in."""


def field_words(setting: Setting) -> str:
    """A setting as a request's fields spell it: 'set known_implies_prerequisites to false'."""
    return f"set {setting.field} to {json.dumps(setting.value)}"


class PlanError(ValueError):
    """A request the planner cannot serve: which field, what is wrong, what would be valid.

    ``field`` names the request field (``goals``, ``known``, ``budget``...), so that the
    CLI can name the argument and the API can return a 4xx naming the field. A message
    that advises a ``setting`` writes ``{setting}`` where it names it; ``message`` has it
    in the request's field names, and ``worded`` in a face's own spelling.
    """

    def __init__(
        self,
        field: str,
        message: str,
        suggestions: tuple[str, ...] | list[str] = (),
        *,
        code: ErrorCode = ErrorCode.INVALID,
        value: object = None,
        setting: Setting | None = None,
    ) -> None:
        self.template = message
        self.setting = setting
        message = self.worded(field_words)
        super().__init__(message)
        self.field = field
        self.message = message
        self.suggestions = tuple(suggestions)
        self.code = code
        self.value = None if value is None else _cut(value)

    def worded(self, words: Callable[[Setting], str]) -> str:
        """The message, naming its setting as ``words`` spells it."""
        if self.setting is None:
            return self.template
        return self.template.replace(SETTING, words(self.setting))

    def __reduce__(self) -> tuple[object, ...]:
        # Raised in a worker process (api.compute) and pickled back: keep every field.
        args = (self.field, self.template, self.suggestions, self.code, self.value, self.setting)
        return (_rebuild, args)

    def __str__(self) -> str:
        if not self.suggestions:
            return f"{self.field}: {self.message}"
        options = " or ".join(repr(s) for s in self.suggestions)
        return f"{self.field}: {self.message} (did you mean {options}?)"


def _rebuild(
    field: str,
    message: str,
    suggestions: tuple[str, ...],
    code: ErrorCode,
    value: object,
    setting: Setting | None = None,
) -> PlanError:
    return PlanError(field, message, suggestions, code=code, value=value, setting=setting)


def _cut(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    return text[:MAX_SHOWN]
