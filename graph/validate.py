"""Whole-graph checks: unique ids, known references, no cycles, consistent paths.

Every check runs and every problem is collected, so that one ``syllabus
check`` shows a maintainer all there is to fix. Warnings (edges already
implied, concepts nothing uses) never stop a load; errors do.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise

import networkx as nx

from graph.diagnostics import Diagnostic, Location, Note, Severity, error
from graph.nodes import Concept, LearningPath, Paper, concept_node, paper_node, path_node
from graph.records import Entry
from graph.suggest import did_you_mean, slugify, suggest_ids
from graph.taxonomy import EdgeKind

CONCEPT, PAPER, PATH = "concept", "paper", "path"


@dataclass(frozen=True)
class Site:
    """Where a reference is written: item ``item`` of list ``field`` in an entry."""

    entry: Entry
    field: str
    item: int

    def location(self) -> Location:
        return self.entry.source.location(self.entry.index, (self.field, self.item))


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: EdgeKind
    site: Site


@dataclass(frozen=True)
class _Ref:
    """How one list field of a record refers to other ids."""

    field: str
    targets: tuple[str, ...]  # the kinds of node it may name
    edge: EdgeKind | None  # the edge it makes, if any
    outgoing: bool = False  # True: record -> target (teaches); False: target -> record


_REFS: dict[str, tuple[_Ref, ...]] = {
    CONCEPT: (
        _Ref("requires", (CONCEPT,), EdgeKind.REQUIRES),
        _Ref("recommends", (CONCEPT,), EdgeKind.RECOMMENDS),
        _Ref("papers", (PAPER,), EdgeKind.TEACHES),
    ),
    PAPER: (
        _Ref("teaches", (CONCEPT,), EdgeKind.TEACHES, outgoing=True),
        _Ref("requires", (CONCEPT, PAPER), EdgeKind.REQUIRES),
    ),
    PATH: (
        _Ref("steps", (CONCEPT, PAPER), None),
        _Ref("assumes", (CONCEPT, PAPER), None),
    ),
}

_WRONG_KIND_HINT = {
    (CONCEPT, "requires", PAPER): "a concept requires concepts; list a paper that teaches "
    "this concept under papers instead",
    (CONCEPT, "recommends", PAPER): "a concept recommends concepts, not papers",
    (CONCEPT, "papers", CONCEPT): "papers lists papers that teach this concept; "
    "put prerequisite concepts under requires",
    (PAPER, "teaches", PAPER): "teaches lists concepts; put prerequisite papers under requires",
}


@dataclass
class Parts:
    """The validated pieces of a graph, before it is frozen into a KnowledgeGraph."""

    concepts: dict[str, Concept]
    papers: dict[str, Paper]
    paths: dict[str, LearningPath]
    digraph: nx.DiGraph
    diagnostics: list[Diagnostic] = field(default_factory=list)


def check_graph(
    concepts: list[Entry],
    papers: list[Entry],
    paths: list[Entry],
    *,
    references: bool = True,
    unusable: frozenset[str] | set[str] = frozenset(),
) -> Parts:
    """Run every whole-graph check and build the graph's parts.

    With ``references=False`` (a file failed to parse, so ids may be missing)
    only the checks that need no complete id list run. References to the
    ``unusable`` ids (records that failed validation) are skipped, not errors.
    """
    entries = {CONCEPT: concepts, PAPER: papers, PATH: paths}
    unique, problems = _unique_ids(entries)
    if not references:
        return Parts({}, {}, {}, nx.DiGraph(), problems)
    edges, ref_problems = _references(unique, unusable)
    problems += ref_problems
    digraph = _digraph(unique, edges)
    requires = _requires_preds(edges)
    try:
        order = {node: rank for rank, node in enumerate(nx.topological_sort(digraph))}
    except nx.NetworkXUnfeasible:
        problems += _cycles(digraph, edges)
    else:  # redundancy is only defined on a DAG
        problems += _implied_edges(requires, order)
    problems += _path_order(unique[PATH], requires)
    problems += _dead_ends(unique[CONCEPT], unique[PATH], edges)
    return Parts(*_nodes(unique, edges), digraph, problems)


def _unique_ids(
    entries: dict[str, list[Entry]],
) -> tuple[dict[str, dict[str, Entry]], list[Diagnostic]]:
    """Keep the first record of each id; a later record with the same id is an error."""
    first: dict[str, tuple[str, Entry]] = {}
    unique: dict[str, dict[str, Entry]] = {kind: {} for kind in entries}
    problems: list[Diagnostic] = []
    for kind, kind_entries in entries.items():
        for entry in kind_entries:
            rid = entry.record.id
            if rid in first:
                other_kind, other = first[rid]
                where = other.source.location(other.index, ("id",)).render()
                problems.append(
                    error(
                        entry.source.location(entry.index, ("id",)),
                        "duplicate-id",
                        f"id {rid!r} is already used by the {other_kind} at {where}",
                        "ids are unique across concepts, papers and paths; rename one",
                    )
                )
                continue
            first[rid] = (kind, entry)
            unique[kind][rid] = entry
    return unique, problems


def _references(
    unique: dict[str, dict[str, Entry]], unusable: frozenset[str] | set[str]
) -> tuple[list[Edge], list[Diagnostic]]:
    """Check every id a record names, and turn the valid references into edges."""
    kind_of = {rid: kind for kind in (CONCEPT, PAPER) for rid in unique[kind]}
    kind_of.update({rid: PATH for rid in unique[PATH]})
    names: dict[str, dict[str, str]] = {CONCEPT: {}, PAPER: {}}
    for kind in names:
        for rid, entry in unique[kind].items():
            for title in (entry.record.title, *entry.record.aliases):
                names[kind].setdefault(slugify(title), rid)
            names[kind][rid] = rid
    edges: list[Edge] = []
    problems: list[Diagnostic] = []
    for kind, kind_entries in unique.items():
        for rid, entry in kind_entries.items():
            for ref in _REFS[kind]:
                for item, target in enumerate(getattr(entry.record, ref.field)):
                    if target in unusable and target not in kind_of:
                        continue  # its own record's error is reported already
                    site = Site(entry, ref.field, item)
                    problem = _reference_problem(kind, rid, ref, target, kind_of, names)
                    if problem is not None:
                        message, hint = problem
                        problems.append(error(site.location(), "unknown-id", message, hint))
                    elif ref.edge is not None:
                        src, dst = (rid, target) if ref.outgoing else (target, rid)
                        edges.append(Edge(src, dst, ref.edge, site))
    return edges, problems


def _reference_problem(
    kind: str,
    rid: str,
    ref: _Ref,
    target: str,
    kind_of: dict[str, str],
    names: dict[str, dict[str, str]],
) -> tuple[str, str | None] | None:
    if target == rid:
        return f"{rid!r} lists itself under {ref.field}", f"remove {target!r} from {ref.field}"
    target_kind = kind_of.get(target)
    if target_kind in ref.targets:
        return None
    wanted = " or ".join(ref.targets)
    if target_kind is not None:
        hint = _WRONG_KIND_HINT.get((kind, ref.field, target_kind))
        return f"{ref.field} names the {target_kind} {target!r}, but takes {wanted} ids", hint
    pool = {name: i for k in ref.targets for name, i in names.get(k, {}).items()}
    hint = did_you_mean(suggest_ids(target, pool)) or f"no {wanted} has a similar id"
    return f"{ref.field} names unknown {wanted} {target!r}", hint


def _digraph(unique: dict[str, dict[str, Entry]], edges: list[Edge]) -> nx.DiGraph:
    digraph = nx.DiGraph()
    digraph.add_nodes_from(unique[CONCEPT], kind=CONCEPT)
    digraph.add_nodes_from(unique[PAPER], kind=PAPER)
    digraph.add_edges_from(
        (e.source, e.target, {"kind": str(e.kind)})
        for e in edges
        if not digraph.has_edge(e.source, e.target)  # teaches may be stated on both sides
    )
    return digraph


def _cycles(digraph: nx.DiGraph, edges: list[Edge]) -> list[Diagnostic]:
    """One error per strongly connected tangle, naming its shortest cycle edge by edge."""
    sites = {}
    for edge in edges:
        sites.setdefault((edge.source, edge.target), edge)
    problems = []
    for component in nx.strongly_connected_components(digraph):
        if len(component) < 2:
            continue
        cycle = _shortest_cycle(digraph.subgraph(component), min(component))
        cycle_edges = [sites[(a, b)] for a, b in pairwise(cycle)]
        notes = tuple(Note(e.site.location(), _edge_words(e)) for e in cycle_edges)
        problems.append(
            error(
                notes[-1].location,
                "cycle",
                "prerequisite cycle " + " -> ".join(cycle),
                "arrows point from a prerequisite to what needs it; "
                "remove one of the entries listed below to break the cycle",
                notes,
            )
        )
    return problems


def _shortest_cycle(component: nx.DiGraph, start: str) -> list[str]:
    """The shortest cycle through ``start``, as [start, ..., start]; deterministic."""
    paths = nx.single_source_shortest_path(component, start)
    back = min(
        (p for p in component.predecessors(start) if p in paths),
        key=lambda p: (len(paths[p]), p),
    )
    return [*paths[back], start]


def _edge_words(edge: Edge) -> str:
    if edge.kind is EdgeKind.TEACHES:
        return f"{edge.source} teaches {edge.target}"
    return f"{edge.target} {edge.kind} {edge.source}"


def _requires_preds(edges: list[Edge]) -> dict[str, list[Edge]]:
    """For each node, its ``requires`` edges (prerequisite -> node)."""
    preds: dict[str, list[Edge]] = defaultdict(list)
    for edge in edges:
        if edge.kind is EdgeKind.REQUIRES:
            preds[edge.target].append(edge)
    return preds


def _implied_edges(requires: dict[str, list[Edge]], order: dict[str, int]) -> list[Diagnostic]:
    """Warn about each requires entry that another prerequisite already implies.

    For a node with several prerequisites, walk up from all of them at once;
    a prerequisite reached from another one is redundant. The walk never
    goes above the earliest prerequisite in topological order, which keeps
    it local in graphs of any size.
    """
    problems = []
    for node, pred_edges in requires.items():
        if len(pred_edges) < 2:
            continue
        direct = {e.source: e for e in pred_edges}
        floor = min(order[p] for p in direct)
        reached_from: dict[str, str] = {}
        stack = list(direct)
        while stack:
            current = stack.pop()
            for edge in requires.get(current, ()):
                above = edge.source
                if order[above] < floor or above in reached_from:
                    continue
                reached_from[above] = current
                stack.append(above)
        for pred, edge in direct.items():
            if pred in reached_from:
                chain = [pred, *_walk_down(pred, reached_from, direct), node]
                problems.append(
                    Diagnostic(
                        Severity.WARNING,
                        "implied-edge",
                        edge.site.location(),
                        f"{node!r} requires {pred!r}, which it already needs through "
                        + " -> ".join(chain),
                        f"remove {pred!r} from requires",
                    )
                )
    return problems


def _walk_down(start: str, reached_from: dict[str, str], direct: dict[str, Edge]) -> Iterator[str]:
    """From a redundant prerequisite down to the direct prerequisite that implies it."""
    current = reached_from[start]
    while True:
        yield current
        if current in direct:
            return
        current = reached_from[current]


def _ancestors(start: tuple[str, ...], requires: dict[str, list[Edge]]) -> set[str]:
    seen = set(start)
    stack = list(start)
    while stack:
        for edge in requires.get(stack.pop(), ()):
            if edge.source not in seen:
                seen.add(edge.source)
                stack.append(edge.source)
    return seen


def _path_order(paths: dict[str, Entry], requires: dict[str, list[Edge]]) -> list[Diagnostic]:
    """Every prerequisite of a step must be an earlier step, or assumed known."""
    problems = []
    for pid, entry in paths.items():
        record = entry.record
        position = {step: i for i, step in enumerate(record.steps)}
        assumed = _ancestors(tuple(record.assumes), requires)
        missing: set[str] = set()  # each gap is reported once, at its first step
        for i, step in enumerate(record.steps):
            for edge in requires.get(step, ()):
                needed = edge.source
                at = position.get(needed)
                where = entry.source.location(entry.index, ("steps", i))
                if at is not None and at > i:
                    problems.append(
                        error(
                            where,
                            "path-order",
                            f"path {pid!r}: step {i + 1} {step!r} comes before its "
                            f"prerequisite {needed!r} (step {at + 1})",
                            f"move {needed!r} above {step!r}",
                        )
                    )
                elif at is None and needed not in assumed and needed not in missing:
                    missing.add(needed)
                    problems.append(
                        error(
                            where,
                            "path-gap",
                            f"path {pid!r}: step {i + 1} {step!r} requires {needed!r}, "
                            "which is neither an earlier step nor assumed",
                            f"add {needed!r} to the steps before {step!r}, or to assumes",
                        )
                    )
    return problems


def _dead_ends(
    concepts: dict[str, Entry], paths: dict[str, Entry], edges: list[Edge]
) -> list[Diagnostic]:
    """Warn about concepts that nothing builds on and no curated path uses."""
    used = {e.source for e in edges if e.kind is not EdgeKind.TEACHES}
    for entry in paths.values():
        used.update(entry.record.steps, entry.record.assumes)
    return [
        Diagnostic(
            Severity.WARNING,
            "dead-end",
            entry.source.location(entry.index),
            f"nothing requires concept {cid!r} and no curated path uses it",
            "make a concept require it, or add it to a path in paths.yaml",
        )
        for cid, entry in concepts.items()
        if cid not in used
    ]


def _nodes(
    unique: dict[str, dict[str, Entry]], edges: list[Edge]
) -> tuple[dict[str, Concept], dict[str, Paper], dict[str, LearningPath]]:
    """The plain records, with the teaches relation merged from both sides.

    A concept lists its own papers first, then papers that name it; a paper
    lists its own concepts first, then concepts that name it.
    """
    papers_of: dict[str, dict[str, None]] = defaultdict(dict)
    taught_by: dict[str, dict[str, None]] = defaultdict(dict)
    for edge in edges:
        if edge.kind is EdgeKind.TEACHES:
            papers_of[edge.target][edge.source] = None
            taught_by[edge.source][edge.target] = None
    concepts = {
        cid: concept_node(e.record, tuple(papers_of[cid])) for cid, e in unique[CONCEPT].items()
    }
    papers = {
        pid: paper_node(e.record, tuple(dict.fromkeys([*e.record.teaches, *taught_by[pid]])))
        for pid, e in unique[PAPER].items()
    }
    paths = {pid: path_node(e.record) for pid, e in unique[PATH].items()}
    return concepts, papers, paths
