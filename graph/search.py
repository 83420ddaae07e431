"""Find concepts and papers by what a learner types: the ranking behind every search box.

``search`` ranks in five tiers, and a node keeps the place of the first tier that
finds it (no node is listed twice):

1. **Exact**: an id, title or alias that is the query, ignoring case and
   punctuation (``KnowledgeGraph.lookup``), concepts before papers. ``match`` is
   "id" when the query is the id exactly, else "name".
2. **Named for it**: titles and aliases that contain the query (ignoring case),
   best first: a name that starts with it, then one with it at the start of a
   word, then the shortest such name; ties in id order, concepts before papers.
   ``match`` "text".
3. **Near spellings**: up to ``limit`` nodes whose id, title or alias looks like
   the query (``graph.suggest.suggest``). ``match`` "similar".
4. **Summaries**: concepts whose summary contains the query, in id order. "text".
5. **Authors**: papers whose first author contains the query, in id order. "text".

So what is named for the query outranks a near spelling of some other name, and a
near spelling outranks a passing mention in a summary.
"""

import re
from operator import attrgetter
from typing import Literal, NamedTuple

from graph.knowledge import KnowledgeGraph
from graph.nodes import Concept, Paper
from graph.suggest import suggest

HitKind = Literal["concept", "paper"]
Match = Literal["id", "name", "text", "similar"]


class Hit(NamedTuple):
    """One search result: which node, and how it matched the query."""

    id: str
    kind: HitKind
    title: str
    match: Match


def search(graph: KnowledgeGraph, q: str, limit: int) -> list[Hit]:
    """Up to ``limit`` concepts and papers for the query ``q``, best first (see the module)."""
    by_id = attrgetter("id")
    concepts = sorted(graph.concepts.values(), key=by_id)
    papers = sorted(graph.papers.values(), key=by_id)
    hits: dict[str, Hit] = {}
    for node in graph.lookup(q):
        hits[node] = _hit(graph, node, "id" if node == q else "name")
    records: list[Concept | Paper] = [*concepts, *papers]
    named = [r for r in records if matches(q, r.title, *r.aliases)]
    for record in sorted(named, key=lambda r: _name_rank(q, r.title, *r.aliases)):
        hits.setdefault(record.id, _hit(graph, record.id, "text"))
    # A shared spelling goes to its first owner, the concept (graph.names' order).
    spellings = {name: ids[0] for name, ids in graph.names.items()}
    for node in suggest(q, spellings, limit):
        hits.setdefault(node, _hit(graph, node, "similar"))
    for concept in concepts:
        if matches(q, concept.summary):
            hits.setdefault(concept.id, _hit(graph, concept.id, "text"))
    for paper in papers:
        if matches(q, paper.first_author):
            hits.setdefault(paper.id, _hit(graph, paper.id, "text"))
    return list(hits.values())[:limit]


def matches(q: str, *texts: str) -> bool:
    """Whether any of ``texts`` contains ``q``, ignoring case."""
    needle = q.casefold()
    return any(needle in t.casefold() for t in texts)


def _name_rank(q: str, *names: str) -> tuple[bool, bool, int]:
    """How well ``names`` match ``q`` (smaller is better), for names that contain it."""
    needle = q.casefold()
    found = [n.casefold() for n in names if needle in n.casefold()]
    word = re.compile(rf"(?<!\w){re.escape(needle)}")
    return (
        not any(n.startswith(needle) for n in found),
        not any(word.search(n) for n in found),
        min(map(len, found)),
    )


def _hit(graph: KnowledgeGraph, node: str, match: Match) -> Hit:
    if node in graph.concepts:
        return Hit(node, "concept", graph.concepts[node].title, match)
    return Hit(node, "paper", graph.papers[node].title, match)
