"""The knowledge graph as resources: concepts, papers, categories, search, presets, next."""

from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from api.errors import ApiError, shown
from api.models import (
    ERRORS,
    CategoryOut,
    ConceptDetail,
    ConceptSummary,
    DepthOut,
    MaterialOut,
    NextOut,
    NodeRef,
    Page,
    PaperDetail,
    PaperSummary,
    PresetOut,
    PresetStep,
    ResourceOut,
    SearchHit,
)
from api.plan_output import material_data
from api.state import AppState, app_state, status_out
from graph import KnowledgeGraph
from graph.nodes import Concept, Paper
from graph.search import matches as _matches
from graph.search import search as search_graph
from graph.suggest import suggest
from graph.taxonomy import CATEGORY_TITLES, Category, EdgeKind, Level, StudyDepth
from planner.fringe import fringe
from planner.request import MAX_KNOWN, NodeId
from planner.resolve import check_id

router = APIRouter(prefix="/v1", responses=ERRORS)
State = Annotated[AppState, Depends(app_state)]
MAX_PER_PAGE = 100
MAX_QUERY = 200


@router.get("/concepts", tags=["graph"])
async def list_concepts(
    state: State,
    category: Category | None = None,
    level: Level | None = None,
    q: Annotated[str | None, Query(max_length=MAX_QUERY, description="Text to look for")] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> Page[ConceptSummary]:
    """Concepts, filtered by category, level and text, a page at a time (in id order)."""
    concepts = [
        c
        for c in sorted(state.graph.concepts.values())
        if (category is None or c.category == category)
        and (level is None or c.level == level)
        and (not q or _matches(q, c.title, c.summary, c.id, *c.aliases))
    ]
    return _page(concepts, page, per_page, _concept_summary)


@router.get("/concepts/{concept_id}", tags=["graph"])
async def get_concept(concept_id: str, state: State) -> ConceptDetail:
    """One concept with its prerequisites, dependents, papers, resources, checklist and demo."""
    graph = state.graph
    concept = graph.concepts.get(concept_id)
    if concept is None:
        raise _unknown(graph, concept_id, "concept_id", "concept")
    # out_edges(data=...) cannot know the attribute's type: every edge has a str kind
    out: Iterable[tuple[str, str, str]] = graph.digraph.out_edges(concept_id, data="kind")
    dependents = sorted(v for _, v, kind in out if kind == EdgeKind.REQUIRES)
    return ConceptDetail(
        **_concept_summary(concept).model_dump(),
        aliases=list(concept.aliases),
        kind=str(concept.kind),
        source_minutes=concept.source_minutes,
        depths=[
            DepthOut(
                depth=str(depth),
                minutes=chosen.minutes,
                material=[MaterialOut(**m) for m in material_data(chosen.material)],
            )
            for depth, chosen in concept.depths.items()
        ],
        prerequisites=_refs(graph, concept.requires),
        recommended=_refs(graph, concept.recommends),
        dependents=_refs(graph, dependents),
        papers=_refs(graph, concept.papers),
        resources=[ResourceOut(**r._asdict()) for r in concept.resources],
        checklist=list(concept.checklist),
        demo=concept.demo,
        activity=concept.activity,
        demo_status=status_out(state, concept.demo),
    )


@router.get("/papers", tags=["graph"])
async def list_papers(
    state: State,
    q: Annotated[str | None, Query(max_length=MAX_QUERY)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> Page[PaperSummary]:
    """Papers, filtered by text, a page at a time (in id order)."""
    papers = [
        p
        for p in sorted(state.graph.papers.values())
        if not q or _matches(q, p.title, p.id, p.first_author, *p.aliases)
    ]
    return _page(papers, page, per_page, _paper_summary)


@router.get("/papers/{paper_id}", tags=["graph"])
async def get_paper(paper_id: str, state: State) -> PaperDetail:
    """One paper with what it teaches, what it needs, and how to read it."""
    graph = state.graph
    paper = graph.papers.get(paper_id)
    if paper is None:
        raise _unknown(graph, paper_id, "paper_id", "paper")
    return PaperDetail(
        **_paper_summary(paper).model_dump(),
        aliases=list(paper.aliases),
        arxiv=paper.arxiv,
        advice=paper.advice,
        minutes={str(depth): m for depth, m in paper.minutes.items()},
        teaches=_refs(graph, paper.teaches),
        prerequisites=_refs(graph, paper.requires),
    )


@router.get("/categories", tags=["graph"])
async def categories(state: State) -> list[CategoryOut]:
    """Every category with concepts in it, in the taxonomy's order: its name, how many
    concepts, and their minutes together."""
    out: dict[str, CategoryOut] = {}
    for concept in state.graph.concepts.values():
        entry = out.setdefault(
            concept.category,
            CategoryOut(
                id=concept.category,
                title=CATEGORY_TITLES[concept.category],
                concepts=0,
                minutes=0,
            ),
        )
        entry.concepts += 1
        entry.minutes += concept.minutes
    return [out[c] for c in Category if c in out]


@router.get("/search", tags=["graph"])
async def search(
    state: State,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY)],
    limit: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
) -> list[SearchHit]:
    """Concepts and papers by id, title or alias (exact first), then titles and aliases
    that contain the query, then near spellings, then summaries and authors."""
    return [SearchHit(**hit._asdict()) for hit in search_graph(state.graph, q, limit)]


@router.get("/presets", tags=["plans"])
async def presets(state: State) -> list[PresetOut]:
    """The curated paths; plan one by passing its id as a goal."""
    return [_preset(state, pid) for pid in state.graph.paths]


@router.get("/presets/{preset_id}", tags=["plans"])
async def preset(preset_id: str, state: State) -> PresetOut:
    """One curated path: its steps in the seed's order, its track and its total."""
    if preset_id not in state.graph.paths:
        options = suggest(preset_id, state.graph.spellings("preset"))
        message = f"no preset {shown(preset_id)}"
        raise ApiError(404, "unknown-id", message, "preset_id", options, value=preset_id)
    return _preset(state, preset_id)


@router.get("/next", tags=["plans"])
async def next_concepts(
    state: State,
    known: Annotated[list[NodeId], Query(max_length=MAX_KNOWN)] = [],  # noqa: B006
    limit: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 10,
    known_implies_prerequisites: bool = True,
) -> list[NextOut]:
    """What can I learn next? Concepts whose prerequisites are all known, by what they unlock."""
    for node in known:
        check_id(state.graph, node, "known", presets=False)
    found = fringe(state.graph, known, implies=known_implies_prerequisites, limit=limit)
    return [NextOut(id=n.id, title=n.title, minutes=n.minutes, unlocks=n.unlocks) for n in found]


def _page(records: list, page: int, per_page: int, summary: Callable[[Any], Any]) -> Any:
    """One page of ``records`` as the fields of a Page; only that page is summarised."""
    start = (page - 1) * per_page
    window = [summary(r) for r in records[start : start + per_page]]
    return {"items": window, "total": len(records), "page": page, "per_page": per_page}


def _concept_summary(c: Concept) -> ConceptSummary:
    return ConceptSummary(
        id=c.id,
        title=c.title,
        category=c.category,
        category_title=CATEGORY_TITLES[c.category],
        level=c.level,
        minutes=c.minutes,
        summary=c.summary,
    )


def _paper_summary(p: Paper) -> PaperSummary:
    return PaperSummary(
        id=p.id,
        title=p.title,
        authors=p.authors,
        year=p.year,
        venue=p.venue,
        priority=p.priority,
        phase=p.phase,
        depth=p.depth,
        link=p.link,
    )


def _refs(graph: KnowledgeGraph, ids: tuple[str, ...] | list[str]) -> list[NodeRef]:
    return [_ref(graph, node) for node in ids]


def _ref(graph: KnowledgeGraph, node: str) -> NodeRef:
    if node in graph.concepts:
        return NodeRef(id=node, kind="concept", title=graph.concepts[node].title)
    return NodeRef(id=node, kind="paper", title=graph.papers[node].title)


def _unknown(
    graph: KnowledgeGraph, node: str, field: str, kind: Literal["concept", "paper"]
) -> ApiError:
    options = suggest(node, graph.spellings(kind))
    return ApiError(404, "unknown-id", f"no {kind} with id {shown(node)}", field, options, node)


def _preset(state: AppState, preset_id: str) -> PresetOut:
    path = state.graph.paths[preset_id]
    material = state.preset_minutes[preset_id]
    return PresetOut(
        id=path.id,
        title=path.title,
        summary=path.summary,
        track=path.track,
        minutes=material[StudyDepth.STUDY],
        material_minutes=material,
        source_minutes=state.graph.path_source_minutes(preset_id),
        stated_minutes=list(path.stated_minutes) if path.stated_minutes else None,
        assumes=list(path.assumes),
        steps=[PresetStep(**s._asdict()) for s in path.steps],
        later=list(path.later),
    )
