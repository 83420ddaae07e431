"""Property tests: any DAG written as YAML loads; any back edge is reported as a cycle."""

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
def test_any_back_edge_is_reported_as_a_cycle_that_its_notes_break(tmp_path, dag, data):
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
    # the tangle: every node on a path from u to v, which the back edge closes into rings
    tangle = {u, v} | (nx.descendants(graph, u) & nx.ancestors(graph, v))
    members = cycles[0].message.split(" nodes (", 1)[1].split("): ", 1)[0].split(", ")
    assert f"among {len(tangle)} nodes (" in cycles[0].message and set(members) == tangle
    # each note is a `- id` line under requires that names what it removes; deleting
    # exactly those lines gives a graph that checks clean
    lines = text.splitlines()
    for note in cycles[0].notes:
        named = note.message.rsplit("remove ", 1)[1].split(" from ")[0].strip("'")
        assert lines[note.location.line - 1].strip() in (f"- {named}", f"- '{named}'")
    doomed = {note.location.line - 1 for note in cycles[0].notes}
    kept = [line for n, line in enumerate(lines) if n not in doomed]
    # a maintainer who deletes a list's last entry deletes its key too
    after = [*kept[1:], ""]
    kept = [
        line
        for line, following in zip(kept, after, strict=True)
        if line.strip() != "requires:" or following.strip().startswith("- ")
    ]
    (tmp_path / "concepts.yaml").write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert run_check(tmp_path).errors == []
