"""What the app holds for its lifetime: the graph, its demos' status, and rendered diagrams."""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from fastapi import Request

from demos.records import DEVICES, DemoSource, discover, status
from graph import KnowledgeGraph
from graph.taxonomy import StudyDepth
from planner.plan import make_plan
from planner.request import PlanRequest

DIAGRAM_CACHE_SIZE = 256


@dataclass
class RenderCache:
    """Rendered diagrams by (graph hash, parameters), least recently used out first."""

    size: int = DIAGRAM_CACHE_SIZE
    entries: OrderedDict[tuple, tuple[bytes, str]] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: tuple) -> tuple[bytes, str] | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: tuple, value: tuple[bytes, str]) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


@dataclass
class AppState:
    graph: KnowledgeGraph
    demos: dict[str, DemoSource]
    demo_status: dict[str, dict[str, dict[str, object]]]  # demo id -> device -> status
    diagrams: RenderCache
    preset_minutes: dict[str, dict[str, int]]  # preset -> depth -> the material's minutes

    @classmethod
    def build(cls, graph: KnowledgeGraph) -> "AppState":
        """Demos and their records are read once: they change only with a deploy."""
        demos = discover()
        return cls(graph, demos, demo_statuses(demos), RenderCache(), preset_minutes(graph))


def preset_minutes(graph: KnowledgeGraph) -> dict[str, dict[str, int]]:
    """Each curated path's material at each study depth, as a plan of it assigns it."""
    return {
        pid: {
            str(depth): make_plan(graph, PlanRequest(goals=[pid], depth=depth)).minutes
            for depth in StudyDepth
        }
        for pid in graph.paths
    }


def demo_statuses(demos: dict[str, DemoSource]) -> dict[str, dict[str, dict[str, object]]]:
    """Each demo's record per device kind."""
    out = {}
    for demo in demos.values():
        out[demo.id] = {
            device: {
                "freshness": s.freshness.value,
                "passed": s.passed,
                "date": s.date,
                "claims_passed": s.claims_passed,
                "claims": s.claims,
            }
            for device in DEVICES
            for s in [status(demo, device)]
        }
    return out


async def app_state(request: Request) -> AppState:
    """The FastAPI dependency that hands a route the app's state.

    Routes and dependencies that only compute are ``async``: a plan takes well under
    a millisecond, less than handing the request to a worker thread would cost.
    Diagrams, which wait on the dot binary, stay in the thread pool.
    """
    return request.app.state.syllabus


MISSING = {"freshness": "missing", "passed": None, "date": None, "claims_passed": 0, "claims": 0}


def demo_status_of(state: AppState, demo: str | None) -> dict[str, dict[str, object]]:
    """A demo's status per device, all missing for a demo the repository does not have."""
    if demo is None:
        return {}
    return state.demo_status.get(demo) or {device: dict(MISSING) for device in DEVICES}
