"""Words as search compares them: accents folded, lower case, each cut to its English stem.

A learner types "transformers" for the Transformer, "normalizing" for normalisation's
"normalize"; comparing stems (Snowball's English stemmer, the Porter2 algorithm) makes
plurals and word forms meet without a hand-kept list of endings.

    stems("Scaling Laws for Neural Language Models")  # ('scale', 'law', 'for', 'neural', ...)
"""

import re
import unicodedata

import snowballstemmer

_WORD = re.compile(r"[a-z0-9]+")
# The graph writes British -ise/-isation and learners often type American -ize/-ization;
# Porter2 leaves the two apart ("normalis" against "normal"), so -is- becomes -iz- first.
_BRITISH = re.compile(r"(?<=\w{3})is(?=(?:e|es|ed|ing|er|ers|ation|ations)$)")


def words(text: str) -> list[str]:
    """The words of ``text``: runs of letters and digits, lower case, accents folded."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return _WORD.findall(text.lower())


def stems(text: str) -> tuple[str, ...]:
    """The stems of ``text``'s words, in order: stems('Transformers') -> ('transform',)."""
    return stem_all([text])[0]


def _stem(stemmer: snowballstemmer.stemmer, word: str) -> str:
    word = _BRITISH.sub("iz", word)
    stem: str = stemmer.stemWord(word)
    # Porter2 keeps the s of a plural with no vowel before it ("LLMs", "GPUs", "SAEs"):
    # a short plural of an acronym loses it, so that "LLMs" finds "LLM".
    if stem == word and 3 < len(word) <= 6 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return stem


def stem_all(texts: list[str]) -> list[tuple[str, ...]]:
    """``stems`` of many texts, stemming each distinct word once.

    An index of the graph's summaries has about 20,000 words but a few thousand
    distinct ones; one stemmer and one table make building it a fifth of the work.
    """
    stemmer = snowballstemmer.stemmer("english")
    split = [words(t) for t in texts]
    distinct = sorted({w for ws in split for w in ws})
    table = {w: _stem(stemmer, w) for w in distinct}
    return [tuple(table[w] for w in ws) for ws in split]
