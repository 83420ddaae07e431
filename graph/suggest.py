"""Did-you-mean suggestions for misspelled ids, field names and values."""

import difflib
import re
from collections.abc import Iterable


def slugify(text: str) -> str:
    """The id a title would have: 'Linear Algebra for AI' -> 'linear-algebra-for-ai'."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def close_matches(word: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """Up to ``limit`` candidates that look like ``word``, closest first."""
    return difflib.get_close_matches(word, list(candidates), n=limit, cutoff=0.6)


def suggest_ids(word: str, names: dict[str, str], limit: int = 3) -> list[str]:
    """Ids whose id, title or alias looks like ``word``.

    ``names`` maps each candidate spelling (an id, or a slugified title or
    alias) to its id, so that 'self-attention' can suggest 'attention'.
    """
    found: list[str] = []
    for name in close_matches(slugify(word) or word, names, limit=limit * 3):
        if names[name] not in found:
            found.append(names[name])
    return found[:limit]


def did_you_mean(options: list[str]) -> str | None:
    """'did you mean 'a' or 'b'?' for a short list of options, None for none."""
    if not options:
        return None
    quoted = [f"'{o}'" for o in options]
    joined = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"did you mean {joined}?"
