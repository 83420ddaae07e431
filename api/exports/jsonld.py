"""A plan as schema.org JSON-LD: a ``Course`` whose parts are its steps, in study order.

- The course: name, description, total ``timeRequired``, ``teaches`` (the goals) and
  ``coursePrerequisites`` (the titles of what the learner said they know).
- ``hasPart``: one ``LearningResource`` per step with its ``position`` (the step number),
  ``timeRequired``, ``url`` (a paper's page, or the concept's first resource) and what it
  ``teaches``. A paper is also a ``ScholarlyArticle``, since schema.org means
  LearningResource to be added to a primary type. Concepts carry ``educationalLevel`` and
  are ``about`` their category.
- ``competencyRequired`` names what a step needs from the earlier steps it requires: the
  ``DefinedTerm`` of each (schema.org allows only DefinedTerm, Text or URL there, never a
  LearningResource). A concept's term has one ``@id`` (its catalogue URL + ``#term``)
  wherever it appears, so the term a step requires is the very node an earlier step
  ``teaches``, and a JSON-LD processor sees one connected graph.

Every ``@id`` is a URL of this service under ``base_url``: the catalogue's page for each
concept or paper, and for the course the linkable GET that asks for the same plan. The
result is a plain dict; serialising it as JSON escapes any title.
"""

from typing import Any
from urllib.parse import urlencode

from api.exports.case import plan_prerequisites, plan_title
from graph import KnowledgeGraph
from graph.taxonomy import CATEGORY_TITLES, StudyDepth
from planner.plan import Plan, Step

CONTEXT = "https://schema.org"
Json = dict[str, Any]


def iso_duration(minutes: int) -> str:
    """``minutes`` as an ISO 8601 duration in hours and minutes: 165 -> 'PT2H45M', 0 -> 'PT0M'.

    Hours are not carried into days: a day in a duration is a calendar day, and study
    time is counted in hours (30 hours of study is 'PT30H', not 'P1DT6H').
    """
    if minutes < 0:
        raise ValueError(f"a duration cannot be negative: {minutes}")
    hours, rest = divmod(minutes, 60)
    text = (f"{hours}H" if hours else "") + (f"{rest}M" if rest or not hours else "")
    return "PT" + text


def plan_jsonld(plan: Plan, graph: KnowledgeGraph, base_url: str) -> Json:
    """``plan`` as a schema.org Course with one LearningResource per step."""
    base = base_url.rstrip("/")
    needs = plan_prerequisites(plan, graph)
    steps = {step.id: step for step in plan.steps}
    course: Json = {
        "@context": CONTEXT,
        "@type": "Course",
        "@id": plan_url(plan, base),
        "name": plan_title(plan, graph),
        "description": (
            f"A study plan of {len(plan.steps)} steps, {plan.minutes} minutes in all, "
            f"on the {plan.track} track."
        ),
        "inLanguage": "en",
        "timeRequired": iso_duration(plan.minutes),
        "version": graph.content_hash[:12],
        "teaches": [_term(graph, goal, base) for goal in plan.goals if _known_id(graph, goal)],
    }
    if plan.known:  # as names: a course's prerequisites are read by people
        course["coursePrerequisites"] = [graph.title_of(node) for node in plan.known]
    course["hasPart"] = [
        _part(graph, step, [steps[n] for n in needs[step.id]], base) for step in plan.steps
    ]
    return course


def plan_url(plan: Plan, base: str) -> str:
    """The GET /v1/plans link that asks for this plan: its goals (or preset), known ids,
    track and budget. The pace is left out: it dates the plan but does not change it."""
    query = [("goal", goal) for goal in ((plan.preset,) if plan.preset else plan.goals)]
    query += [("known", node) for node in plan.known]
    query.append(("track", str(plan.track)))
    if plan.depth is not StudyDepth.STUDY:
        query.append(("depth", str(plan.depth)))
    if plan.budget_minutes is not None:
        query.append(("budget", f"{plan.budget_minutes}m"))
    return f"{base}/v1/plans?{urlencode(query)}"


def node_url(graph: KnowledgeGraph, node: str, base: str) -> str:
    """The catalogue's URL of a concept or a paper."""
    collection = "concepts" if node in graph.concepts else "papers"
    return f"{base}/v1/{collection}/{node}"


def _part(graph: KnowledgeGraph, step: Step, needs: list[Step], base: str) -> Json:
    part: Json = {
        "@type": "LearningResource",
        "@id": node_url(graph, step.id, base),
        "identifier": step.id,
        "name": step.title,
        "position": step.number,
        "timeRequired": iso_duration(step.minutes),
    }
    if step.kind == "concept":
        concept = graph.concepts[step.id]
        part |= {
            "description": concept.summary,
            "learningResourceType": str(concept.kind),
            "educationalLevel": str(concept.level),
            "teaches": _term(graph, step.id, base),
            "about": {
                "@type": "DefinedTerm",
                "termCode": str(concept.category),
                "name": CATEGORY_TITLES[concept.category],
            },
        }
        url = next((m.url for m in step.material if m.url), None)
    else:
        paper = graph.papers[step.id]
        part |= {
            "@type": ["LearningResource", "ScholarlyArticle"],
            "description": paper.advice,
            "learningResourceType": "paper",
            "author": {"@type": "Person", "name": paper.first_author},  # the others unnamed
            "datePublished": str(paper.year),
            "teaches": [_term(graph, concept, base) for concept in paper.teaches],
        }
        url = step.link
    if url:
        part["url"] = url
    if needs:
        part["competencyRequired"] = [_term(graph, n.id, base) for n in needs]
    return part


def _term(graph: KnowledgeGraph, node: str, base: str) -> Json:
    """What a step teaches, or needs, as a DefinedTerm: the concept's (or paper's) id and
    title, under one ``@id`` (distinct from the step's own) wherever it is named."""
    return {
        "@type": "DefinedTerm",
        "@id": node_url(graph, node, base) + "#term",
        "termCode": node,
        "name": graph.title_of(node),
        "url": node_url(graph, node, base),
    }


def _known_id(graph: KnowledgeGraph, node: str) -> bool:
    return node in graph.concepts or node in graph.papers
