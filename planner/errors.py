"""The one error the planner raises: a bad request, said in terms a learner can act on."""


class PlanError(ValueError):
    """A request the planner cannot serve: which field, what is wrong, what would be valid.

    ``field`` names the request field (``goals``, ``known``, ``budget``...), so that the
    CLI can name the argument and the API can return a 4xx naming the field.
    """

    def __init__(self, field: str, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.suggestions = suggestions

    def __str__(self) -> str:
        if not self.suggestions:
            return f"{self.field}: {self.message}"
        options = " or ".join(repr(s) for s in self.suggestions)
        return f"{self.field}: {self.message} (did you mean {options}?)"
