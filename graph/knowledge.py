"""The loaded knowledge graph: validated records plus one networkx DiGraph.

Built once per process and read-only afterwards. Every edge of ``digraph``
points from a prerequisite to what needs it, and carries its ``kind``
(requires, recommends or teaches); every node carries its ``kind``
(concept or paper).
"""

from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import networkx as nx

from graph.diagnostics import Diagnostic
from graph.nodes import Concept, LearningPath, Paper
from graph.suggest import slugify
from graph.taxonomy import Category, EdgeKind, Phase, ReadingAdvice, ReadingDepth


class GraphSummary(NamedTuple):
    """The counts ``syllabus check`` prints."""

    concepts: int
    papers: int
    paths: int
    edges: int
    edges_by_kind: dict[str, int]
    categories: int
    concept_minutes: int
    paper_minutes: int
    minutes_by_category: dict[str, int]
    path_minutes: dict[str, int]


@dataclass(frozen=True, eq=False)
class KnowledgeGraph:
    data_dir: Path
    content_hash: str
    concepts: dict[str, Concept]
    papers: dict[str, Paper]
    paths: dict[str, LearningPath]
    digraph: nx.DiGraph
    names: dict[str, tuple[str, ...]]
    warnings: tuple[Diagnostic, ...] = ()

    def lookup(self, name: str) -> tuple[str, ...]:
        """Ids whose id, title or alias is ``name``, ignoring case and punctuation.

        Concepts come before papers: ``lookup("LoRA")`` -> ("low-rank-adaptation", "lora").
        """
        return self.names.get(slugify(name), ())

    @cached_property
    def curated_order(self) -> dict[str, int]:
        """Each id's first place across the curated paths, in the order paths.yaml lists them."""
        order: dict[str, int] = {}
        for path in self.paths.values():
            for node in path.ids:
                order.setdefault(node, len(order))
        return order

    @cached_property
    def study_order(self) -> dict[str, int]:
        """Every node's place in the default study order, the tie-break when order is free.

        The curated paths' order first; then category (concepts) or reading phase
        (papers), in the taxonomy's order; then id.
        """
        groups = {group: i for i, group in enumerate([*Category, *Phase])}
        unranked = len(self.curated_order)

        def key(node: str) -> tuple[int, int, str]:
            concept = self.concepts.get(node)
            group = groups[concept.category] if concept else groups[self.papers[node].phase]
            return self.curated_order.get(node, unranked), group, node

        nodes = sorted([*self.concepts, *self.papers], key=key)
        return {node: i for i, node in enumerate(nodes)}

    @cached_property
    def reading_order(self) -> dict[str, int]:
        """Each paper's place in one fixed order that puts what a paper needs before it.

        The lexicographic topological order of the whole graph, so a paper comes after
        the papers it requires and after those that teach what it requires.
        """
        order = nx.lexicographical_topological_sort(self.digraph)
        return {node: i for i, node in enumerate(n for n in order if n in self.papers)}

    def prerequisites(self, node_id: str, recommended: bool = False) -> tuple[str, ...]:
        """What a concept or paper requires, and what it recommends when asked for."""
        concept = self.concepts.get(node_id)
        if concept is None:
            return self.papers[node_id].requires
        return concept.requires + concept.recommends if recommended else concept.requires

    def title_of(self, node_id: str) -> str:
        """The title of a concept or a paper."""
        concept = self.concepts.get(node_id)
        return concept.title if concept is not None else self.papers[node_id].title

    def minutes_of(self, node_id: str) -> int:
        """Study time of a concept, or of a paper read at its recommended depth (0 if skipped)."""
        if node_id in self.concepts:
            return self.concepts[node_id].minutes
        paper = self.papers[node_id]
        if paper.depth is ReadingAdvice.SKIP_INITIALLY:
            return 0
        return paper.minutes[ReadingDepth(paper.depth)]

    def path_minutes(self, path_id: str) -> int:
        """A curated path's total as its source counts it: a step's stated time, else its ids'."""
        return sum(
            step.minutes if step.minutes is not None else sum(map(self.minutes_of, step.covers))
            for step in self.paths[path_id].steps
        )

    def summary(self) -> GraphSummary:
        by_kind = {str(kind): 0 for kind in EdgeKind}
        for _, _, kind in self.digraph.edges(data="kind"):
            by_kind[kind] += 1
        return GraphSummary(
            concepts=len(self.concepts),
            papers=len(self.papers),
            paths=len(self.paths),
            edges=self.digraph.number_of_edges(),
            edges_by_kind=by_kind,
            categories=len({c.category for c in self.concepts.values()}),
            concept_minutes=sum(c.minutes for c in self.concepts.values()),
            paper_minutes=sum(map(self.minutes_of, self.papers)),
            minutes_by_category=self._category_minutes(),
            path_minutes={pid: self.path_minutes(pid) for pid in self.paths},
        )

    def _category_minutes(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for concept in self.concepts.values():
            totals[str(concept.category)] += concept.minutes
        return dict(sorted(totals.items()))
