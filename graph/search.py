"""Find concepts and papers by what a learner types: the ranking behind every search box.

Words are compared by their stems (``graph.words``), so "transformers" finds the
Transformer and "optimizers" finds optimisers. ``search`` ranks in four tiers, and a
node keeps the place of the first tier that finds it (no node is listed twice):

1. **Exact**: an id, title or alias that is the query, ignoring case and
   punctuation (``KnowledgeGraph.lookup``), concepts before papers. ``match`` is
   "id" when the query is the id exactly, else "name".
2. **Named for it**: titles and aliases that contain the query as typed from the
   start of a word (anywhere, for a query of ``MIN_INSIDE_LENGTH`` characters or
   more: "norm" in "RMSNorm"), or every word of it as a word form (the last word may
   be a word's beginning, as a search box is typed), best first: a name that starts
   with it (after a leading article), then one with it at the start of a word, then
   the shortest such name; ties concepts before papers, then in id order. ``match``
   "text".
3. **Near spellings**, only when no name is the query or holds it (so the query is
   likely misspelt): up to ``limit`` nodes whose id, title or alias is at least
   ``SIMILARITY_FLOOR`` alike (``graph.suggest.suggest``), for a query of
   ``MIN_SIMILAR_LENGTH`` characters or more. ``match`` "similar".
4. **Mentions**: concepts whose summary holds every word of the query as a word
   form, those that mention it most first, then papers whose first author holds it
   (as names hold it); ties in id order. ``match`` "text".

So what is named for the query outranks a passing mention in a summary; a near
spelling stands in for a name only when none matched ("atention"), and a query no
name resembles gets none ("keras" is not offered "RAGAS").
"""

import re
from operator import attrgetter
from typing import TYPE_CHECKING, Literal, NamedTuple

from graph.nodes import Concept, Paper
from graph.suggest import suggest
from graph.words import stem_all, stems, words

if TYPE_CHECKING:  # KnowledgeGraph builds its index with build_index below
    from graph.knowledge import KnowledgeGraph

HitKind = Literal["concept", "paper"]
Match = Literal["id", "name", "text", "similar"]

SIMILARITY_FLOOR = 0.75
"""How alike (difflib's ratio of the slugs) a name must be to be offered as a near
spelling: "atention" for "attention" (0.94) and "rlfh" for "rlhf" (0.75) are; "keras"
for "ragas" (0.6) is not. Did-you-mean in error messages keeps its wider net."""

MIN_INSIDE_LENGTH = 4
"""A shorter query matches a name only from a word's start: "ai" is not in "training"."""

MIN_SIMILAR_LENGTH = 3
"""Shorter queries ("ai", "ml") look like too many names to suggest any."""


class Hit(NamedTuple):
    """One search result: which node, and how it matched the query."""

    id: str
    kind: HitKind
    title: str
    match: Match


_ARTICLE = re.compile(r"^(?:the|an?)\s+")


class _Query(NamedTuple):
    text: str  # casefolded, as typed
    stems: tuple[str, ...]
    last: str  # the last word as typed: a name word may start with it


def search(graph: "KnowledgeGraph", q: str, limit: int) -> list[Hit]:
    """Up to ``limit`` concepts and papers for the query ``q``, best first (see the module)."""
    query = _Query(q.casefold(), stems(q), (words(q) or [""])[-1])
    index = graph.search_index
    hits: dict[str, Hit] = {}
    for node in graph.lookup(q):
        hits[node] = _hit(graph, node, "id" if node == q else "name")
    ranked = []
    for entry in index:
        ranks = [r for n in entry.names if (r := _name_rank(query, n)) is not None]
        if ranks:
            ranked.append((min(ranks), entry.kind != "concept", entry.id))
    for *_, node in sorted(ranked):
        hits.setdefault(node, _hit(graph, node, "text"))
    if not hits and len(q.strip()) >= MIN_SIMILAR_LENGTH:  # likely a misspelling
        # A shared spelling goes to its first owner, the concept (graph.names' order).
        spellings = {name: ids[0] for name, ids in graph.names.items()}
        for node in suggest(q, spellings, limit, cutoff=SIMILARITY_FLOOR):
            hits.setdefault(node, _hit(graph, node, "similar"))
    if query.stems:
        mentions = [
            (-count, entry.id)
            for entry in index
            if (count := _mentions(query.stems, entry.summary))
        ]
        for _, node in sorted(mentions):
            hits.setdefault(node, _hit(graph, node, "text"))
    for entry in index:
        if entry.author and _contains(query.text, entry.author) is not None:
            hits.setdefault(entry.id, _hit(graph, entry.id, "text"))
    return list(hits.values())[:limit]


def matches(q: str, *texts: str) -> bool:
    """Whether any of ``texts`` contains ``q``, ignoring case."""
    needle = q.casefold()
    return any(needle in t.casefold() for t in texts)


class IndexEntry(NamedTuple):
    """What search reads of one node, its words stemmed once per graph."""

    id: str
    kind: HitKind
    names: tuple["Name", ...]
    summary: tuple[str, ...]  # a concept's summary, as stems; () for a paper
    author: str  # a paper's first author, casefolded; "" for a concept


class Name(NamedTuple):
    """A title or alias: casefolded, without a leading article; its words and their stems."""

    text: str
    words: tuple[str, ...]
    stems: tuple[str, ...]


def build_index(graph: "KnowledgeGraph") -> tuple[IndexEntry, ...]:
    """Every concept then every paper, in id order, ready for ``search``."""
    by_id = attrgetter("id")
    records: list[Concept | Paper] = [
        *sorted(graph.concepts.values(), key=by_id),
        *sorted(graph.papers.values(), key=by_id),
    ]
    names = [(r.title, *r.aliases) for r in records]
    summaries = [r.summary if isinstance(r, Concept) else "" for r in records]
    flat = [n for group in names for n in group]
    stemmed = iter(stem_all(flat + summaries))
    name_stems = [next(stemmed) for _ in flat]
    summary_stems = list(stemmed)
    entries = []
    position = 0
    for record, group, summary in zip(records, names, summary_stems, strict=True):
        named = []
        for text in group:
            bare = _ARTICLE.sub("", text.casefold())  # "The Transformer" starts with "transformer"
            named.append(Name(bare, tuple(words(text)), name_stems[position]))
            position += 1
        if isinstance(record, Concept):
            entries.append(IndexEntry(record.id, "concept", tuple(named), summary, ""))
        else:
            author = record.first_author.casefold()
            entries.append(IndexEntry(record.id, "paper", tuple(named), (), author))
    return tuple(entries)


def _name_rank(query: _Query, name: Name) -> tuple[bool, bool, int] | None:
    """How well ``name`` matches (smaller is better), or None if it does not."""
    at_word = _contains(query.text, name.text)
    if at_word is not None:
        return (not name.text.startswith(query.text), not at_word, len(name.text))
    if not query.stems or not _covers(query, name):
        return None
    return (name.stems[0] != query.stems[0], False, len(name.text))


def _contains(needle: str, text: str) -> bool | None:
    """None if ``text`` does not hold ``needle`` as search counts it; else whether it holds
    it from a word's start (a short needle counts only there)."""
    if not needle or needle not in text:
        return None
    if re.search(rf"(?<![^\W_]){re.escape(needle)}", text) is not None:
        return True
    return False if len(needle) >= MIN_INSIDE_LENGTH else None


def _covers(query: _Query, name: Name) -> bool:
    """Every query word is a name word's form, the last one perhaps a name word's start."""
    *whole, last = query.stems
    if not all(s in name.stems for s in whole):
        return False
    return last in name.stems or any(w.startswith(query.last) for w in name.words)


def _mentions(query: tuple[str, ...], summary: tuple[str, ...]) -> int:
    """How often the query's first stem occurs in ``summary``, if it holds them all."""
    if not summary or not all(s in summary for s in query):
        return 0
    return summary.count(query[0])


def _hit(graph: "KnowledgeGraph", node: str, match: Match) -> Hit:
    if node in graph.concepts:
        return Hit(node, "concept", graph.concepts[node].title, match)
    return Hit(node, "paper", graph.papers[node].title, match)
