"""The HTTP API's response models: what each endpoint returns, as OpenAPI documents it.

Plans are serialised straight from the planner's records (``plan_output.to_data``)
for speed; ``PlanOut`` describes that same shape, and a test holds the two together.
"""

from datetime import date, datetime
from typing import Generic, Literal, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Item = TypeVar("Item")


class ErrorDetail(BaseModel):
    code: str = Field(examples=["unknown-id"])
    message: str = Field(examples=["no concept or paper with id 'atention'"])
    field: str | None = Field(default=None, examples=["goals"])
    value: str | None = Field(
        default=None,
        description="The value at fault as given, cut to 100 characters",
        examples=["atention"],
    )
    suggestions: list[str] = Field(default_factory=list, examples=[["attention"]])


class ErrorOut(BaseModel):
    error: ErrorDetail


ERRORS: dict[int | str, dict] = {
    400: {"model": ErrorOut, "description": "The request is malformed"},
    413: {"model": ErrorOut, "description": "The request body is too large"},
    404: {"model": ErrorOut, "description": "Unknown id, with did-you-mean suggestions"},
    422: {"model": ErrorOut, "description": "A field of the request is invalid"},
}


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    total: int
    page: int
    per_page: int


class DemoStatusOut(BaseModel):
    """A demo's verification record on one device kind."""

    freshness: str = Field(description="fresh, stale (its source changed) or missing")
    passed: bool | None
    date: str | None
    claims_passed: int
    claims: int


class DemoOut(BaseModel):
    id: str
    title: str
    concepts: list[str]
    status: dict[str, DemoStatusOut] = Field(description="per device kind: cpu, cuda, mps")


class DemoDetail(DemoOut):
    source: str = Field(description="the demo module's Python source")
    claims: list[dict] = Field(description="each check as last verified (the CPU record's)")
    records: dict[str, dict] = Field(description="the verification record per device kind")


class ResourceOut(BaseModel):
    id: str
    kind: str
    title: str
    url: str
    minutes: int
    length: str | None = Field(description="the fact the minutes come from, in words")
    free: bool


class NodeRef(BaseModel):
    """Another node, by id and title."""

    id: str
    kind: str
    title: str


class ConceptSummary(BaseModel):
    id: str
    title: str
    category: str
    category_title: str = Field(description="the category's name, as /v1/categories gives it")
    level: str
    minutes: int
    summary: str


class DepthOut(BaseModel):
    """One study depth of a concept: what it assigns, and its minutes (their sum)."""

    depth: str = Field(description="deep, study or overview")
    minutes: int
    material: list["MaterialOut"]


class ConceptDetail(ConceptSummary):
    aliases: list[str]
    kind: str
    source_minutes: int | None = Field(
        description="the concept library seed's minutes for its own article: a fact about "
        "that source, not study time"
    )
    depths: list[DepthOut] = Field(description="deepest first; minutes is the study depth's")
    prerequisites: list[NodeRef]
    recommended: list[NodeRef]
    dependents: list[NodeRef]
    papers: list[NodeRef]
    resources: list[ResourceOut]
    checklist: list[str]
    demo: str | None
    activity: str | None
    demo_status: dict[str, DemoStatusOut] = Field(description="per device kind: cpu, cuda, mps")


class PaperSummary(BaseModel):
    id: str
    title: str
    authors: str
    year: int
    venue: str
    priority: str
    phase: str
    depth: str
    link: str | None


class PaperDetail(PaperSummary):
    aliases: list[str]
    arxiv: str | None
    advice: str
    minutes: dict[str, int]
    teaches: list[NodeRef]
    prerequisites: list[NodeRef]


class CategoryOut(BaseModel):
    id: str
    title: str = Field(description="the category's name, as diagrams label its cluster")
    concepts: int
    minutes: int


class SearchHit(BaseModel):
    id: str
    kind: str
    title: str
    match: str = Field(
        description="how it matched: id, name (a title or alias), similar (a near spelling), "
        "or text (in a title, summary or alias)"
    )


class VersionOut(BaseModel):
    version: str
    content_hash: str
    concepts: int
    papers: int
    paths: int
    edges: int


class PresetStep(BaseModel):
    title: str | None
    covers: list[str]
    path: str | None
    minutes: int | None
    optional: bool


class PresetOut(BaseModel):
    id: str
    title: str
    summary: str
    track: str
    minutes: int = Field(
        description="the time of the material a plan of it assigns, at study depth"
    )
    material_minutes: dict[str, int] = Field(
        description="the time of the material a plan of it assigns, at each study depth"
    )
    source_minutes: int | None = Field(
        description="the total of the times its source states for its steps (facts about "
        "the source's own material)"
    )
    stated_minutes: list[int] | None = Field(description="the total its source states: min, max")
    assumes: list[str]
    steps: list[PresetStep]
    later: list[str]


class NextOut(BaseModel):
    id: str
    title: str
    minutes: int
    unlocks: int


class MaterialOut(BaseModel):
    """One thing a step assigns, with its minutes; the step's minutes are their sum."""

    kind: str = Field(
        description="video, blog, course, book, hands-on, paper, questions (the checklist "
        "or reading questions), demo, activity, or given (minutes the graph gives as a whole)"
    )
    title: str
    url: str | None
    minutes: int | None = Field(
        description="null only inside a given depth; 0 when an earlier step assigns it"
    )
    seen_in: int | None = Field(
        default=None, description="the earlier step that assigns the same resource"
    )
    text: str = Field(description="the line every face shows", examples=["Watch X (38 min)"])


class StepOut(BaseModel):
    number: int
    id: str
    kind: str
    title: str
    minutes: int = Field(description="the sum of the material's minutes")
    depth: str = Field(description="overview, study or deep; a paper close, selective or skim")
    called_for: str = Field(description="the depth asked for, or the one the paper calls for")
    goal: bool
    why: list[str]
    material: list[MaterialOut]
    advice: str | None = Field(description="papers: what to focus on while reading")
    link: str | None
    demo: str | None
    activity: str | None
    covers: list[str] = Field(description="the concepts studied in this step")
    checklist: list[str]
    added: bool = Field(description="a preset's prerequisite its source skips, added by complete")
    status: Literal["todo", "doing", "done", "skipped"] = Field(
        description="the learner's progress on it, as the request's done, doing and skipped say"
    )
    demo_status: dict[str, DemoStatusOut] | None = None


class DroppedOut(BaseModel):
    id: str
    kind: str
    title: str
    minutes: int
    reason: str


class SessionPartOut(BaseModel):
    step: int
    id: str
    minutes: int


class SessionOut(BaseModel):
    date: date
    minutes: int
    parts: list[SessionPartOut]


class ScheduleOut(BaseModel):
    start: date
    end: date
    session_minutes: int
    study_days: list[str]
    sessions: list[SessionOut]
    at: str | None = Field(
        description="when each session starts, HH:MM in timezone; null: all-day sessions",
        examples=["19:00"],
    )
    timezone: str = Field(description="IANA time zone of at", examples=["Europe/Paris"])


class ProgressOut(BaseModel):
    """Time done and time left: minutes_done + minutes_left + minutes_skipped = minutes."""

    minutes_done: int
    minutes_left: int = Field(description="of the steps neither done nor skipped")
    minutes_skipped: int
    steps_done: int
    steps_left: int
    steps_skipped: int
    ignored: list[str] = Field(description="ids the request marks that are not steps of the plan")


class SectionOut(BaseModel):
    """One step of a curated path's source, over the plan's steps."""

    number: int
    title: str | None
    source_minutes: int | None = Field(description="the time the source states for it")
    minutes: int = Field(description="the time of the material the plan assigns for it")
    steps: list[int] = Field(description="the plan's step numbers it holds")
    optional: bool
    path: str | None = Field(description="the curated path it hands over to")


class PlanOut(BaseModel):
    goals: list[str]
    known: list[str]
    track: str
    depth: str
    preset: str | None
    budget_minutes: int | None
    fits: bool
    minutes: int
    full_minutes: int
    fit_method: str = Field(
        description="how the budget fit was found: none (everything fits), exact, "
        "integer-program, relaxation (proven to reach the most goals and weight; depth "
        "and minutes settled greedily) or greedy (no proof)"
    )
    steps: list[StepOut]
    dropped: list[DroppedOut]
    unreached_goals: list[str]
    schedule: ScheduleOut | None
    sections: list[SectionOut] = Field(description="a preset: its source's steps, in order")
    source_minutes: int | None = Field(description="a preset: the total of its source's step times")
    stated_minutes: list[int] | None = Field(description="a preset: the total its source states")
    skipped: list[str] = Field(description="a preset: prerequisites its source skips")
    against_graph: list[list[str]] = Field(
        description="a preset: [step, prerequisite] where its source studies the step first"
    )
    moved: list[str] = Field(description="complete: steps brought before their source step")
    notes: list[str] = Field(description="what the plan assumes, a preset's times and gaps")
    progress: ProgressOut | None = Field(
        description="time done and left; null when the request marks no step done, doing or skipped"
    )


# --- 1EdTech CASE 1.1 (api/exports/case.py, api/routes/case.py) ----------------------------
# The properties Syllabus writes, each as the official CASE 1.1 JSON Schemas type it; no
# other property is allowed (tests/test_case.py validates against the official schemas).

CASE_EXTRA = ConfigDict(extra="forbid")


class CaseLink(BaseModel):
    """A CASE LinkURI: the title, identifier and uri of another CASE object."""

    model_config = CASE_EXTRA

    title: str
    identifier: UUID
    uri: str = Field(examples=["https://syllabus.example/ims/case/v1p1/CFItems/0b6c...-..."])


class CasePackageDocument(BaseModel):
    """A CFDocument inside a CFPackage (CFPckgDocument)."""

    model_config = CASE_EXTRA

    identifier: UUID
    uri: str
    caseVersion: Literal["1.1"]
    creator: str = Field(examples=["Syllabus"])
    title: str = Field(examples=["Syllabus: AI research"])
    lastChangeDateTime: datetime
    description: str
    language: str = Field(examples=["en"])
    version: str = Field(description="The graph's content hash, 12 hex digits")


class CaseDocument(CasePackageDocument):
    """A CFDocument on its own, with the link to its CFPackage."""

    CFPackageURI: CaseLink


class CasePackageItem(BaseModel):
    """A CFItem inside a CFPackage (CFPckgItem): a category, concept or paper."""

    model_config = CASE_EXTRA

    identifier: UUID
    uri: str
    fullStatement: str = Field(examples=["Attention"])
    CFItemType: Literal["Category", "Concept", "Practice", "Paper"]
    language: str = Field(examples=["en"])
    lastChangeDateTime: datetime
    humanCodingScheme: str | None = Field(
        default=None, description="The concept's or paper's id", examples=["attention"]
    )
    abbreviatedStatement: str | None = Field(default=None, description="A paper's authors")
    notes: str | None = None
    conceptKeywords: list[str] | None = Field(default=None, description="The aliases")
    educationLevel: list[str] | None = Field(default=None, examples=[["intermediate"]])


class CaseItem(CasePackageItem):
    """A CFItem on its own, with the link to its CFDocument."""

    CFDocumentURI: CaseLink


class CasePackageAssociation(BaseModel):
    """A CFAssociation inside a CFPackage (CFPckgAssociation)."""

    model_config = CASE_EXTRA

    identifier: UUID
    uri: str
    associationType: Literal["isChildOf", "precedes", "isRelatedTo"]
    originNodeURI: CaseLink
    destinationNodeURI: CaseLink
    lastChangeDateTime: datetime
    sequenceNumber: int | None = None
    notes: str | None = Field(default=None, examples=["recommended before"])


class CaseAssociation(CasePackageAssociation):
    """A CFAssociation on its own, with the link to its CFDocument."""

    CFDocumentURI: CaseLink


class CasePackage(BaseModel):
    """A 1EdTech CASE 1.1 CFPackage: the document, its items and their associations."""

    model_config = CASE_EXTRA

    CFDocument: CasePackageDocument
    CFItems: list[CasePackageItem]
    CFAssociations: list[CasePackageAssociation]


class CaseDocumentSet(BaseModel):
    """The CFDocuments a CASE provider serves (CFDocumentSet)."""

    model_config = CASE_EXTRA

    CFDocuments: list[CaseDocument]


class CaseAssociationSet(BaseModel):
    """A CFItem and every CFAssociation it takes part in (CFAssociationSet)."""

    model_config = CASE_EXTRA

    CFItem: CaseItem
    CFAssociations: list[CasePackageAssociation] = Field(min_length=1)


class CaseCodeMinorField(BaseModel):
    model_config = CASE_EXTRA

    imsx_codeMinorFieldName: str = Field(examples=["sourcedId"])
    imsx_codeMinorFieldValue: Literal[
        "fullsuccess",
        "invalid_sort_field",
        "invalid_selection_field",
        "forbidden",
        "unauthorised_request",
        "internal_server_error",
        "unknownobject",
        "server_busy",
        "invalid_uuid",
    ]


class CaseCodeMinor(BaseModel):
    model_config = CASE_EXTRA

    imsx_codeMinorField: list[CaseCodeMinorField] = Field(min_length=1)


class CaseStatus(BaseModel):
    """Why a CASE request failed (imsx_StatusInfo)."""

    model_config = CASE_EXTRA

    imsx_codeMajor: Literal["success", "processing", "failure", "unsupported"]
    imsx_severity: Literal["status", "warning", "error"]
    imsx_description: str = Field(examples=["no CFItem with identifier 0b6c...-..."])
    imsx_codeMinor: CaseCodeMinor


DepthOut.model_rebuild()
