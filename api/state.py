"""What the app holds for its lifetime: the graph, its demos' status, and rendered diagrams."""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from starlette.requests import HTTPConnection, Request

from api.exports.case import CaseFramework
from api.models import DemoStatusOut
from demos.records import DEVICES, DemoSource, discover, status
from graph import KnowledgeGraph
from graph.taxonomy import StudyDepth
from planner.plan import make_plan
from planner.request import PlanRequest

if TYPE_CHECKING:
    from api.compute import Compute
    from api.metrics import Metrics


class DemoStatus(TypedDict):
    """A demo's record on one device kind, as the API shows it (``DemoStatusOut``)."""

    freshness: str
    passed: bool | None
    date: str | None
    claims_passed: int
    claims: int


DIAGRAM_CACHE_BYTES = 32 * 2**20
"""What rendered diagrams may hold in memory per server process: about a hundred
whole-graph SVGs, or thousands of plan diagrams."""


@dataclass
class RenderCache:
    """Rendered diagrams by the view drawn and its format, least recently used out first,
    holding at most ``max_bytes`` of content (a key is a 32-byte digest)."""

    max_bytes: int = DIAGRAM_CACHE_BYTES
    entries: OrderedDict[bytes, tuple[bytes, str]] = field(default_factory=OrderedDict)
    size: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: bytes) -> tuple[bytes, str] | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: bytes, value: tuple[bytes, str]) -> None:
        if len(value[0]) > self.max_bytes:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old[0])
            self.entries[key] = value
            self.size += len(value[0])
            while self.size > self.max_bytes:
                _, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped[0])


CASE_BASES = 8
"""How many base URLs the graph's CASE framework is kept for (its uris name the server as
the request reached it); one or two in a real deployment."""


@dataclass
class CaseCache:
    """The graph's CASE framework (``api.routes.case``) per base URL, least recently used
    out first: the graph never changes while the app runs."""

    max_entries: int = CASE_BASES
    entries: OrderedDict[str, CaseFramework] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, base_url: str) -> CaseFramework | None:
        with self.lock:
            found = self.entries.get(base_url)
            if found is not None:
                self.entries.move_to_end(base_url)
            return found

    def put(self, base_url: str, framework: CaseFramework) -> None:
        with self.lock:
            self.entries[base_url] = framework
            self.entries.move_to_end(base_url)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)


@dataclass
class AppState:
    """The graph and what is derived from it once; the worker pool and the metrics.

    A worker process gets a copy without ``compute`` and ``metrics`` (see ``for_worker``).
    """

    graph: KnowledgeGraph
    demos: dict[str, DemoSource]
    demo_status: dict[str, dict[str, DemoStatus]]  # demo id -> device -> status
    diagrams: RenderCache
    preset_minutes: dict[str, dict[str, int]]  # preset -> depth -> the material's minutes
    compute: "Compute | None" = None
    metrics: "Metrics | None" = None
    case: CaseCache = field(default_factory=CaseCache)

    @classmethod
    def build(cls, graph: KnowledgeGraph) -> "AppState":
        """Demos and their records are read once: they change only with a deploy."""
        demos = discover()
        return cls(graph, demos, demo_statuses(demos), RenderCache(), preset_minutes(graph))

    def workers(self) -> "Compute":
        """The worker pool (every app has one; a worker's own copy has none)."""
        assert self.compute is not None, "a worker process has no pool of its own"
        return self.compute

    def counters(self) -> "Metrics":
        assert self.metrics is not None, "a worker process keeps no metrics"
        return self.metrics

    @staticmethod
    def of(connection: HTTPConnection) -> "AppState":
        """The state of the app serving ``connection`` (a request)."""
        state: AppState = connection.app.state.syllabus
        return state

    def __getstate__(self) -> dict[str, object]:
        # What a worker process needs: not the pool, the metrics or the cache (and its lock).
        return {
            "graph": self.graph,
            "demos": self.demos,
            "demo_status": self.demo_status,
            "preset_minutes": self.preset_minutes,
        }

    def __setstate__(self, data: dict[str, object]) -> None:
        self.__dict__.update(
            data, diagrams=RenderCache(), compute=None, metrics=None, case=CaseCache()
        )


def preset_minutes(graph: KnowledgeGraph) -> dict[str, dict[str, int]]:
    """Each curated path's material at each study depth, as a plan of it assigns it."""
    return {
        pid: {
            str(depth): make_plan(graph, PlanRequest(goals=[pid], depth=depth)).minutes
            for depth in StudyDepth
        }
        for pid in graph.paths
    }


def demo_statuses(demos: dict[str, DemoSource]) -> dict[str, dict[str, DemoStatus]]:
    """Each demo's record per device kind."""
    out = {}
    for demo in demos.values():
        out[demo.id] = {
            device: DemoStatus(
                freshness=s.freshness.value,
                passed=s.passed,
                date=s.date,
                claims_passed=s.claims_passed,
                claims=s.claims,
            )
            for device in DEVICES
            for s in [status(demo, device)]
        }
    return out


async def app_state(request: Request) -> AppState:
    """The FastAPI dependency that hands a route the app's state.

    Routes that only look things up are ``async``: each takes well under a millisecond.
    Plans, exports and diagrams go to worker processes (``api.compute``).
    """
    return AppState.of(request)


MISSING = DemoStatus(freshness="missing", passed=None, date=None, claims_passed=0, claims=0)


def demo_status_of(state: AppState, demo: str | None) -> dict[str, DemoStatus]:
    """A demo's status per device, all missing for a demo the repository does not have."""
    if demo is None:
        return {}
    return state.demo_status.get(demo) or {device: MISSING.copy() for device in DEVICES}


def status_out(state: AppState, demo: str | None) -> dict[str, DemoStatusOut]:
    """``demo_status_of`` as the response models carry it."""
    return {device: DemoStatusOut(**s) for device, s in demo_status_of(state, demo).items()}
