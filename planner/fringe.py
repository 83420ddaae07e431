"""What can I learn next? Concepts whose prerequisites are all known, by what they unlock."""

from dataclasses import dataclass

import networkx as nx

from graph import KnowledgeGraph
from graph.taxonomy import EdgeKind
from planner.items import known_closure
from planner.order import rank_function


@dataclass(frozen=True)
class NextConcept:
    id: str
    title: str
    minutes: int
    unlocks: int  # concepts that build on it, transitively, and are not known yet


def fringe(
    graph: KnowledgeGraph, known: list[str], *, implies: bool = True, limit: int = 20
) -> list[NextConcept]:
    """Unknown concepts all of whose hard prerequisites are known, most unlocking first."""
    known_set = known_closure(graph, known, implies)
    requires = nx.subgraph_view(
        graph.digraph, filter_edge=lambda u, v: graph.digraph[u][v]["kind"] == EdgeKind.REQUIRES
    )
    rank = rank_function(graph)
    ready = [
        cid
        for cid in graph.concepts
        if cid not in known_set and all(p in known_set for p in requires.predecessors(cid))
    ]
    unlocks = {
        cid: sum(
            1 for d in nx.descendants(requires, cid) if d in graph.concepts and d not in known_set
        )
        for cid in ready
    }
    ready.sort(key=lambda cid: (-unlocks[cid], rank(cid)))
    return [
        NextConcept(cid, graph.concepts[cid].title, graph.concepts[cid].minutes, unlocks[cid])
        for cid in ready[:limit]
    ]
