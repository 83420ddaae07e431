"""The graph, or one plan, as a 1EdTech CASE 1.1 package (CFPackage JSON).

A CASE consumer (a competency-framework server, an LMS) imports the package as one
framework: a CFDocument, its CFItems and the CFAssociations between them.

- Items: a grouping item per category, an item per concept and per paper.
- ``isChildOf`` builds the tree: concept -> category -> document, paper -> document
  (in a plan: each step -> document, numbered in study order).
- Prerequisites are ``precedes`` from the prerequisite to what needs it (CASE has
  no "isPrerequisiteOf"); a recommendation and a paper teaching a concept are
  ``isRelatedTo``, with notes that say which.

Identifiers are UUIDv5 names under the graph's own namespace (``graph.namespace``:
graph.yaml's ``namespace``, or one derived from the graph's node ids) of a readable
key; the whole graph's CFDocument is the namespace itself, so a framework imported
back (``syllabus import case``: graph.yaml's namespace is the document's identifier)
exports with the very same identifiers. So exporting the same graph again gives the
same identifiers and a re-import updates the framework instead of duplicating it,
while two graphs never share an identifier. A plan's items are keyed under the plan
(CASE items belong to one document), so importing a plan never rewrites the graph's
framework.

Every record carries only the properties the official CASE 1.1 JSON Schemas allow
(``tests/standards/case11``): a package's CFDocument has no CFPackageURI and its
items no CFDocumentURI. The provider API's shapes of one object on its own
(``CaseFramework``: a CFDocument with its CFPackageURI, a CFItem or CFAssociation
with its CFDocumentURI, an item with its associations) are built from the package.

Each ``uri`` is where the server that wrote the export serves the object (the CASE
provider API, ``api/routes/case.py``, under ``{base_url}/ims/case/v1p1``). A plan's
objects exist only in the plan, so a plan's uris carry the plan's query string
(``planner.query.steps_query``: what decides the plan's steps, in ``GET /v1/plans`` spelling), from
which the provider plans it again; without the request they carry none, and do
not resolve.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph import KnowledgeGraph
from graph.taxonomy import CATEGORY_TITLES, Category
from planner.plan import Plan, Step
from planner.query import steps_query
from planner.request import PlanRequest

UNKNOWN_CHANGE = datetime(1970, 1, 1, tzinfo=UTC)
"""The default lastChangeDateTime: the Unix epoch, deterministic and plainly not a real
change time. Callers that know when the data last changed pass it as ``changed``."""

CASE_PATH = "/ims/case/v1p1"
"""Where a CASE 1.1 provider serves its objects; each object's ``uri`` lives under it."""

CASE_VERSION = "1.1"

CREATOR = "Syllabus"

Json = dict[str, Any]


def graph_case(graph: KnowledgeGraph, base_url: str, changed: datetime = UNKNOWN_CHANGE) -> Json:
    """The whole graph as one CASE framework: categories, concepts, papers and their edges."""
    doc = _Doc(graph.namespace, "graph:", base_url, changed, document=str(graph.namespace))
    document = doc.document(
        graph.title,
        graph,
        f"{len(graph.concepts)} concepts in {len(_categories(graph))} categories and "
        f"{len(graph.papers)} papers, with the prerequisites between them.",
    )
    items = [doc.category_item(c) for c in _categories(graph)]
    items += [doc.concept_item(graph, cid) for cid in sorted(graph.concepts)]
    items += [doc.paper_item(graph, pid) for pid in sorted(graph.papers)]
    return {
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": [*_graph_tree(doc, graph), *_graph_edges(doc, graph)],
    }


def plan_case(
    plan: Plan,
    graph: KnowledgeGraph,
    base_url: str,
    changed: datetime = UNKNOWN_CHANGE,
    request: PlanRequest | None = None,
) -> Json:
    """One plan as a CASE framework: its steps in study order and the prerequisites among them.

    ``request`` is what the plan was made from: its ``planner.query.steps_query`` ends every uri, so
    that the server can plan it again to serve them.
    """
    query = steps_query(request) if request is not None else ""
    doc = _Doc(graph.namespace, f"plan:{plan_key(plan)}:", base_url, changed, query)
    document = doc.document(
        plan_title(plan, graph),
        graph,
        f"A study plan of {len(plan.steps)} steps, {plan.minutes} minutes in all, "
        f"on the {plan.track} track.",
    )
    items = [
        doc.concept_item(graph, s.id) if s.kind == "concept" else doc.paper_item(graph, s.id)
        for s in plan.steps
    ]
    tree = [
        doc.association("isChildOf", _node_key(s), doc.document_key, sequence=s.number)
        for s in plan.steps
    ]
    steps = {s.id: s for s in plan.steps}
    needs = plan_prerequisites(plan, graph)
    precedes = [
        doc.association("precedes", _node_key(steps[before]), _node_key(step))
        for step in plan.steps
        for before in needs[step.id]
    ]
    return {"CFDocument": document, "CFItems": items, "CFAssociations": tree + precedes}


def plan_key(plan: Plan) -> str:
    """What makes two exports "the same plan" for re-import: goals, track and what is known.

    The budget is left out on purpose: a plan re-fitted to a new budget updates the
    framework it was imported as.
    """
    goals = plan.preset or ",".join(plan.goals)
    return f"{plan.track}:{goals}:{','.join(sorted(plan.known))}"


def plan_title(plan: Plan, graph: KnowledgeGraph) -> str:
    """A human title for a plan: its preset's title, or the titles of its goals."""
    if plan.preset:
        return graph.paths[plan.preset].title
    return "Study plan: " + ", ".join(graph.title_of(g) for g in plan.goals)


def plan_prerequisites(plan: Plan, graph: KnowledgeGraph) -> dict[str, tuple[str, ...]]:
    """For each step, the earlier steps it requires, in plan order.

    A step requires another when a path of requirements leads from it to the other
    through nodes that are not steps: a concept a budget left out, say. A concept
    the plan reads inside a paper (the step's ``covers``) stands for that paper, and
    the paper requires what such concepts require, as the planner's paper track has
    it. Known ids end a path. Only earlier steps count, so the relation always agrees
    with the plan's order and can never form a cycle.
    """
    place = {s.id: i for i, s in enumerate(plan.steps)}
    known = set(plan.known)
    # A concept read inside a paper step stands for that step, as the planner chose.
    readers = {c: s.id for s in plan.steps if s.kind == "paper" for c in s.covers}
    out = {}
    for step in plan.steps:
        found = _required_steps(graph, step.id, place, known, readers)
        earlier = (n for n in found if place[n] < place[step.id])
        out[step.id] = tuple(sorted(earlier, key=place.__getitem__))
    return out


def _required_steps(
    graph: KnowledgeGraph,
    node: str,
    place: dict[str, int],
    known: set[str],
    readers: dict[str, str],
) -> set[str]:
    stands_for = [c for c, paper in readers.items() if paper == node]
    stack = [p for n in (node, *stands_for) for p in graph.prerequisites(n)]
    found: set[str] = set()
    seen = {node, *stands_for}
    while stack:
        current = stack.pop()
        if current in seen or current in known:
            continue
        seen.add(current)
        step = current if current in place else readers.get(current)
        if step is not None:
            found.add(step)
        else:  # not in the plan (left out by a budget): what it requires still counts
            stack.extend(graph.prerequisites(current))
    return found - {node}


class _Doc:
    """Builds the records of one CFDocument: identifiers, URIs and titles under one key."""

    document_key = "document"

    def __init__(
        self,
        namespace: uuid.UUID,
        scope: str,
        base_url: str,
        changed: datetime,
        query: str = "",
        document: str | None = None,
    ) -> None:
        self.namespace = namespace
        self.document_id = document  # the document's identifier, when not derived
        self.scope = scope
        self.base = base_url.rstrip("/") + CASE_PATH
        self.query = f"?{query}" if query else ""
        self.changed = _timestamp(changed)
        self.titles: dict[str, str] = {}  # node key -> title, for the associations' LinkURIs

    def identifier(self, key: str) -> str:
        if key == self.document_key and self.document_id is not None:
            return self.document_id
        return str(uuid.uuid5(self.namespace, self.scope + key))

    def uri(self, collection: str, identifier: str) -> str:
        return f"{self.base}/{collection}/{identifier}{self.query}"

    def link(self, collection: str, key: str) -> Json:
        """A CASE LinkURI to one of this document's records."""
        identifier = self.identifier(key)
        return {
            "title": self.titles[key],
            "identifier": identifier,
            "uri": self.uri(collection, identifier),
        }

    def document(self, title: str, graph: KnowledgeGraph, description: str) -> Json:
        key = self.document_key
        self.titles[key] = title
        identifier = self.identifier(key)
        return {
            "identifier": identifier,
            "uri": self.uri("CFDocuments", identifier),
            "caseVersion": CASE_VERSION,
            "creator": CREATOR,
            "title": title,
            "lastChangeDateTime": self.changed,
            "description": description,
            "language": "en",
            "version": graph.content_hash[:12],
        }

    def item(self, key: str, title: str, code: str | None, item_type: str, **extra: Any) -> Json:
        """An item; ``code`` is the id people see (humanCodingScheme), None for a grouping."""
        self.titles[key] = title
        identifier = self.identifier(key)
        record = {
            "identifier": identifier,
            "uri": self.uri("CFItems", identifier),
            "fullStatement": title,
            "CFItemType": item_type,
            "language": "en",
            "lastChangeDateTime": self.changed,
        }
        optional = {"humanCodingScheme": code, **extra}
        record.update({k: v for k, v in optional.items() if v})  # CASE leaves absent fields out
        return record

    def category_item(self, category: Category) -> Json:
        # No humanCodingScheme: a category's slug can be a concept's id too
        # ("reasoning-models"), and a code should name one item of the framework.
        return self.item(f"category:{category}", CATEGORY_TITLES[category], None, "Category")

    def concept_item(self, graph: KnowledgeGraph, cid: str) -> Json:
        concept = graph.concepts[cid]
        return self.item(
            f"concept:{cid}",
            concept.title,
            cid,
            "Practice" if concept.kind == "practice" else "Concept",
            notes=concept.summary,
            conceptKeywords=list(concept.aliases),
            educationLevel=[str(concept.level)],  # our own levels: CASE takes any strings
        )

    def paper_item(self, graph: KnowledgeGraph, pid: str) -> Json:
        paper = graph.papers[pid]
        link = paper.link
        notes = paper.advice + (f"\n\nRead it at {link}" if link else "")
        return self.item(
            f"paper:{pid}",
            paper.title,
            pid,
            "Paper",
            abbreviatedStatement=f"{paper.authors} ({paper.year})",
            notes=notes,
            conceptKeywords=list(paper.aliases),
        )

    def association(
        self,
        kind: str,
        origin: str,
        destination: str,
        sequence: int | None = None,
        notes: str | None = None,
        relation: str | None = None,
    ) -> Json:
        """``kind`` from ``origin`` to ``destination`` (node keys); ``relation`` names our edge
        when one CASE type carries several, so each keeps its own identifier."""
        key = f"association:{relation or kind}:{origin}:{destination}"
        identifier = self.identifier(key)
        target = "CFDocuments" if destination == self.document_key else "CFItems"
        record: Json = {
            "identifier": identifier,
            "uri": self.uri("CFAssociations", identifier),
            "associationType": kind,
            "originNodeURI": self.link("CFItems", origin),
            "destinationNodeURI": self.link(target, destination),
            "lastChangeDateTime": self.changed,
        }
        if sequence is not None:
            record["sequenceNumber"] = sequence
        if notes:
            record["notes"] = notes
        return record


@dataclass(frozen=True)
class CaseFramework:
    """One exported package indexed by identifier: what the CASE provider API serves.

    Each object comes in the shape CASE gives it on its own (its own JSON Schema),
    built from the package's record: the CFDocument with a CFPackageURI, a CFItem or
    CFAssociation with a CFDocumentURI, and an item with every association it is an
    end of (a CFAssociationSet).
    """

    package: Json
    items: dict[str, Json] = field(default_factory=dict)
    associations: dict[str, Json] = field(default_factory=dict)
    involving: dict[str, list[Json]] = field(default_factory=dict)  # item id -> associations

    @classmethod
    def of(cls, package: Json) -> "CaseFramework":
        framework = cls(package, {i["identifier"]: i for i in package["CFItems"]})
        for association in package["CFAssociations"]:
            framework.associations[association["identifier"]] = association
            for end in ("originNodeURI", "destinationNodeURI"):
                target = association[end]["identifier"]
                if target in framework.items:
                    found = framework.involving.setdefault(target, [])
                    if not found or found[-1] is not association:  # an item linked to itself
                        found.append(association)
        return framework

    @property
    def identifier(self) -> str:
        """The CFDocument's identifier, which is its CFPackage's too."""
        identifier: str = self.package["CFDocument"]["identifier"]
        return identifier

    def document(self) -> Json:
        """The CFDocument on its own: with the link to its package."""
        document = self.package["CFDocument"]
        head, _, tail = document["uri"].rpartition("/CFDocuments/")
        package = {**self._document_link(), "uri": f"{head}/CFPackages/{tail}"}
        return {**document, "CFPackageURI": package}

    def document_set(self) -> Json:
        return {"CFDocuments": [self.document()]}

    def item(self, identifier: str) -> Json | None:
        item = self.items.get(identifier)
        return None if item is None else {**item, "CFDocumentURI": self._document_link()}

    def association(self, identifier: str) -> Json | None:
        association = self.associations.get(identifier)
        if association is None:
            return None
        return {**association, "CFDocumentURI": self._document_link()}

    def item_associations(self, identifier: str) -> Json | None:
        """The item and every association it takes part in, in the package's order."""
        item = self.item(identifier)
        if item is None:
            return None
        return {"CFItem": item, "CFAssociations": self.involving.get(identifier, [])}

    def _document_link(self) -> Json:
        document = self.package["CFDocument"]
        return {
            "title": document["title"],
            "identifier": document["identifier"],
            "uri": document["uri"],
        }


def _graph_tree(doc: _Doc, graph: KnowledgeGraph) -> Iterator[Json]:
    """isChildOf: categories and papers under the document, concepts under their category."""
    for number, category in enumerate(_categories(graph), start=1):
        yield doc.association("isChildOf", f"category:{category}", doc.document_key, number)
    by_category: dict[Category, list[str]] = {}
    for cid in sorted(graph.concepts):
        by_category.setdefault(graph.concepts[cid].category, []).append(cid)
    for category, ids in by_category.items():
        for number, cid in enumerate(ids, start=1):
            yield doc.association("isChildOf", f"concept:{cid}", f"category:{category}", number)
    papers = sorted(graph.papers, key=graph.reading_order.__getitem__)  # in reading order
    first = len(_categories(graph)) + 1
    for number, pid in enumerate(papers, start=first):
        yield doc.association("isChildOf", f"paper:{pid}", doc.document_key, number)


_EDGE_TYPES = {
    "requires": ("precedes", None),
    "recommends": ("isRelatedTo", "recommended before"),
    "teaches": ("isRelatedTo", "teaches"),
}
"""Each graph edge kind as a CASE association type, with notes where the type alone is vague."""


def _graph_edges(doc: _Doc, graph: KnowledgeGraph) -> Iterator[Json]:
    """Every edge of the graph, prerequisite (or teacher) first, in a fixed order."""
    # edges(data=...) cannot know the attribute's type: every edge has a str kind
    edges: list[tuple[str, str, str]] = sorted(graph.digraph.edges(data="kind"))
    for source, target, kind in edges:
        case_type, notes = _EDGE_TYPES[kind]
        yield doc.association(
            case_type,
            _key(graph, source),
            _key(graph, target),
            notes=notes,
            relation=kind,
        )


def _categories(graph: KnowledgeGraph) -> list[Category]:
    """The categories that hold concepts, in the taxonomy's order."""
    used = {c.category for c in graph.concepts.values()}
    return [c for c in Category if c in used]


def _key(graph: KnowledgeGraph, node: str) -> str:
    return f"concept:{node}" if node in graph.concepts else f"paper:{node}"


def _node_key(step: Step) -> str:
    return f"{step.kind}:{step.id}"


def _timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC, to the second, as CASE examples write it; naive times count as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")
