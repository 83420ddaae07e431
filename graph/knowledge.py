"""The loaded knowledge graph: validated records plus one networkx DiGraph.

Built once per process and read-only afterwards. Every edge of ``digraph``
points from a prerequisite to what needs it, and carries its ``kind``
(requires, recommends or teaches); every node carries its ``kind``
(concept or paper).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import networkx as nx

from graph.diagnostics import Diagnostic
from graph.nodes import Concept, LearningPath, Paper
from graph.suggest import slugify
from graph.taxonomy import EdgeKind, ReadingAdvice, ReadingDepth


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
            paper_minutes=sum(
                p.minutes[ReadingDepth(p.depth)]
                for p in self.papers.values()
                if p.depth is not ReadingAdvice.SKIP_INITIALLY
            ),
        )
