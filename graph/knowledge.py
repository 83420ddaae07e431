"""The loaded knowledge graph: validated records plus one networkx DiGraph.

Built once per process and read-only afterwards. Every edge of ``digraph``
points from a prerequisite to what needs it, and carries its ``kind``
(requires, recommends or teaches); every node carries its ``kind``
(concept or paper).
"""

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

import networkx as nx

from graph.diagnostics import Diagnostic
from graph.nodes import Concept, LearningPath, Paper
from graph.settings import GraphSettings
from graph.suggest import slugify
from graph.taxonomy import Category, EdgeKind, Phase, ReadingAdvice, ReadingDepth, StudyDepth

if TYPE_CHECKING:
    from graph.search import IndexEntry


class GraphSummary(NamedTuple):
    """The counts ``syllabus check`` prints."""

    concepts: int
    papers: int
    paths: int
    edges: int
    edges_by_kind: dict[str, int]
    categories: int
    concept_minutes: dict[str, int]  # every concept at each study depth
    paper_minutes: int  # every paper at the depth it calls for
    minutes_by_category: dict[str, int]  # at study depth
    path_source_minutes: dict[str, int | None]


NodeKind = Literal["concept", "paper", "preset"]
"""What ``KnowledgeGraph.spellings`` can spell: concepts, papers, curated paths."""


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
    settings: GraphSettings = field(default_factory=GraphSettings)

    @cached_property
    def namespace(self) -> uuid.UUID:
        """The UUID every export id of this graph is named under (see graph.settings)."""
        return self.settings.namespace_uuid([*self.concepts, *self.papers])

    @property
    def title(self) -> str:
        """The graph's name as a framework: graph.yaml's title, or 'Syllabus'."""
        return self.settings.framework_title()

    def lookup(self, name: str) -> tuple[str, ...]:
        """Ids whose id, title or alias is ``name``, ignoring case and punctuation.

        Concepts come before papers: ``lookup("LoRA")`` -> ("low-rank-adaptation", "lora").
        """
        return self.names.get(slugify(name), ())

    def spellings(self, *kinds: NodeKind) -> dict[str, str]:
        """Every spelling of the nodes of ``kinds`` mapped to its id, for ``suggest``.

        A spelling is an id, a slugified title or a slugified alias. Each id spells
        itself (the 'lora' paper is not lost to the LoRA concept's alias); a title or
        alias two kinds share goes to the kind named first. Default kinds: concept, paper.
        """
        pools: dict[str, Mapping[str, Concept | Paper | LearningPath]] = {
            "concept": self.concepts,
            "paper": self.papers,
            "preset": self.paths,
        }
        chosen = [pools[kind] for kind in kinds or ("concept", "paper")]
        spelled = {node: node for pool in chosen for node in pool}
        for pool in chosen:
            for record in pool.values():
                for name in (record.title, *getattr(record, "aliases", ())):  # paths have none
                    spelled.setdefault(slugify(name), record.id)
        return spelled

    @cached_property
    def search_index(self) -> tuple["IndexEntry", ...]:
        """Every node's names and summary as search compares them, stemmed once."""
        from graph.search import build_index  # search reads the graph: import it when used

        return build_index(self)

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
    def topological_order(self) -> dict[str, int]:
        """Every node's place in one fixed order that puts prerequisites first.

        A topological order of the whole graph, ties broken by the study order (the curated
        paths' order first): a concept after what it requires, a paper after the papers it
        requires and those that teach what it needs.
        """
        order = nx.lexicographical_topological_sort(self.digraph, key=self.study_order.__getitem__)
        return {node: i for i, node in enumerate(order)}

    @cached_property
    def reading_order(self) -> dict[str, int]:
        """Each paper's place in the topological order, counting papers only."""
        papers = (n for n in self.topological_order if n in self.papers)  # in that order
        return {node: i for i, node in enumerate(papers)}

    @cached_property
    def shared_resources(self) -> frozenset[tuple[str, int]]:
        """Resources (address, minutes) that more than one concept assigns: the pieces a
        plan may assign twice, and so counts once."""
        owners: dict[tuple[str, int], set[str]] = {}
        for concept in self.concepts.values():
            for resource in concept.resources:
                owners.setdefault((resource.url, resource.minutes), set()).add(concept.id)
        return frozenset(key for key, ids in owners.items() if len(ids) > 1)

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

    def path_source_minutes(self, path_id: str) -> int | None:
        """The total of the times a curated path's source states for its steps; None when
        it states none (a source may state only a total: ``stated_minutes``)."""
        stated = [s.minutes for s in self.paths[path_id].steps if s.minutes is not None]
        return sum(stated) if stated else None

    def summary(self) -> GraphSummary:
        by_kind = {str(kind): 0 for kind in EdgeKind}
        kind: str  # every edge has a kind (graph.validate); edges() cannot know its type
        for _, _, kind in self.digraph.edges(data="kind"):
            by_kind[kind] += 1
        return GraphSummary(
            concepts=len(self.concepts),
            papers=len(self.papers),
            paths=len(self.paths),
            edges=self.digraph.number_of_edges(),
            edges_by_kind=by_kind,
            categories=len({c.category for c in self.concepts.values()}),
            concept_minutes={
                str(depth): sum(c.depths[depth].minutes for c in self.concepts.values())
                for depth in StudyDepth
                if all(depth in c.depths for c in self.concepts.values())
            },
            paper_minutes=sum(
                p.minutes[ReadingDepth(p.depth)]
                for p in self.papers.values()
                if p.depth is not ReadingAdvice.SKIP_INITIALLY
            ),
            minutes_by_category=self._category_minutes(),
            path_source_minutes={pid: self.path_source_minutes(pid) for pid in self.paths},
        )

    def _category_minutes(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for concept in self.concepts.values():
            totals[str(concept.category)] += concept.minutes
        return dict(sorted(totals.items()))
