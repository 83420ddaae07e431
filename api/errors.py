"""The one error type of the HTTP face and the exports: a request fault, said in words.

Rendered as ``{"error": {"code", "message", "field", "suggestions"}}`` with a 4xx status.
"""

from collections.abc import Sequence


class ApiError(Exception):
    """A request the service cannot serve: which field is at fault, why, and what might fix it."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        suggestions: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.suggestions = list(suggestions)

    def body(self) -> dict[str, object]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "field": self.field,
                "suggestions": self.suggestions,
            }
        }
