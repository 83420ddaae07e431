"""Every prerequisite tangle in one check, with a break set that a maintainer can delete."""

import random
import re
from pathlib import Path

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.cycles import break_set, tangles
from tests.helpers import concept_yaml, run_check

RING = 77
PAIRS = 12


def _tangled_data(directory: Path) -> Path:
    """A 77-concept ring with chords, 12 separate two-cycles, and an acyclic part with
    one implied edge. Every cyclic concept also requires ``root`` first, so that deleting
    any of its other entries leaves its list non-empty."""
    text = concept_yaml("root")
    ring = [f"ring-{i:02d}" for i in range(RING)]
    for i, cid in enumerate(ring):
        needs = ["root", ring[i - 1]]  # ring-00 requires ring-76: the ring closes
        if i % 7 == 0:
            needs.append(ring[(i + 20) % RING])  # a chord backwards across the ring
        text += concept_yaml(cid, needs)
    for k in range(PAIRS):
        text += concept_yaml(f"pair-{k}-a", ["root", f"pair-{k}-b"])
        text += concept_yaml(f"pair-{k}-b", ["root", f"pair-{k}-a"])
    text += concept_yaml("plain-one", ["root"]) + concept_yaml("plain-two", ["plain-one", "root"])
    (directory / "concepts.yaml").write_text(text, encoding="utf-8")
    return directory


def test_one_check_names_every_tangle_and_deleting_its_break_set_passes(tmp_path: Path):
    data = _tangled_data(tmp_path)
    first = run_check(data)
    cycles = [d for d in first.diagnostics if d.code == "cycle"]
    assert len(cycles) == 1 + PAIRS
    sizes = sorted(int(re.search(r"among (\d+) nodes", d.message)[1]) for d in cycles)
    assert sizes == [2] * PAIRS + [RING]
    ring = next(d for d in cycles if f"among {RING} nodes" in d.message)
    assert all(f"ring-{i:02d}" in ring.message for i in range(RING))
    assert 1 <= len(ring.notes) <= 5  # the ring and its chords break at a few entries
    for k in range(PAIRS):
        pair = next(d for d in cycles if f"(pair-{k}-a, pair-{k}-b)" in d.message)
        assert len(pair.notes) == 1
    # the acyclic rest was checked too, in the same run
    implied = [d for d in first.diagnostics if d.code == "implied-edge"]
    assert [d.message.split(",")[0] for d in implied] == ["'plain-two' requires 'root'"]

    doomed = {(n.location.file, n.location.line) for d in cycles for n in d.notes}
    assert len(doomed) == sum(len(d.notes) for d in cycles)  # one line each
    path = data / "concepts.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for number, line in enumerate(lines, 1) if (path, number) not in doomed]
    path.write_text("".join(kept), encoding="utf-8")

    second = run_check(data)
    assert [d.render() for d in second.errors] == []
    assert second.graph is not None


def test_a_ten_thousand_node_tangle_is_reported_promptly():
    rng = random.Random(7)
    n = 10_000
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_edges_from((f"n{i}", f"n{(i + 1) % n}") for i in range(n))
    graph.add_edges_from((f"n{rng.randrange(n)}", f"n{rng.randrange(n)}") for _ in range(20_000))
    graph.remove_edges_from(nx.selfloop_edges(graph))
    [tangle] = tangles(graph)
    assert len(tangle.members) == n
    rest = graph.copy()
    rest.remove_edges_from(tangle.break_set)
    assert nx.is_directed_acyclic_graph(rest)


def test_an_exhausted_budget_still_breaks_every_cycle():
    succ = {i: [(i + 1) % 50, (i + 7) % 50] for i in range(50)}
    cut = break_set(succ, budget=[0])
    rest = nx.DiGraph([(u, v) for u, vs in succ.items() for v in vs if (u, v) not in set(cut)])
    assert nx.is_directed_acyclic_graph(rest)


edge_lists = st.lists(
    st.tuples(st.integers(0, 14), st.integers(0, 14)).filter(lambda e: e[0] != e[1]),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(edge_lists)
def test_removing_the_break_sets_leaves_a_dag_and_each_edge_is_needed(edges):
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_edges_from((f"n{u:02d}", f"n{v:02d}") for u, v in edges)
    found = tangles(graph)
    components = {frozenset(c) for c in nx.strongly_connected_components(graph) if len(c) > 1}
    assert {frozenset(t.members) for t in found} == components
    cut = [e for t in found for e in t.break_set]
    rest = graph.copy()
    rest.remove_edges_from(cut)
    assert nx.is_directed_acyclic_graph(rest)
    for u, v in cut:  # minimal: putting any one back closes a cycle
        assert nx.has_path(rest, v, u)
    for tangle in found:
        for cycle in tangle.cycles:
            assert cycle[0] == cycle[-1] and all(
                graph.has_edge(a, b) for a, b in nx.utils.pairwise(cycle)
            )


def test_pruning_puts_back_a_backward_edge_that_closes_no_cycle():
    # On this graph the greedy order leaves 11 edges pointing backwards; one of them
    # closes no cycle once the other ten are gone, so the break set is ten edges.
    succ = {
        0: [6, 7, 3, 1, 4],
        1: [7, 8],
        2: [1, 7, 3],
        3: [4, 8, 2],
        4: [1, 8, 0, 5, 3],
        5: [8, 4, 7],
        6: [0, 5, 2, 7, 4, 8],
        7: [3, 1, 5],
        8: [9, 2, 5],
        9: [7, 2, 6, 1],
    }
    cut = set(break_set(succ))
    assert len(cut) == 10
    rest = nx.DiGraph([(u, v) for u, vs in succ.items() for v in vs if (u, v) not in cut])
    assert nx.is_directed_acyclic_graph(rest)
    assert all(nx.has_path(rest, v, u) for u, v in cut)
