"""Diagrams of the graph and of a plan: Graphviz (SVG, PNG, DOT), Mermaid and Cytoscape JSON.

Each diagram is first worked out as a ``View`` (the nodes to draw and the edges between
them), then written in the format asked for, so every format shows the same picture.

- Edges are requires edges and teaches edges (dashed), always from the transitive
  reduction of the edges among the nodes shown: an edge that a longer path already
  implies is left out, which keeps a dense prerequisite graph readable.
- Concepts sit in a cluster per category; papers are drawn as a different shape.
- Labels are cut to ``LABEL_LIMIT`` characters; the full title goes in a tooltip.
- Titles are data, never markup: every format escapes them its own way (DOT escString
  and entities, Mermaid entity codes, JSON with ``<``, ``>`` and ``&`` as \\u escapes).

The functions are pure and deterministic (same input, same bytes): the API caches their
output by graph hash and parameters.
"""

import json
import re
import resource
import signal
import subprocess
from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple

import graphviz
import networkx as nx

from api.errors import ApiError, shown
from graph import KnowledgeGraph
from graph.suggest import did_you_mean, suggest
from graph.taxonomy import CATEGORY_TITLES, Category, EdgeKind
from planner.items import CONCEPT, PAPER, known_closure
from planner.plan import Plan, Step

RENDER_TIMEOUT = 10.0
"""Seconds ``dot`` may take to lay a diagram out before the request is refused."""

MAX_NODES = 400
"""More nodes than this make an unreadable picture and a slow layout: ask for a focus."""
MAX_RASTER_NODES = 100
"""The most nodes drawn as PNG: rasterising costs with the picture's area, and the whole
graph (about 200 nodes) takes 1.6 s of CPU at 96 dpi against 0.1 s as SVG."""

DEFAULT_DEPTH = 2
"""Hops from the focus when a focus is given without a depth."""

LABEL_LIMIT = 60
"""Characters of a title shown in a node; the full title is in the tooltip."""

ELLIPSIS = "\u2026"
DRAWN_KINDS = frozenset({EdgeKind.REQUIRES, EdgeKind.TEACHES})


class DiagramFormat(StrEnum):
    SVG = "svg"
    PNG = "png"
    DOT = "dot"
    MERMAID = "mermaid"
    CYTOSCAPE = "cytoscape"


class Direction(StrEnum):
    """Which way to walk from a focus: to prerequisites, to dependents, or both."""

    UP = "up"
    DOWN = "down"
    BOTH = "both"


MEDIA_TYPES = {
    DiagramFormat.SVG: "image/svg+xml",
    DiagramFormat.PNG: "image/png",
    DiagramFormat.DOT: "text/vnd.graphviz; charset=utf-8",
    DiagramFormat.MERMAID: "text/plain; charset=utf-8",
    DiagramFormat.CYTOSCAPE: "application/json",
}


class Node(NamedTuple):
    id: str
    kind: str  # concept or paper
    title: str  # the full title, made safe for XML (see ``clean``)
    category: Category | None  # concepts only
    step: int | None  # a plan's step number
    goal: bool
    known: bool  # known to the learner: drawn faded
    focus: bool  # the centre of a focus view
    status: str = "todo"  # a plan's step: the learner's progress (todo, doing, done, skipped)


class Edge(NamedTuple):
    source: str  # the prerequisite (or the teaching paper)
    target: str
    kind: str  # requires or teaches


class View(NamedTuple):
    nodes: tuple[Node, ...]  # in drawing order
    edges: tuple[Edge, ...]  # sorted
    # Graphviz draws prerequisites left of what needs them rather than above it: the whole
    # graph drawn top to bottom is one very wide row of categories (11,600 by 1,000 points
    # for the concepts alone); left to right it is nearer a page's shape (4,300 by 3,300)
    # and its wide labels stack instead of spreading.
    across: bool = False


# --- the graph ---------------------------------------------------------------------------


def graph_diagram(
    graph: KnowledgeGraph,
    fmt: DiagramFormat,
    focus: str | None = None,
    depth: int | None = None,
    direction: Direction = Direction.BOTH,
    timeout: float = RENDER_TIMEOUT,
    *,
    max_nodes: int = MAX_NODES,
) -> tuple[bytes, str]:
    """The whole graph, or ``focus`` and what lies within ``depth`` requires-hops of it.

    ``depth`` defaults to ``DEFAULT_DEPTH`` with a focus and means nothing without one.

    Returns (content, media type). ApiError 404 for an unknown focus, 413 for a diagram
    of more than ``max_nodes`` nodes or one ``dot`` cannot lay out within ``timeout``.
    """
    view = graph_view(graph, focus, depth, direction, max_nodes=max_nodes)
    return render(view, fmt, timeout, "focus")


def graph_view(
    graph: KnowledgeGraph,
    focus: str | None = None,
    depth: int | None = None,
    direction: Direction = Direction.BOTH,
    *,
    max_nodes: int = MAX_NODES,
    papers: bool = True,
) -> View:
    """What ``graph_diagram`` draws; ApiError 404 for an unknown focus, 413 when too large.

    ``papers=False`` leaves papers out (a focus paper stays): the map of the field's
    concepts and their prerequisites. The whole graph (no focus) is drawn left to right.
    """
    ids = sorted(graph.digraph) if focus is None else neighbourhood(graph, focus, depth, direction)
    if not papers:
        ids = [node for node in ids if node in graph.concepts or node == focus]
    _check_size(len(ids), max_nodes, "focus", "narrow it with focus and depth")
    nodes = tuple(_graph_node(graph, node, node == focus) for node in ids)
    # edges(data=...) cannot know the attribute's type: every edge has a str kind
    pairs: Iterable[tuple[str, str, str]] = graph.digraph.subgraph(ids).edges(data="kind")
    edges = reduced_edges(ids, ((u, v, kind) for u, v, kind in pairs if kind in DRAWN_KINDS))
    return View(nodes, edges, across=focus is None)


def neighbourhood(
    graph: KnowledgeGraph, focus: str, depth: int | None, direction: Direction
) -> list[str]:
    """``focus`` and the nodes within ``depth`` requires-hops of it, sorted.

    Up walks to prerequisites, down to dependents; both is the union of the two walks
    (not a walk that turns round, which would pull in every sibling). Teaches and
    recommends edges are not walked: they are drawn only between nodes the walk reached.
    """
    if focus not in graph.digraph:
        raise _unknown_focus(graph, focus)
    if depth is not None and depth < 0:
        raise ApiError(422, "invalid-request", "depth must be 0 or more", field="depth")
    hops = DEFAULT_DEPTH if depth is None else depth
    found = {focus}
    if direction in (Direction.UP, Direction.BOTH):
        found |= _walk(graph.digraph, focus, hops, up=True)
    if direction in (Direction.DOWN, Direction.BOTH):
        found |= _walk(graph.digraph, focus, hops, up=False)
    return sorted(found)


def _walk(digraph: nx.DiGraph, start: str, hops: int, up: bool) -> set[str]:
    """Nodes within ``hops`` requires edges of ``start``, breadth first."""
    seen = {start}
    frontier = {start}
    for _ in range(hops):
        frontier = {n for node in frontier for n in _requires_neighbours(digraph, node, up)} - seen
        if not frontier:
            break
        seen |= frontier
    return seen


def _requires_neighbours(digraph: nx.DiGraph, node: str, up: bool) -> list[str]:
    # in_edges/out_edges(data=...) cannot know the attribute's type: every edge has a str kind
    if up:
        into: Iterable[tuple[str, str, str]] = digraph.in_edges(node, data="kind")
        return [u for u, _, kind in into if kind == "requires"]
    out: Iterable[tuple[str, str, str]] = digraph.out_edges(node, data="kind")
    return [v for _, v, kind in out if kind == "requires"]


def _unknown_focus(graph: KnowledgeGraph, focus: str) -> ApiError:
    """A 404 naming ids that look like ``focus`` (by id, title or alias), as the planner does."""
    suggestions = suggest(focus, graph.spellings("concept", "paper"))
    hint = did_you_mean(suggestions)
    message = f"unknown concept or paper id {shown(focus)}" + (f"; {hint}" if hint else "")
    return ApiError(404, "unknown-id", message, "focus", suggestions, focus)


def _graph_node(graph: KnowledgeGraph, node: str, focus: bool) -> Node:
    concept = graph.concepts.get(node)
    if concept is not None:
        return Node(
            node, CONCEPT, clean(concept.title), concept.category, None, False, False, focus
        )
    return Node(node, PAPER, clean(graph.papers[node].title), None, None, False, False, focus)


# --- a plan ------------------------------------------------------------------------------


def plan_diagram(
    graph: KnowledgeGraph,
    plan: Plan,
    fmt: DiagramFormat,
    timeout: float = RENDER_TIMEOUT,
    *,
    max_nodes: int = MAX_NODES,
) -> tuple[bytes, str]:
    """A plan: its steps numbered in study order, goals highlighted, known prerequisites faded.

    Returns (content, media type); ApiError 413 when the plan is too large to draw.
    """
    return render(plan_view(graph, plan, max_nodes), fmt, timeout, "goals")


def plan_view(graph: KnowledgeGraph, plan: Plan, max_nodes: int = MAX_NODES) -> View:
    """What a plan diagram shows.

    - every step, numbered;
    - a goal concept the plan studies through a paper (so not a step of its own),
      linked to that paper by a teaches edge;
    - the known concepts that a step requires directly, faded: the plan's ``known``
      and what they imply (the prerequisites a plan left out because they are known).

    On the paper track a concept is read in a paper rather than studied as a step; an
    edge to or from such a concept is drawn to or from the first step paper teaching it.
    """
    steps = {step.id: step for step in plan.steps}
    goal_concepts = [
        g
        for g in plan.goals
        if g in graph.concepts and g not in steps and _teacher_steps(graph, plan, g)
    ]
    # A plan does not record known_implies_prerequisites: take the closure, and leave out
    # what the plan studies or dropped, which leaves what it treated as known either way.
    known = known_closure(graph, plan.known, True) - steps.keys() - {d.id for d in plan.dropped}
    covered = _covered(plan, steps.keys() | known | set(goal_concepts))
    needs = {node: _needs(graph, node, covered) for node in steps}
    faded = sorted({p for prereqs in needs.values() for p in prereqs if p in known})
    _check_size(
        len(faded) + len(steps) + len(goal_concepts), max_nodes, "goals", "ask for fewer goals"
    )
    nodes = (
        *(_known_node(graph, node) for node in faded),
        *(_step_node(graph, step) for step in plan.steps),
        *(_goal_node(graph, node) for node in goal_concepts),
    )
    # Known nodes come first and extra goal concepts last; drawing only edges that go
    # forward in this order keeps the view acyclic whatever the mapping above does.
    order = {node.id: i for i, node in enumerate(nodes)}
    pairs = [(p, node, "requires") for node, prereqs in needs.items() for p in prereqs]
    pairs += [
        (s.id, c, "teaches")
        for s in plan.steps
        if s.kind == PAPER
        for c in graph.papers[s.id].teaches
        if c in order
    ]
    forward = ((u, v, k) for u, v, k in pairs if u in order and v in order and order[u] < order[v])
    return View(nodes, reduced_edges(list(order), forward))


def _teacher_steps(graph: KnowledgeGraph, plan: Plan, concept: str) -> list[str]:
    """The plan's paper steps that teach ``concept``, in plan order."""
    teachers = graph.concepts[concept].papers
    return [s.id for s in plan.steps if s.kind == PAPER and s.id in teachers]


def _covered(plan: Plan, shown: set[str]) -> dict[str, str]:
    """Each concept read in a paper step (and not drawn itself) -> that paper, as planned."""
    return {c: s.id for s in plan.steps if s.kind == PAPER for c in s.covers if c not in shown}


def _needs(graph: KnowledgeGraph, node: str, covered: dict[str, str]) -> set[str]:
    """What ``node`` requires, and what the concepts it is read for require, as drawn nodes."""
    stands_for = [c for c, paper in covered.items() if paper == node]
    prereqs = [p for n in (node, *stands_for) for p in graph.prerequisites(n)]
    return {covered.get(p, p) for p in prereqs} - {node}


def _step_node(graph: KnowledgeGraph, step: Step) -> Node:
    concept = graph.concepts.get(step.id) if step.kind == CONCEPT else None
    category = concept.category if concept is not None else None
    return Node(
        step.id,
        step.kind,
        clean(step.title),
        category,
        step.number,
        step.goal,
        False,
        False,
        step.status.value,
    )


def _known_node(graph: KnowledgeGraph, node: str) -> Node:
    if node in graph.concepts:
        concept = graph.concepts[node]
        return Node(node, CONCEPT, clean(concept.title), concept.category, None, False, True, False)
    return Node(node, PAPER, clean(graph.papers[node].title), None, None, False, True, False)


def _goal_node(graph: KnowledgeGraph, node: str) -> Node:
    concept = graph.concepts[node]
    return Node(node, CONCEPT, clean(concept.title), concept.category, None, True, False, False)


# --- shared ------------------------------------------------------------------------------


def reduced_edges(ids: list[str], pairs: Iterable[tuple[str, str, str]]) -> tuple[Edge, ...]:
    """The edges among ``ids`` that no longer path implies: the transitive reduction.

    Sorted by where their ends come in ``ids`` (the drawing order), for stable output.
    """
    dag: nx.DiGraph[str] = nx.DiGraph()
    dag.add_nodes_from(ids)
    dag.add_edges_from((u, v, {"kind": str(kind)}) for u, v, kind in pairs)
    place = {node: i for i, node in enumerate(ids)}
    kept = sorted(nx.transitive_reduction(dag).edges, key=lambda e: (place[e[0]], place[e[1]]))
    return tuple(Edge(u, v, dag.edges[u, v]["kind"]) for u, v in kept)


def _check_size(count: int, max_nodes: int, field: str, advice: str) -> None:
    if count > max_nodes:
        raise ApiError(
            413,
            "diagram-too-large",
            f"the diagram would have {count} nodes, more than the {max_nodes} it can draw; "
            f"{advice}",
            field=field,
        )


XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot carry (and lone surrogates UTF-8 cannot): ``dot`` would copy
them into the SVG and make it unparsable."""


def clean(text: str) -> str:
    """``text`` with characters no output can carry replaced by U+FFFD."""
    return XML_INVALID.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


def short_label(node: Node) -> str:
    """The title on one line, cut to ``LABEL_LIMIT`` characters; a step's number in front."""
    title = " ".join(node.title.split())
    if len(title) > LABEL_LIMIT:
        title = title[: LABEL_LIMIT - 1].rstrip() + ELLIPSIS
    title = STATUS_MARK[node.status] + title
    return f"{node.step}. {title}" if node.step is not None else title


STATUS_MARK = {"todo": "", "doing": "\u25b6 ", "done": "\u2713 ", "skipped": "(skipped) "}
"""A step's progress before its title (a tick when done), so it reads without colour."""


def render(view: View, fmt: DiagramFormat, timeout: float, field: str) -> tuple[bytes, str]:
    """``view`` in ``fmt``: (content, media type)."""
    if fmt is DiagramFormat.PNG:
        _check_size(len(view.nodes), MAX_RASTER_NODES, field, "ask for svg, or narrow it")
    if fmt is DiagramFormat.MERMAID:
        content = mermaid_source(view).encode()
    elif fmt is DiagramFormat.CYTOSCAPE:
        content = cytoscape_json(view)
    elif fmt is DiagramFormat.DOT:
        content = dot_source(view).encode()
    else:
        content = run_dot(dot_source(view), fmt.value, timeout, field)
    return content, MEDIA_TYPES[fmt]


# --- Graphviz ----------------------------------------------------------------------------

GRAPH_ATTR = {"rankdir": "TB", "fontname": "Helvetica", "nodesep": "0.25", "ranksep": "0.45"}
NODE_ATTR = {"fontname": "Helvetica", "fontsize": "11", "margin": "0.15,0.06"}
EDGE_ATTR = {"color": "#5f6b7a", "arrowsize": "0.7"}
EDGE_STYLE = {"requires": {}, "teaches": {"style": "dashed", "color": "#3b73b9"}}
CLUSTER_ATTR = {"style": "rounded,filled", "color": "#d0d7de", "fillcolor": "#f8f9fb"}


def dot_source(view: View) -> str:
    """The view as DOT: a cluster per category, papers as notes, goals bold, known faded."""
    graph_attr = {**GRAPH_ATTR, "rankdir": "LR"} if view.across else GRAPH_ATTR
    dot = graphviz.Digraph(
        "syllabus", graph_attr=graph_attr, node_attr=NODE_ATTR, edge_attr=EDGE_ATTR
    )
    for category, members in _clusters(view):
        with dot.subgraph(name=f"cluster_{category}") as cluster:
            cluster.attr(label=dot_label(CATEGORY_TITLES[category]), **CLUSTER_ATTR)
            for node in members:
                cluster.node(node.id, **_dot_node_attr(node))
    for node in view.nodes:
        if node.category is None:
            dot.node(node.id, **_dot_node_attr(node))
    for edge in view.edges:
        dot.edge(edge.source, edge.target, **EDGE_STYLE[edge.kind])
    return dot.source


def dot_label(text: str) -> str:
    """``text`` as a DOT label that Graphviz shows literally.

    Graphviz reads a label as an escString: backslashes are doubled so that \\n, \\l or
    \\N in a title stay text; ``&`` becomes ``&amp;`` because Graphviz decodes entities
    in labels; and the string is marked not-HTML, so that a title like ``<b>x</b>`` is
    not taken for an HTML label. The graphviz package then quotes it (escaping ``"``).
    """
    return _dot_literal(text, "\\\\")


def dot_tooltip(text: str) -> str:
    """``text`` as a DOT tooltip that Graphviz shows literally, line breaks kept.

    Graphviz reads a tooltip's backslashes twice (lib/common/emit.c: first \\n, \\l and
    \\\\, then \\N, \\G and \\\\ again), so each backslash is written four times.
    """
    return _dot_literal(text, "\\\\\\\\")


def _dot_literal(text: str, backslash: str) -> str:
    literal = text.replace("\\", backslash).replace("&", "&amp;").replace("\n", "\\n")
    return graphviz.nohtml(literal)  # a newline became \n, the one escape meant


def _dot_node_attr(node: Node) -> dict[str, str]:
    attr = {
        "label": dot_label(short_label(node)),
        "tooltip": dot_tooltip(node.title),
        "shape": "note" if node.kind == PAPER else "box",
        "style": "filled" if node.kind == PAPER else "rounded,filled",
        "fillcolor": "#e8f0fe" if node.kind == PAPER else "#ffffff",
    }
    if node.goal or node.focus:
        attr.update(style=attr["style"] + ",bold", fillcolor="#ffe08a", penwidth="2.5")
    elif node.known:
        attr.update(fillcolor="#f2f2f2", color="#b8b8b8", fontcolor="#8a8a8a")
    # Progress: done green, skipped dashed and grey (text still 5:1 on white), doing outlined.
    if node.status == "done":
        attr.update(fillcolor="#dcf1de", color="#2e7d32")
    elif node.status == "skipped":
        attr.update(style=attr["style"] + ",dashed", color="#6b6b6b", fontcolor="#595959")
    elif node.status == "doing":
        attr.update(color="#1f5fbf", penwidth="2.5")
    if node.status != "todo":
        attr["tooltip"] = dot_tooltip(f"{node.title} ({STATUS_WORDS[node.status]})")
    return attr


STATUS_WORDS = {"doing": "in progress", "done": "done", "skipped": "skipped"}


def _clusters(view: View) -> list[tuple[Category, list[Node]]]:
    """The categorised nodes by category, in the taxonomy's order."""
    return [
        (category, members)
        for category in Category
        if (members := [n for n in view.nodes if n.category is category])
    ]


DOT_CPU_SECONDS = 1
"""The CPU ``dot`` may spend on one layout (the whole graph takes about 0.7 s)."""
DOT_MEMORY = 512 * 2**20
"""The address space ``dot`` may map: its libraries take about 60 MB of it."""


def run_dot(source: str, fmt: str, timeout: float, field: str) -> bytes:
    """Lay ``source`` out with the ``dot`` binary: at most DOT_CPU_SECONDS of CPU,
    DOT_MEMORY of memory and ``timeout`` seconds; past any of them, ApiError 413.

    The graphviz package's ``pipe`` takes no timeout, so the binary is run directly.
    The limits are set on the child once it runs (``prlimit``), not in a ``preexec_fn``,
    which is unsafe in a process with threads.
    """
    too_large = ApiError(
        413,
        "render-timeout",
        "the diagram is too large to lay out in time; narrow it with focus and depth",
        field=field,
    )
    with subprocess.Popen(
        ["dot", f"-T{fmt}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        try:
            resource.prlimit(
                process.pid, resource.RLIMIT_CPU, (DOT_CPU_SECONDS, DOT_CPU_SECONDS + 1)
            )
            resource.prlimit(process.pid, resource.RLIMIT_AS, (DOT_MEMORY, DOT_MEMORY))
        except ProcessLookupError:  # already done: it cannot have gone past a limit
            pass
        try:
            out, err = process.communicate(source.encode(), timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            raise too_large from None
    if process.returncode in (-signal.SIGXCPU, -signal.SIGKILL, -signal.SIGSEGV):
        raise too_large  # out of CPU, or of memory (dot dies on a failed allocation)
    done = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    if done.returncode != 0:  # our DOT is at fault, not the request: a server error
        raise RuntimeError(f"dot -T{fmt} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


# --- Mermaid -----------------------------------------------------------------------------

MERMAID_SAFE = re.compile(r"[^\W_]| |[.,()'_-]")
"""Characters a Mermaid label may hold as they are; every other one is an entity code.
Not ``:``: Mermaid's entity pre-pass treats ``style ...:...#...;`` specially."""

MERMAID_ARROWS = {"requires": "-->", "teaches": "-.->"}
MERMAID_CLASSES = (
    "classDef goal fill:#ffe08a,stroke:#b58900,stroke-width:3px,font-weight:bold",
    "classDef focus fill:#ffe08a,stroke:#b58900,stroke-width:3px,font-weight:bold",
    "classDef known fill:#f2f2f2,stroke:#b8b8b8,color:#8a8a8a",
    "classDef paper fill:#e8f0fe,stroke:#3b73b9",
)


def mermaid_source(view: View) -> str:
    """The view as a Mermaid ``flowchart TD``: one line per node, a subgraph per category.

    Node ids are n0, n1, ... in drawing order, so no id can break the syntax.
    """
    names = {node.id: f"n{i}" for i, node in enumerate(view.nodes)}
    lines = ["flowchart TD"]
    for category, members in _clusters(view):
        title = mermaid_text(CATEGORY_TITLES[category])
        lines.append(f'  subgraph cluster_{category.replace("-", "_")}["{title}"]')
        lines.extend(f"    {_mermaid_node(names[n.id], n)}" for n in members)
        lines.append("  end")
    lines.extend(f"  {_mermaid_node(names[n.id], n)}" for n in view.nodes if n.category is None)
    lines.extend(
        f"  {names[e.source]} {MERMAID_ARROWS[e.kind]} {names[e.target]}" for e in view.edges
    )
    lines.extend(f"  {line}" for line in MERMAID_CLASSES)
    return "\n".join(lines) + "\n"


def mermaid_text(text: str) -> str:
    """``text`` for a quoted Mermaid label: anything but letters, digits and plain
    punctuation as an entity code (#quot; or #60;), since Mermaid renders labels as HTML
    and reads ``#``, ``%%``, backticks and brackets as syntax."""
    return "".join(
        ch if MERMAID_SAFE.fullmatch(ch) else "#quot;" if ch == '"' else f"#{ord(ch)};"
        for ch in text
    )


def _mermaid_node(name: str, node: Node) -> str:
    label = mermaid_text(short_label(node))
    shape = f'(["{label}"])' if node.kind == PAPER else f'["{label}"]'
    return f"{name}{shape}" + (f":::{style}" if (style := _mermaid_class(node)) else "")


def _mermaid_class(node: Node) -> str | None:
    """The one class a node takes (Mermaid's ``:::`` shorthand sets one)."""
    classes = (
        ("focus", node.focus),
        ("goal", node.goal),
        ("known", node.known),
        ("paper", node.kind == PAPER),
    )
    return next((name for name, applies in classes if applies), None)


# --- Cytoscape ---------------------------------------------------------------------------

JSON_HTML_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
"""Escapes that keep the JSON inert if a page inlines it in a <script> element."""
JSON_LINE_SAFE = {"\u2028": "\\u2028", "\u2029": "\\u2029"}


def cytoscape_json(view: View) -> bytes:
    """The view as Cytoscape.js elements JSON (UTF-8)."""
    nodes = [
        {
            "data": {
                "id": n.id,
                "label": short_label(n),
                "title": n.title,
                "kind": n.kind,
                "category": None if n.category is None else str(n.category),
                "step": n.step,
                "goal": n.goal,
                "known": n.known,
                "focus": n.focus,
                "status": n.status,
            }
        }
        for n in view.nodes
    ]
    edges = [
        {
            "data": {
                "id": f"{e.source}->{e.target}",
                "source": e.source,
                "target": e.target,
                "kind": e.kind,
            }
        }
        for e in view.edges
    ]
    text = json.dumps(
        {"elements": {"nodes": nodes, "edges": edges}}, ensure_ascii=False, separators=(",", ":")
    )
    for char, escape in {**JSON_HTML_SAFE, **JSON_LINE_SAFE}.items():
        text = text.replace(char, escape)  # these characters only occur inside strings
    return text.encode()
