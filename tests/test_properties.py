"""Property tests: any DAG written as YAML loads; any back edge is reported as a cycle."""

import itertools

import networkx as nx
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.taxonomy import SLUG_PATTERN
from tests.helpers import run_check

slugs = st.from_regex(SLUG_PATTERN.strip("^$").join("()"), fullmatch=True).filter(
    lambda s: len(s) <= 24
)


@st.composite
def dags(draw):
    """(ids, edges): edges (i, j) with i < j, so the graph is acyclic by construction."""
    ids = draw(st.lists(slugs, min_size=2, max_size=12, unique=True))
    pairs = [(i, j) for j in range(len(ids)) for i in range(j)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=20)) if pairs else []
    return ids, sorted(chosen)


def write(tmp_path, ids, requires):
    records = [
        {
            "id": cid,
            "title": f"Concept {cid}",
            "summary": "Generated.",
            "category": "deep-learning",
            "level": "beginner",
            "minutes": 5,
            "requires": requires.get(cid, []),
            "demo": f"demo-{cid}",
        }
        for cid in ids
    ]
    text = yaml.safe_dump(records, sort_keys=False)
    (tmp_path / "concepts.yaml").write_text(text)
    return text


def requires_map(ids, edges):
    requires: dict[str, list[str]] = {}
    for i, j in edges:
        requires.setdefault(ids[j], []).append(ids[i])
    return requires


PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(dag=dags())
def test_any_dag_loads_with_exactly_its_edges(tmp_path, dag):
    ids, edges = dag
    write(tmp_path, ids, requires_map(ids, edges))
    result = run_check(tmp_path)
    assert result.errors == []
    loaded = {(u, v) for u, v, kind in result.graph.digraph.edges(data="kind")}
    assert loaded == {(ids[i], ids[j]) for i, j in edges}
    assert list(result.graph.concepts) == ids


@PROPERTY
@given(dag=dags(), data=st.data())
def test_any_back_edge_is_reported_as_a_cycle_naming_its_nodes(tmp_path, dag, data):
    ids, edges = dag
    graph = nx.DiGraph([(ids[i], ids[j]) for i, j in edges])
    reachable = [(u, v) for u in graph for v in nx.descendants(graph, u)]
    if not reachable:
        edges = [(0, 1)]
        graph = nx.DiGraph([(ids[0], ids[1])])
        reachable = [(ids[0], ids[1])]
    u, v = data.draw(st.sampled_from(sorted(reachable)))  # v depends on u, maybe indirectly
    requires = requires_map(ids, edges)
    requires.setdefault(u, []).append(v)  # now u requires v too: a back edge
    text = write(tmp_path, ids, requires)

    result = run_check(tmp_path)

    cycles = [d for d in result.errors if d.code == "cycle"]
    assert len(cycles) == 1, [d.render() for d in result.diagnostics]
    chain = cycles[0].message.split("prerequisite cycle ", 1)[1].split(" -> ")
    assert chain[0] == chain[-1] and {u, v} <= set(chain)
    augmented = nx.DiGraph(graph)
    augmented.add_edge(v, u)
    assert all(augmented.has_edge(a, b) for a, b in itertools.pairwise(chain))
    lines = text.splitlines()
    for note, (a, b) in zip(cycles[0].notes, itertools.pairwise(chain), strict=True):
        assert note.message == f"{b} requires {a}"
        assert lines[note.location.line - 1].strip() in (f"- {a}", f"- '{a}'", f'- "{a}"')
