"""Whole-graph checks: unique ids, known references, no cycles, consistent paths.

Every check runs and every problem is collected, so that one ``syllabus
check`` shows a maintainer all there is to fix. Warnings (edges already
implied, concepts nothing uses) never stop a load; errors do.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from graph.cycles import Tangle, tangles
from graph.diagnostics import Diagnostic, Location, Note, Severity, error
from graph.nodes import Concept, LearningPath, Paper, concept_node, paper_node, path_node
from graph.records import Entry
from graph.source import LocPath
from graph.suggest import did_you_mean, slugify, suggest
from graph.taxonomy import EdgeKind

CONCEPT, PAPER, PATH = "concept", "paper", "path"


@dataclass(frozen=True)
class Site:
    """Where a reference is written: the value at ``keys`` inside an entry."""

    entry: Entry
    keys: tuple[str | int, ...]

    def location(self) -> Location:
        return self.entry.source.location(self.entry.index, self.keys)


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
        _Ref("step path", (PATH,), None),
        _Ref("assumes", (CONCEPT, PAPER), None),
        _Ref("later", (CONCEPT, PAPER, PATH), None),
    ),
}

_WRONG_KIND_HINT = {
    (CONCEPT, "requires", PAPER): "a concept requires concepts; list a paper that teaches "
    "this concept under papers instead",
    (CONCEPT, "recommends", PAPER): "a concept recommends concepts, not papers",
    (CONCEPT, "papers", CONCEPT): "papers lists papers that teach this concept; "
    "put prerequisite concepts under requires",
    (PAPER, "teaches", PAPER): "teaches lists concepts; put prerequisite papers under requires",
    (PATH, "steps", PATH): "to hand over to another path, give the step a path: field",
}


def _mentions(kind: str, record: Any) -> Iterator[tuple[_Ref, tuple[str | int, ...], str]]:
    """Every id a record names: which reference field, where in the record, and the id."""
    for ref in _REFS[kind]:
        if kind == PATH and ref.field in ("steps", "step path"):
            continue
        for item, target in enumerate(getattr(record, ref.field)):
            yield ref, (ref.field, item), target
    if kind == PATH:
        yield from _step_mentions(record)


def _step_mentions(record: Any) -> Iterator[tuple[_Ref, tuple[str | int, ...], str]]:
    steps, step_path = _REFS[PATH][0], _REFS[PATH][1]
    for i, step in enumerate(record.steps):
        if isinstance(step, str):
            yield steps, ("steps", i), step
            continue
        for j, target in enumerate(step.covers):
            yield steps, ("steps", i, "covers", j), target
        if step.path is not None:
            yield step_path, ("steps", i, "path"), step.path


@dataclass
class Parts:
    """The validated pieces of a graph, before it is frozen into a KnowledgeGraph."""

    concepts: dict[str, Concept]
    papers: dict[str, Paper]
    paths: dict[str, LearningPath]
    digraph: nx.DiGraph
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)
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
        return Parts({}, {}, {}, nx.DiGraph(), diagnostics=problems)
    names, name_problems = _names(unique)
    problems += name_problems
    edges, ref_problems = _references(unique, names, unusable)
    problems += ref_problems
    digraph = _digraph(unique, edges)
    acyclic, acyclic_edges = digraph, edges
    try:
        order = {node: rank for rank, node in enumerate(nx.topological_sort(digraph))}
    except nx.NetworkXUnfeasible:
        found = tangles(digraph)
        problems += _cycles(found, edges)
        # Redundancy and order are only defined on a DAG: check them on the graph
        # without the edges inside a tangle, which is one (its tangles' nodes stay).
        acyclic, acyclic_edges = _untangled(digraph, edges, found)
        order = {node: rank for rank, node in enumerate(nx.topological_sort(acyclic))}
    requires = _requires_preds(acyclic_edges)
    problems += _implied_edges(requires, order)
    problems += _path_order(unique[PATH], requires, order)
    problems += _isolated(unique[CONCEPT], unique[PATH], edges)
    lookup: dict[str, tuple[str, ...]] = defaultdict(tuple)
    for kind in (CONCEPT, PAPER):
        for name, rid in names[kind].items():
            lookup[name] += (rid,)
    return Parts(*_nodes(unique, edges), digraph, dict(lookup), problems)


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
    unique: dict[str, dict[str, Entry]],
    names: dict[str, dict[str, str]],
    unusable: frozenset[str] | set[str],
) -> tuple[list[Edge], list[Diagnostic]]:
    """Check every id a record names, and turn the valid references into edges."""
    kind_of = {rid: kind for kind in (CONCEPT, PAPER) for rid in unique[kind]}
    kind_of.update({rid: PATH for rid in unique[PATH]})
    edges: list[Edge] = []
    problems: list[Diagnostic] = []
    for kind, kind_entries in unique.items():
        for rid, entry in kind_entries.items():
            for ref, keys, target in _mentions(kind, entry.record):
                if target in unusable and target not in kind_of:
                    continue  # its own record's error is reported already
                site = Site(entry, keys)
                problem = _reference_problem(kind, rid, ref, target, kind_of, names)
                if problem is not None:
                    message, hint = problem
                    problems.append(error(site.location(), "unknown-id", message, hint))
                elif ref.edge is not None:
                    src, dst = (rid, target) if ref.outgoing else (target, rid)
                    edges.append(Edge(src, dst, ref.edge, site))
    return edges, problems


def _names(
    unique: dict[str, dict[str, Entry]],
) -> tuple[dict[str, dict[str, str]], list[Diagnostic]]:
    """Each kind's spellings (ids, slugified titles and aliases) mapped to their id.

    Two nodes of one kind may not share a spelling: a learner who
    types it, or a maintainer who writes it, must reach one node. A concept
    and a paper may share one (the LoRA concept and the LoRA paper).
    """
    names: dict[str, dict[str, str]] = {CONCEPT: {}, PAPER: {}, PATH: {}}
    problems: list[Diagnostic] = []
    for kind, spelled in names.items():
        spelled.update((rid, rid) for rid in unique[kind])
        for rid, entry in unique[kind].items():
            titled: list[tuple[LocPath, str]] = [(("title",), entry.record.title)]
            aliases = getattr(entry.record, "aliases", ())  # paths have none
            titled += [(("aliases", i), alias) for i, alias in enumerate(aliases)]
            for keys, name in titled:
                slug = slugify(name)
                owner = spelled.setdefault(slug, rid)
                if owner != rid:
                    label = "title" if keys == ("title",) else "alias"
                    hint = _rename_hint(label, name, rid, spelled)
                    problems.append(
                        error(
                            entry.source.location(entry.index, keys),
                            "shared-name",
                            f"{kind} {rid!r}: {label} {name!r} is also a name of {kind} {owner!r}",
                            f"both read {slug!r} (graph.suggest.slugify) and each name must "
                            f"lead to one node; {hint}",
                        )
                    )
    return names, problems


def _rename_hint(label: str, name: str, rid: str, spelled: dict[str, str]) -> str:
    """How to make a clashing title or alias distinct: a rewording whose slug is still free."""
    tried = [f"{name} ({rid})", *(f"{name} ({n})" for n in range(2, 100))]
    free = next((t for t in tried if slugify(t) not in spelled), None)
    if label == "alias":
        return "drop the alias" + (f", or reword it, e.g. to {free!r}" if free else "")
    return f"retitle it, e.g. to {free!r}, or retitle the other" if free else "retitle one"


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
    hint = did_you_mean(suggest(target, pool)) or f"no {wanted} has a similar id"
    return f"{ref.field} names unknown {wanted} {target!r}", hint


def _digraph(unique: dict[str, dict[str, Entry]], edges: list[Edge]) -> nx.DiGraph:
    digraph: nx.DiGraph[str] = nx.DiGraph()
    digraph.add_nodes_from(unique[CONCEPT], kind=CONCEPT)
    digraph.add_nodes_from(unique[PAPER], kind=PAPER)
    digraph.add_edges_from(
        (e.source, e.target, {"kind": str(e.kind)})
        for e in edges
        if not digraph.has_edge(e.source, e.target)  # teaches may be stated on both sides
    )
    return digraph


MEMBERS_SHOWN = 200
"""How many members of a tangle its message lists; the count is always given."""
CYCLE_SHOWN = 12
"""How many nodes of an example cycle a message spells out."""


def _cycles(found: list[Tangle], edges: list[Edge]) -> list[Diagnostic]:
    """One error per tangle (strongly connected component): its size, its members, a few
    cycles through it, and one note per entry to delete so that no cycle is left."""
    sites: dict[tuple[str, str], list[Edge]] = defaultdict(list)
    for edge in edges:
        sites[(edge.source, edge.target)].append(edge)
    problems = []
    for tangle in found:
        cut = [e for pair in tangle.break_set for e in sites[pair]]
        notes = sorted(
            (Note(e.site.location(), _removal_words(e)) for e in cut),
            key=lambda n: (str(n.location.file), n.location.line or 0, n.message),
        )
        size = len(tangle.members)
        members = ", ".join(tangle.members[:MEMBERS_SHOWN])
        if size > MEMBERS_SHOWN:
            members += f", and {size - MEMBERS_SHOWN:,} more"
        cycles = "; ".join(_cycle_words(c) for c in tangle.cycles)
        entries = "the entry" if len(notes) == 1 else f"these {len(notes)} entries"
        problems.append(
            error(
                notes[0].location,
                "cycle",
                f"prerequisite cycle among {size:,} nodes ({members}): {cycles}",
                "arrows point from a prerequisite to what needs it; "
                f"delete {entries} to break every cycle among them",
                tuple(notes),
            )
        )
    return problems


def _cycle_words(cycle: tuple[str, ...]) -> str:
    """``a -> b -> c -> a``, starting from its first id; a long cycle with its middle cut."""
    ring = list(cycle[:-1])
    start = ring.index(min(ring))
    ring = ring[start:] + ring[:start]
    if len(ring) > CYCLE_SHOWN:
        half = CYCLE_SHOWN // 2
        ring = [*ring[:half], f"({len(ring) - CYCLE_SHOWN:,} more)", *ring[-half:]]
    return " -> ".join([*ring, ring[0]])


def _removal_words(edge: Edge) -> str:
    """What deleting the entry at an edge's site does: 'b requires a: remove 'a' from
    requires'."""
    field = str(edge.site.keys[0])
    holder = edge.site.entry.record.id
    named = edge.target if holder == edge.source else edge.source
    return f"{_edge_words(edge)}: remove {named!r} from {field}"


def _untangled(
    digraph: "nx.DiGraph[str]", edges: list[Edge], found: list[Tangle]
) -> "tuple[nx.DiGraph[str], list[Edge]]":
    """The graph, and its edges, without the edges inside a tangle: acyclic."""
    tangle_of = {node: i for i, tangle in enumerate(found) for node in tangle.members}

    def inside(source: str, target: str) -> bool:
        return source in tangle_of and tangle_of[source] == tangle_of.get(target)

    acyclic: nx.DiGraph[str] = nx.DiGraph()
    acyclic.add_nodes_from(digraph)
    acyclic.add_edges_from((u, v) for u, v in digraph.edges if not inside(u, v))
    return acyclic, [e for e in edges if not inside(e.source, e.target)]


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


def _path_order(
    paths: dict[str, Entry], requires: dict[str, list[Edge]], order: dict[str, int]
) -> list[Diagnostic]:
    """Within one step of a path, no id comes before a prerequisite listed after it.

    A path is its source's sequence: it may skip prerequisites (a complete plan adds
    them) and its steps may even run against the graph (a plan says where). But the
    order of the ids inside one step is the maintainer's reading of that step, so it
    must put what is needed first, directly or through what the path skips. Only an
    id earlier in the topological ``order`` can be a prerequisite, and a walk up from
    an id stops below the earliest candidate, which keeps the check local.
    """
    problems = []
    for pid, entry in paths.items():
        for k, step in enumerate(entry.record.steps):
            covers = [] if isinstance(step, str) else step.covers
            for i, node in enumerate(covers):
                if node not in order:  # an unknown id, reported as such
                    continue
                later = [c for c in covers[i + 1 :] if order.get(c, len(order)) < order[node]]
                needed = _first_reached(node, later, requires, order) if later else None
                if needed is not None:
                    problems.append(
                        error(
                            entry.source.location(entry.index, ("steps", k, "covers", i)),
                            "path-order",
                            f"path {pid!r}: step {k + 1} lists {node!r} before its "
                            f"prerequisite {needed!r}",
                            f"move {needed!r} above {node!r} within the step",
                        )
                    )
    return problems


def _first_reached(
    node: str, candidates: list[str], requires: dict[str, list[Edge]], order: dict[str, int]
) -> str | None:
    """The first of ``candidates`` that ``node`` requires, directly or not; None if none."""
    floor = min(order[c] for c in candidates)
    wanted = set(candidates)
    found: set[str] = set()
    seen, stack = {node}, [node]
    while stack:
        for edge in requires.get(stack.pop(), ()):
            above = edge.source
            if above in seen or order[above] < floor:
                continue
            seen.add(above)
            if above in wanted:
                found.add(above)
            stack.append(above)
    return next((c for c in candidates if c in found), None)


def _isolated(
    concepts: dict[str, Entry], paths: dict[str, Entry], edges: list[Edge]
) -> list[Diagnostic]:
    """Warn about concepts cut off from the graph: no prerequisites, no dependents, no path.

    A leaf that builds on something is a normal goal; a concept linked to
    nothing at all is usually a forgotten requires entry.
    """
    linked = {e.source for e in edges if e.kind is not EdgeKind.TEACHES}
    linked.update(e.target for e in edges if e.kind is not EdgeKind.TEACHES)
    for entry in paths.values():
        linked.update(target for _, _, target in _mentions(PATH, entry.record))
    return [
        Diagnostic(
            Severity.WARNING,
            "isolated",
            entry.source.location(entry.index),
            f"concept {cid!r} has no prerequisites, nothing requires it and no curated path "
            "uses it",
            "give it requires, make a concept require it, or add it to a path in paths.yaml",
        )
        for cid, entry in concepts.items()
        if cid not in linked
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
