"""A CASE 1.1 provider, read-only: 1EdTech's REST binding over the graph's competency
framework and any plan's, one object at a time, where the CASE exports' uris point.

    GET /ims/case/v1p1/CFDocuments                     the CFDocumentSet: the graph's framework
    GET /ims/case/v1p1/CFDocuments/{sourcedId}         a CFDocument
    GET /ims/case/v1p1/CFPackages/{sourcedId}          a CFPackage (its CFDocument's sourcedId)
    GET /ims/case/v1p1/CFItems/{sourcedId}             a CFItem
    GET /ims/case/v1p1/CFAssociations/{sourcedId}      a CFAssociation
    GET /ims/case/v1p1/CFItemAssociations/{sourcedId}  a CFItem and the associations it is in

Every payload is built from the export itself (``api.exports.case.CaseFramework``):
the graph's package is exported once per base URL and kept (``AppState.case``). A
plan's objects exist only in the plan, so a plan's uris carry its query, the
``GET /v1/plans`` fields that decide its steps (``planner.query.steps_query``); with one, the
provider plans it again in a worker process, as any plan request, and serves the
object from that plan.

A failure answers CASE's imsx_StatusInfo, not the app's error JSON: 400
``invalid_uuid`` for a sourcedId that is not a UUID and 400 ``invalid_selection_field``
for a malformed query (both from FastAPI's validation, through ``validation_failure``),
404 ``unknownobject`` for an id the framework does not have, or for a plan query the
planner refuses (no plan, so no object of it).
"""

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import Field

from api.errors import ApiError
from api.exports.case import CASE_PATH, CaseFramework, Json
from api.exports.formats import json_bytes
from api.jobs import graph_case_package, plan_case_package
from api.models import (
    CaseAssociation,
    CaseAssociationSet,
    CaseDocument,
    CaseDocumentSet,
    CaseItem,
    CasePackage,
    CaseStatus,
)
from api.routes.plans import base_url
from api.state import AppState
from planner.errors import PlanError, shown
from planner.query import PlanQuery
from planner.request import MAX_GOALS, NodeId

router = APIRouter(prefix=CASE_PATH, tags=["case"])


class CaseQuery(PlanQuery):
    """A plan's query on a CASE uri; none for the graph's framework."""

    goal: list[NodeId] = Field(
        default_factory=list,
        max_length=MAX_GOALS,
        description="A plan's object: a goal id of the plan (repeat it), or a preset's id; "
        "with the other fields as GET /v1/plans takes them. None: the graph's framework.",
    )


SourcedId = Annotated[
    uuid.UUID,
    Path(
        alias="sourcedId",
        description="The object's identifier (a UUID), as its uri ends",
        examples=["7d3c1f5e-2a4b-5c6d-8e9f-0a1b2c3d4e5f"],
    ),
]
PlanOf = Annotated[CaseQuery, Query()]


def _responses(model: type, what: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"model": model, "description": what},
        304: {"description": "Not modified: the ETag still matches"},
        400: {
            "model": CaseStatus,
            "description": "The sourcedId is not a UUID (invalid_uuid), or the query is "
            "malformed (invalid_selection_field)",
        },
        404: {
            "model": CaseStatus,
            "description": "No such object in the framework, or no such plan (unknownobject)",
        },
    }


def status(status_code: int, minor: str, field: str, description: str) -> Response:
    """CASE's imsx_StatusInfo for a failed request."""
    body = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": field, "imsx_codeMinorFieldValue": minor}
            ]
        },
    }
    return Response(json_bytes(body), status_code=status_code, media_type="application/json")


def is_case(request: Request) -> bool:
    """Whether ``request`` asks the CASE provider (whose failures are CASE's payload)."""
    return request.url.path.startswith(CASE_PATH + "/")


def validation_failure(exc: RequestValidationError) -> Response:
    """FastAPI's validation error on a CASE route as CASE says it."""
    problem = exc.errors()[0]
    where = [str(p) for p in problem.get("loc", ()) if p not in ("path", "query")]
    field = ".".join(where) or "request"
    value = problem.get("input")
    got = f" (got {shown(value)})" if isinstance(value, str) else ""
    message = f"{field}: {problem.get('msg', 'invalid value')}{got}"
    if field == "sourcedId":
        return status(400, "invalid_uuid", field, f"{message}; a sourcedId is a UUID")
    return status(400, "invalid_selection_field", field, message)


def not_found(request: Request) -> Response:
    """A path under the CASE prefix that names no endpoint."""
    return status(404, "unknownobject", "path", f"no CASE endpoint {shown(request.url.path)}")


async def _framework(request: Request, query: CaseQuery) -> CaseFramework | Response:
    """The graph's framework (kept per base URL), or the plan ``query`` names."""
    state = AppState.of(request)
    base = base_url(request)
    if not query.goal:
        if query.model_fields_set - {"goal"}:
            named = ", ".join(sorted(query.model_fields_set))
            return status(404, "unknownobject", "goal", f"a plan's query needs a goal ({named})")
        found = state.case.get(base)
        if found is None:
            found = CaseFramework.of(await state.workers().run(graph_case_package, base))
            state.case.put(base, found)
        return found
    try:
        plan_request = query.to_request()
        package = await state.workers().run(plan_case_package, plan_request, base)
    except PlanError as error:
        return status(404, "unknownobject", error.field, f"no such plan: {error.message}")
    except ApiError as error:
        return status(404, "unknownobject", error.field or "goal", f"no such plan: {error}")
    return CaseFramework.of(package)


async def _serve(
    request: Request,
    query: CaseQuery,
    sourced_id: uuid.UUID,
    kind: str,
    find: Callable[[CaseFramework, str], Json | None],
) -> Response:
    framework = await _framework(request, query)
    if isinstance(framework, Response):
        return framework
    identifier = str(sourced_id)
    found = find(framework, identifier)
    if found is None:
        where = "in that plan" if query.goal else "in the graph's framework"
        return status(404, "unknownobject", "sourcedId", f"no {kind} {identifier} {where}")
    return Response(json_bytes(found), media_type="application/json")


@router.get(
    "/CFDocuments",
    response_class=Response,
    responses=_responses(CaseDocumentSet, "The graph's framework, the one CFDocument served"),
)
async def get_cf_documents(request: Request) -> Response:
    """Every CFDocument this provider serves: the graph's framework (a plan's is served at its
    own uris, from its export)."""
    framework = await _framework(request, CaseQuery())
    assert isinstance(framework, CaseFramework)  # no query: the graph's, which always exists
    return Response(json_bytes(framework.document_set()), media_type="application/json")


@router.get(
    "/CFDocuments/{sourcedId}",
    response_class=Response,
    responses=_responses(CaseDocument, "The CFDocument, with the link to its CFPackage"),
)
async def get_cf_document(request: Request, sourced_id: SourcedId, plan: PlanOf) -> Response:
    """A CFDocument: the graph's framework, or a plan's (with the plan's query)."""

    def find(framework: CaseFramework, identifier: str) -> Json | None:
        return framework.document() if identifier == framework.identifier else None

    return await _serve(request, plan, sourced_id, "CFDocument", find)


@router.get(
    "/CFPackages/{sourcedId}",
    response_class=Response,
    responses=_responses(CasePackage, "The whole framework: document, items and associations"),
)
async def get_cf_package(request: Request, sourced_id: SourcedId, plan: PlanOf) -> Response:
    """A CFPackage, by its CFDocument's sourcedId: the same package the CASE export gives."""

    def find(framework: CaseFramework, identifier: str) -> Json | None:
        return framework.package if identifier == framework.identifier else None

    return await _serve(request, plan, sourced_id, "CFPackage", find)


@router.get(
    "/CFItems/{sourcedId}",
    response_class=Response,
    responses=_responses(CaseItem, "The CFItem: a category, concept or paper"),
)
async def get_cf_item(request: Request, sourced_id: SourcedId, plan: PlanOf) -> Response:
    """A CFItem, with the link to its CFDocument."""
    return await _serve(request, plan, sourced_id, "CFItem", CaseFramework.item)


@router.get(
    "/CFAssociations/{sourcedId}",
    response_class=Response,
    responses=_responses(CaseAssociation, "The CFAssociation"),
)
async def get_cf_association(request: Request, sourced_id: SourcedId, plan: PlanOf) -> Response:
    """A CFAssociation (isChildOf, precedes or isRelatedTo), with the link to its CFDocument."""
    return await _serve(request, plan, sourced_id, "CFAssociation", CaseFramework.association)


@router.get(
    "/CFItemAssociations/{sourcedId}",
    response_class=Response,
    responses=_responses(CaseAssociationSet, "The CFItem and every CFAssociation it is in"),
)
async def get_cf_item_associations(
    request: Request, sourced_id: SourcedId, plan: PlanOf
) -> Response:
    """A CFItem and every CFAssociation it is the origin or destination of."""
    return await _serve(request, plan, sourced_id, "CFItem", CaseFramework.item_associations)
