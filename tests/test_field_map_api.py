"""The API behind the page's map of the field and concept index: the whole graph without
papers (every concept, clustered by category, prerequisites drawn left to right) and the
categories with their names, in the taxonomy's order."""

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph import load_graph
from graph.taxonomy import CATEGORY_TITLES, Category
from tests.helpers import REPO
from tests.test_diagrams import svg_clusters, svg_edges, svg_nodes, svg_root


@pytest.fixture(scope="module")
def graph():
    return load_graph(REPO, cache_dir=None)


@pytest.fixture(scope="module")
def client(graph) -> TestClient:
    return TestClient(create_app(graph, processes=0))  # in-process: no worker pool to start


def test_the_map_is_every_concept_and_its_prerequisites_by_category(client, graph):
    response = client.get("/v1/graph", params={"papers": "false"})
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    root = svg_root(response.content)
    nodes = svg_nodes(root)
    assert set(nodes) == set(graph.concepts)  # no paper, no concept missing
    categories = {c.category for c in graph.concepts.values()}
    assert svg_clusters(root) == {f"cluster_{c}" for c in categories}
    # Every edge drawn is a prerequisite between concepts, and each concept's prerequisites
    # stay reachable (the transitive reduction leaves out only implied edges).
    edges = svg_edges(root)
    assert edges and all(u in graph.concepts and v in graph.concepts for u, v in edges)
    drawn = {v: {u for u, w in edges if w == v} for v in graph.concepts}

    def reaches(start: str, target: str) -> bool:
        todo, seen = [start], set()
        while todo:
            node = todo.pop()
            if node == target:
                return True
            seen.add(node)
            todo.extend(drawn[node] - seen)
        return False

    assert all(reaches(c, p) for c in graph.concepts for p in graph.prerequisites(c))
    # Left to right: the whole graph top to bottom was one row of categories ten times
    # wider than tall; across, it is nearer a page's shape.
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    assert width < 3 * height
    with_papers = svg_nodes(svg_root(client.get("/v1/graph").content))
    assert set(with_papers) == set(graph.digraph)  # papers still drawn by default


def test_papers_false_keeps_a_focus_paper_and_drops_the_others(client, graph):
    paper = "attention-is-all-you-need"
    params = {"focus": paper, "depth": 1, "papers": "false", "format": "cytoscape"}
    elements = client.get("/v1/graph", params=params).json()["elements"]
    nodes = {n["data"]["id"] for n in elements["nodes"]}
    assert paper in nodes and not (nodes - {paper}) & set(graph.papers)


def test_categories_come_with_their_names_in_the_taxonomy_order(client, graph):
    categories = client.get("/v1/categories").json()
    order = [c.value for c in Category]
    assert [c["id"] for c in categories] == sorted((c["id"] for c in categories), key=order.index)
    assert all(c["title"] == CATEGORY_TITLES[Category(c["id"])] for c in categories)
    assert sum(c["concepts"] for c in categories) == len(graph.concepts)


def test_a_concept_names_its_category(client):
    concept = client.get("/v1/concepts/attention").json()
    assert (concept["category"], concept["category_title"]) == (
        "architectures-scaling",
        "Architectures & Scaling",
    )
    listed = client.get("/v1/concepts", params={"per_page": 100}).json()["items"]
    assert all(c["category_title"] == CATEGORY_TITLES[Category(c["category"])] for c in listed)
