"""Did-you-mean suggestions for misspelled ids, field names and values.

Every did-you-mean goes through ``suggest``.
"""

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping

MAX_ID_LENGTH = 100
"""The longest word ``suggest`` looks at; no id, title or field name is longer.

difflib's cost grows with the product of the lengths: one 50 MB id took 12 s of
CPU to match, so a longer word is answered with no suggestions at once.
"""


_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "ł": "l",
        "Ł": "L",
        "\u0131": "i",  # dotless i
    }
)
"""Latin letters that NFKD does not decompose, spelled the way their languages transliterate."""

_SIGNS = (
    (re.compile(r"\+"), " plus "),
    (re.compile(r"(?<=[A-Za-z])#"), " sharp "),
    (re.compile(r"&"), " and "),
)
_WORD = re.compile(r"[a-z0-9]+")


def slugify(text: str) -> str:
    """The id a title would have: 'Linear Algebra for AI' -> 'linear-algebra-for-ai'.

    The rules, applied in this order (the same text always gives the same slug):

    1. Letters NFKD does not decompose are spelled out: ß -> ss, æ -> ae, œ -> oe,
       ø -> o, đ/ð -> d, þ -> th, ł -> l, dotless i -> i.
    2. Unicode NFKD, dropping combining marks: accents fold ('naïve' -> 'naive',
       'Gödel' -> 'godel') and compatibility forms become plain ('ﬁ' -> 'fi',
       a fullwidth plus -> '+').
    3. Signs that carry meaning become words: every '+' is 'plus' ('k-means++' ->
       'k-means-plus-plus', 'C++' -> 'c-plus-plus'), '#' after a letter is 'sharp'
       ('C#' -> 'c-sharp'; elsewhere, as in '#1', it is punctuation), '&' is 'and'
       ('Q&A' -> 'q-and-a').
    4. Lowercase; every run of characters other than a-z and 0-9 becomes one
       hyphen, and hyphens at either end are trimmed ('GPT-4o: a Survey' ->
       'gpt-4o-a-survey'). Text with no such characters slugifies to ''.

    So 'k-means' and 'k-means++', or 'C' and 'C++', are different names.
    """
    if not text.isascii():  # ASCII is its own NFKD, with no marks: most titles skip this
        text = unicodedata.normalize("NFKD", text.translate(_LETTERS))
        text = "".join(c for c in text if not unicodedata.combining(c))
    if "+" in text or "#" in text or "&" in text:
        for sign, word in _SIGNS:
            text = sign.sub(word, text)
    return "-".join(_WORD.findall(text.lower()))


def suggest(
    word: str,
    candidates: Iterable[str] | Mapping[str, str],
    limit: int = 3,
    cutoff: float = 0.6,
) -> list[str]:
    """Up to ``limit`` candidate ids that look like ``word``, closest first.

    ``candidates`` is either the ids (or field names, or values) themselves, or a
    mapping of each spelling of a candidate (its id, slugified title or alias) to
    its id, so that 'self-attention' can suggest 'attention' (see
    ``KnowledgeGraph.spellings``). Case and punctuation are ignored: both sides
    are compared as slugs ('Linear_Algebra' looks like 'linear-algebra'). A word
    longer than MAX_ID_LENGTH gets no suggestions and costs nothing. ``cutoff`` is
    the least difflib ratio of the two slugs that counts as alike.
    """
    if len(word) > MAX_ID_LENGTH or limit < 1:
        return []
    pairs = candidates.items() if isinstance(candidates, Mapping) else ((c, c) for c in candidates)
    names: dict[str, str] = {}
    for spelling, node in pairs:
        names.setdefault(_slug(spelling), node)
    found: list[str] = []
    for name in difflib.get_close_matches(_slug(word), names, n=limit * 3, cutoff=cutoff):
        if names[name] not in found:
            found.append(names[name])
    return found[:limit]


def _slug(text: str) -> str:
    return slugify(text) or text


def did_you_mean(options: list[str]) -> str | None:
    """'did you mean 'a' or 'b'?' for a short list of options, None for none."""
    if not options:
        return None
    quoted = [f"'{o}'" for o in options]
    joined = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"did you mean {joined}?"
