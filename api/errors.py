"""The one error type of the HTTP face and the exports: a request fault, as data.

Rendered as ``{"error": {"code", "message", "field", "value", "suggestions"}}``
with a 4xx status. A planner's PlanError becomes one through ``from_plan_error``,
which picks the status from the error's code, never from its words.
"""

from collections.abc import Sequence

from planner.errors import ErrorCode, PlanError, Setting, field_words, shown

__all__ = ["ApiError", "from_plan_error", "shown"]

STATUS = {
    ErrorCode.INVALID: 422,
    ErrorCode.UNKNOWN_ID: 422,  # an id in a request's body or query, not in the URL's path
    ErrorCode.CONFLICT: 422,
    ErrorCode.TOO_LARGE: 422,
}


class ApiError(Exception):
    """A request the service cannot serve: which field is at fault, why, and what might fix it.

    ``value`` is the offending value as given, cut to 100 characters.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        suggestions: Sequence[str] = (),
        value: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.suggestions = list(suggestions)
        self.value = None if value is None else value[:100]

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        # Raised in a worker process (api.compute) and pickled back: keep every field.
        args = (self.status, self.code, self.message, self.field, self.suggestions, self.value)
        return (type(self), args)

    def body(self) -> dict[str, object]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "field": self.field,
                "value": self.value,
                "suggestions": self.suggestions,
            }
        }


def from_plan_error(error: PlanError, names: dict[str, str] | None = None) -> ApiError:
    """``error`` as the HTTP face says it; ``names`` respells fields (``goals`` -> ``goal``),
    the field at fault and any setting its message advises."""
    names = names or {}
    field = names.get(error.field, error.field)
    message = error.worded(lambda s: field_words(Setting(names.get(s.field, s.field), s.value)))
    return ApiError(STATUS[error.code], error.code, message, field, error.suggestions, error.value)
