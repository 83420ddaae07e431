"""Diagrams of the graph and of plans, read back with real parsers and the real ``dot``.

SVG through xml.etree, DOT through ``dot -Tsvg``, Cytoscape through json, Mermaid line by
line; the real graph for selection and transitive reduction, the hostile graph for escaping.
"""

import json
import re
import subprocess
from datetime import date
from xml.etree import ElementTree

import networkx as nx
import pytest

from api.diagrams import (
    LABEL_LIMIT,
    MAX_NODES,
    DiagramFormat,
    Direction,
    Edge,
    Node,
    View,
    clean,
    graph_diagram,
    plan_diagram,
    reduced_edges,
    render,
)
from api.errors import ApiError
from graph import load_graph
from graph.taxonomy import Track
from planner.items import known_closure
from planner.plan import make_plan
from planner.request import Pace, PlanRequest
from tests.hostile import GOAL, HOSTILE_TITLES, hostile_graph, hostile_plan

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GOAL_FILL = "#ffe08a"
KNOWN_TEXT = "#8a8a8a"
MERMAID_NODE = re.compile(r'^\s*(n\d+)(\["|\(\[")(.*)("\]|"\]\))(?::::(\w+))?$')
MERMAID_EDGE = re.compile(r"^\s*(n\d+) (-->|-\.->) (n\d+)$")


@pytest.fixture(scope="module")
def real():
    return load_graph("/work/main")


@pytest.fixture(scope="module")
def real_plan(real):
    request = PlanRequest(goals=["gpt"], pace=Pace(minutes_per_day=30), start=date(2026, 12, 1))
    return make_plan(real, request)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return hostile_graph(tmp_path_factory.mktemp("hostile"))


# --- reading the outputs back --------------------------------------------------------------


def svg_root(content: bytes) -> ElementTree.Element:
    root = ElementTree.fromstring(content)
    assert root.tag == f"{SVG}svg"
    for element in root.iter():
        # Nothing that runs: no script element, no event handler attribute, no foreign HTML.
        assert element.tag.rpartition("}")[2] not in {"script", "foreignObject"}
        assert not any(name.rpartition("}")[2].startswith("on") for name in element.attrib)
    return root


def svg_nodes(root: ElementTree.Element) -> dict[str, ElementTree.Element]:
    return {g.find(f"{SVG}title").text: g for g in root.iter(f"{SVG}g") if g.get("class") == "node"}


def svg_edges(root: ElementTree.Element) -> set[tuple[str, str]]:
    titles = (g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g") if g.get("class") == "edge")
    return {tuple(title.split("->")) for title in titles}


def svg_clusters(root: ElementTree.Element) -> set[str]:
    groups = root.iter(f"{SVG}g")
    return {g.find(f"{SVG}title").text for g in groups if g.get("class") == "cluster"}


def node_text(g: ElementTree.Element) -> str:
    return "".join(t.text or "" for t in g.iter(f"{SVG}text"))


def node_tooltip(g: ElementTree.Element) -> str:
    return g.find(f".//{SVG}a").get(f"{XLINK}title")


def node_fill(g: ElementTree.Element) -> str:
    shape = next(e for e in g.iter() if e.tag in {f"{SVG}path", f"{SVG}polygon"})
    return shape.get("fill")


def cytoscape(content: bytes) -> tuple[dict[str, dict], list[dict]]:
    data = json.loads(content)
    nodes = {n["data"]["id"]: n["data"] for n in data["elements"]["nodes"]}
    return nodes, [e["data"] for e in data["elements"]["edges"]]


def mermaid_decode(label: str) -> str:
    """Undo Mermaid's entity codes, as Mermaid does before it renders a label."""
    label = label.replace("#quot;", '"')
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), label)


def mermaid_parse(text: str) -> tuple[dict[str, tuple[str, str, str | None]], list[tuple]]:
    """Node name -> (shape opener, decoded label, class); edges as (source, arrow, target)."""
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    nodes, edges, depth = {}, [], 0
    for line in lines[1:]:
        if line.strip().startswith("subgraph "):
            depth += 1
        elif line.strip() == "end":
            depth -= 1
        elif found := MERMAID_NODE.match(line):
            name, opener, label, _, style = found.groups()
            # Nothing in a label that Mermaid would read as syntax or as HTML.
            bare = re.sub(r"#quot;|#\d+;", "", label)  # the entity codes taken out
            assert not set(bare) & set('"<>&\\`%#[]{}|;:'), label
            assert name not in nodes
            nodes[name] = (opener, mermaid_decode(label), style)
        elif found := MERMAID_EDGE.match(line):
            edges.append(found.groups())
        else:
            assert line.strip().startswith("classDef "), line
    assert depth == 0
    return nodes, edges


def one_line(title: str) -> str:
    """What a node shows of ``title``: one line, at most LABEL_LIMIT characters."""
    text = " ".join(title.split())
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1].rstrip() + "\u2026"


def hostile_ids(hostile) -> list[str]:
    return sorted(hostile.digraph)


def hostile_titles(hostile) -> dict[str, str]:
    titles = {cid: c.title for cid, c in hostile.concepts.items()}
    return titles | {pid: p.title for pid, p in hostile.papers.items()}


# --- escaping: every format, the hostile graph and plans -----------------------------------


def test_hostile_graph_svg_shows_every_title_as_text(hostile):
    content, media_type = graph_diagram(hostile, DiagramFormat.SVG)
    assert media_type == "image/svg+xml"
    nodes = svg_nodes(svg_root(content))
    titles = hostile_titles(hostile)
    assert set(nodes) == set(titles)
    for node, title in titles.items():
        assert node_text(nodes[node]) == one_line(title)
        # the whole title, newline and all; XML reads a raw tab in an attribute as a space
        assert node_tooltip(nodes[node]) == title.replace("\t", " ")
    markup = nodes["hostile-markup"]
    assert node_text(markup) == "<script>alert('x')</script> & <b>bold</b>"
    assert node_text(nodes["hostile-backslash"]) == "C:\\path\\to\\thing \\n not a newline"
    assert node_tooltip(nodes["hostile-long"]) == HOSTILE_TITLES["long"]
    assert node_text(nodes["hostile-long"]).endswith("\u2026")
    assert len(node_text(nodes["hostile-long"])) == LABEL_LIMIT
    assert b"<script" not in content


@pytest.mark.parametrize("track", list(Track))
def test_hostile_plan_svg_numbers_steps_and_stays_inert(hostile, track):
    plan = hostile_plan(hostile, track)
    content, _ = plan_diagram(hostile, plan, DiagramFormat.SVG)
    nodes = svg_nodes(svg_root(content))
    for step in plan.steps:
        assert node_text(nodes[step.id]) == f"{step.number}. {one_line(step.title)}"
        assert node_tooltip(nodes[step.id]) == step.title.replace("\t", " ")
        assert (node_fill(nodes[step.id]) == GOAL_FILL) is step.goal
    assert any(step.goal for step in plan.steps)
    assert b"<script" not in content


def test_dot_output_reparses_with_dot_and_keeps_titles_literal(hostile):
    for track in Track:
        plan = hostile_plan(hostile, track)
        source, media_type = plan_diagram(hostile, plan, DiagramFormat.DOT)
        assert media_type.startswith("text/vnd.graphviz")
        done = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, timeout=10)
        assert done.returncode == 0, done.stderr
        nodes = svg_nodes(svg_root(done.stdout))
        for step in plan.steps:
            assert node_text(nodes[step.id]) == f"{step.number}. {one_line(step.title)}"
        assert GOAL in nodes
    source, _ = graph_diagram(hostile, DiagramFormat.DOT)
    done = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, timeout=10)
    assert done.returncode == 0, done.stderr
    assert b'subgraph "cluster_math-foundations"' in source


def test_mermaid_escapes_every_label_and_has_one_line_per_node(hostile):
    content, media_type = graph_diagram(hostile, DiagramFormat.MERMAID)
    assert media_type.startswith("text/plain")
    text = content.decode()
    nodes, edges = mermaid_parse(text)
    titles = hostile_titles(hostile)
    assert sorted(label for _, label, _ in nodes.values()) == sorted(map(one_line, titles.values()))
    assert len(nodes) == len(titles)
    assert all(s in nodes and t in nodes for s, _, t in edges)
    assert "<" not in text and "\\" not in text
    assert 'subgraph cluster_math_foundations["Mathematical Foundations"]' in text


@pytest.mark.parametrize("track", list(Track))
def test_mermaid_plan_marks_goals_papers_and_teaching(hostile, track):
    plan = hostile_plan(hostile, track)
    nodes, edges = mermaid_parse(plan_diagram(hostile, plan, DiagramFormat.MERMAID)[0].decode())
    by_label = {label: (opener, style) for opener, label, style in nodes.values()}
    for step in plan.steps:
        opener, style = by_label[f"{step.number}. {one_line(step.title)}"]
        assert (style == "goal") is step.goal
        assert (opener == '(["') is (step.kind == "paper")
    if track is Track.PAPER:  # the goal concept is read in the paper: a teaches edge to it
        assert [arrow for _, arrow, _ in edges].count("-.->") == 1


def test_cytoscape_is_json_with_closed_edges_and_inert_strings(hostile):
    for track in Track:
        content, media_type = plan_diagram(
            hostile, hostile_plan(hostile, track), DiagramFormat.CYTOSCAPE
        )
        assert media_type == "application/json"
        assert b"<" not in content and b">" not in content and b"&" not in content
        nodes, edges = cytoscape(content)
        assert edges and all(e["source"] in nodes and e["target"] in nodes for e in edges)
        assert len({e["id"] for e in edges} | set(nodes)) == len(edges) + len(nodes)
    nodes, _ = cytoscape(graph_diagram(hostile, DiagramFormat.CYTOSCAPE)[0])
    assert {n: d["title"] for n, d in nodes.items()} == hostile_titles(hostile)
    assert nodes["hostile-paper"]["kind"] == "paper" and nodes["hostile-paper"]["category"] is None
    assert nodes["hostile-quote"]["category"] == "math-foundations"


def test_characters_xml_cannot_carry_are_replaced():
    title = clean("bell\x07 nul\x00 escape\x1b surrogate\ud800 end")
    view = View((Node("a", "concept", title, None, None, False, False, False),), ())
    content, _ = render(view, DiagramFormat.SVG, 10, "focus")
    assert node_text(svg_nodes(svg_root(content))["a"]) == (
        "bell\ufffd nul\ufffd escape\ufffd surrogate\ufffd end"
    )
    assert (
        cytoscape(render(view, DiagramFormat.CYTOSCAPE, 10, "focus")[0])[0]["a"]["title"] == title
    )


def test_entities_and_escapes_in_titles_stay_literal_in_dot():
    # Graphviz decodes HTML entities and escString sequences (\\N is the node's name) in
    # labels; a title that holds them must still show as written.
    title = 'AT&amp;T &lt;x&gt; &#65; \\N \\G \\l \\\\ \\" <<b>html</b>> ends\\'
    view = View((Node("a", "concept", title, None, None, False, False, False),), ())
    source = render(view, DiagramFormat.DOT, 10, "focus")[0]
    done = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, timeout=10)
    node = svg_nodes(svg_root(done.stdout))["a"]
    assert node_text(node) == node_tooltip(node) == title


# --- PNG, determinism ----------------------------------------------------------------------


def test_png_is_a_png(real, hostile):
    content, media_type = graph_diagram(real, DiagramFormat.PNG, focus="attention", depth=1)
    assert media_type == "image/png" and content.startswith(PNG_SIGNATURE)
    content, _ = plan_diagram(hostile, hostile_plan(hostile, Track.PAPER), DiagramFormat.PNG)
    assert content.startswith(PNG_SIGNATURE)


def test_same_input_same_bytes(real, real_plan):
    for fmt in (DiagramFormat.SVG, DiagramFormat.MERMAID, DiagramFormat.CYTOSCAPE):
        assert plan_diagram(real, real_plan, fmt) == plan_diagram(real, real_plan, fmt)
    first = graph_diagram(real, DiagramFormat.DOT, focus="attention")
    assert first == graph_diagram(real, DiagramFormat.DOT, focus="attention")


# --- selection and transitive reduction on the real graph ----------------------------------


def requires_graph(real) -> nx.DiGraph:
    edges = [(u, v) for u, v, kind in real.digraph.edges(data="kind") if kind == "requires"]
    return nx.DiGraph(edges)


def within(digraph: nx.DiGraph, node: str, hops: int) -> set[str]:
    if node not in digraph:
        return {node}
    return set(nx.single_source_shortest_path_length(digraph, node, cutoff=hops))


def shown(real, **query) -> set[str]:
    content, _ = graph_diagram(real, DiagramFormat.SVG, **query)
    return set(svg_nodes(svg_root(content)))


def test_focus_up_one_hop_is_the_direct_prerequisites(real):
    assert shown(real, focus="attention", depth=1, direction=Direction.UP) == {
        "attention",
        *real.concepts["attention"].requires,
    }


def test_focus_down_and_both_follow_requires_edges(real):
    requires = requires_graph(real)
    assert shown(real, focus="attention", depth=1, direction=Direction.DOWN) == within(
        requires, "attention", 1
    )
    up, down = within(requires.reverse(), "attention", 2), within(requires, "attention", 2)
    assert shown(real, focus="attention") == up | down  # default: both ways, two hops
    assert shown(real, focus="attention", depth=0) == {"attention"}
    nodes, _ = cytoscape(graph_diagram(real, DiagramFormat.CYTOSCAPE, focus="attention")[0])
    assert [n for n, d in nodes.items() if d["focus"]] == ["attention"]


def test_whole_graph_without_focus(real):
    nodes, edges = cytoscape(graph_diagram(real, DiagramFormat.CYTOSCAPE)[0])
    assert set(nodes) == set(real.digraph)
    assert {e["kind"] for e in edges} == {"requires", "teaches"}


@pytest.mark.parametrize("query", [{"focus": "cnn", "depth": 1, "direction": "down"}, {}])
def test_implied_edges_are_not_drawn(real, query):
    content, _ = graph_diagram(real, DiagramFormat.SVG, **query)
    root = svg_root(content)
    ids = set(svg_nodes(root))
    drawn = svg_edges(root)
    induced = {
        (u, v)
        for u, v, kind in real.digraph.subgraph(ids).edges(data="kind")
        if kind in ("requires", "teaches")
    }
    assert len(drawn) < len(induced)  # the view has implied edges, and they were left out
    assert drawn == set(nx.transitive_reduction(nx.DiGraph(induced)).edges)
    graph = nx.DiGraph(drawn)
    for a, c in drawn:  # no drawn edge a -> c has another way a -> b -> ... -> c
        graph.remove_edge(a, c)
        assert not nx.has_path(graph, a, c), (a, c)
        graph.add_edge(a, c)
    # Nothing lost: what reaches what is the same as in the graph's own edges.
    full = nx.DiGraph(induced)
    assert all(nx.has_path(graph, u, v) for u, v in full.edges)


# --- errors --------------------------------------------------------------------------------


def test_unknown_focus_is_404_with_a_suggestion(real):
    with pytest.raises(ApiError) as caught:
        graph_diagram(real, DiagramFormat.SVG, focus="attentoin")
    error = caught.value
    assert (error.status, error.code, error.field) == (404, "unknown-id", "focus")
    assert "attention" in error.suggestions and "attention" in error.message


def test_too_large_is_413(real, real_plan):
    assert len(real.digraph) <= MAX_NODES
    with pytest.raises(ApiError) as caught:
        graph_diagram(real, DiagramFormat.SVG, max_nodes=50)
    error = caught.value
    assert (error.status, error.code, error.field) == (413, "diagram-too-large", "focus")
    assert "focus and depth" in error.message
    graph_diagram(real, DiagramFormat.MERMAID, focus="attention", depth=1, max_nodes=50)
    with pytest.raises(ApiError) as caught:
        plan_diagram(real, real_plan, DiagramFormat.CYTOSCAPE, max_nodes=5)
    assert (caught.value.status, caught.value.code) == (413, "diagram-too-large")


def test_a_slow_layout_is_stopped(real):
    with pytest.raises(ApiError) as caught:
        graph_diagram(real, DiagramFormat.SVG, timeout=0.001)
    assert (caught.value.status, caught.value.code) == (413, "render-timeout")


# --- a real plan ---------------------------------------------------------------------------


def test_plan_numbers_steps_in_order_and_marks_goals(real, real_plan):
    nodes, edges = cytoscape(plan_diagram(real, real_plan, DiagramFormat.CYTOSCAPE)[0])
    steps = [d for d in nodes.values() if d["step"] is not None]
    assert [(d["id"], d["step"]) for d in steps] == [(s.id, s.number) for s in real_plan.steps]
    assert [d["id"] for d in nodes.values() if d["goal"]] == ["gpt"]
    assert all(e["source"] in nodes and e["target"] in nodes for e in edges)

    root = svg_root(plan_diagram(real, real_plan, DiagramFormat.SVG)[0])
    svg = svg_nodes(root)
    for step in real_plan.steps:
        assert node_text(svg[step.id]) == f"{step.number}. {one_line(step.title)}"
    assert node_fill(svg["gpt"]) == GOAL_FILL
    categories = {real.concepts[s.id].category for s in real_plan.steps}
    assert svg_clusters(root) == {f"cluster_{c}" for c in categories}


def test_plan_fades_the_known_prerequisites_of_its_steps(real):
    plan = make_plan(real, PlanRequest(goals=["gpt"], known=["linear-algebra", "probability"]))
    nodes, edges = cytoscape(plan_diagram(real, plan, DiagramFormat.CYTOSCAPE)[0])
    known = {n for n, d in nodes.items() if d["known"]}
    steps = {s.id for s in plan.steps}
    closure = known_closure(real, plan.known, True)
    needed = {p for s in steps for p in real.prerequisites(s)}
    assert known == (closure & needed) - steps
    assert {"linear-algebra", "probability"} <= known
    assert all(nodes[n]["step"] is None and not nodes[n]["goal"] for n in known)
    assert {e["source"] for e in edges} >= known  # each is drawn as what a step needs

    svg = svg_nodes(svg_root(plan_diagram(real, plan, DiagramFormat.SVG)[0]))
    for node in known:
        assert {t.get("fill") for t in svg[node].iter(f"{SVG}text")} == {KNOWN_TEXT}


def test_paper_track_plan_draws_papers_as_notes_and_the_goal_they_teach(real):
    plan = make_plan(real, PlanRequest(goals=["gpt"], track=Track.PAPER))
    root = svg_root(plan_diagram(real, plan, DiagramFormat.SVG)[0])
    svg = svg_nodes(root)
    assert {s.kind for s in plan.steps} == {"paper", "concept"}  # nothing dropped
    for step in plan.steps:
        folded = svg[step.id].find(f".//{SVG}polyline") is not None  # a note's corner
        assert folded == (step.kind == "paper"), step.id
    assert "gpt" in svg and node_fill(svg["gpt"]) == GOAL_FILL  # the goal concept itself
    teachers = [
        s.id for s in plan.steps if s.kind == "paper" and "gpt" in real.papers[s.id].teaches
    ]
    assert any((t, "gpt") in svg_edges(root) for t in teachers)
    concepts = {real.concepts[s.id].category for s in plan.steps if s.kind == "concept"}
    assert svg_clusters(root) == {f"cluster_{c}" for c in concepts | {"architectures-scaling"}}


def test_reduced_edges_keep_their_kind():
    edges = reduced_edges(
        ["p", "a", "b"], [("p", "a", "teaches"), ("a", "b", "requires"), ("p", "b", "requires")]
    )
    assert edges == (Edge("p", "a", "teaches"), Edge("a", "b", "requires"))
