"""The demos: their claims, source and verification records; and, when allowed, a fresh run.

A run executes one of the repository's own demos in a subprocess with a timeout,
one at a time, on the server's hardware. It is off unless the operator sets
SYLLABUS_ALLOW_DEMO_RUNS=1: a run costs seconds of CPU (or GPU) per request.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, Response

from api.errors import ApiError, shown
from api.models import ERRORS, DemoDetail, DemoOut
from api.state import AppState, app_state, status_out
from demos.records import DEMOS_DIR, DEVICES, DemoSource, read_record
from graph.suggest import suggest

router = APIRouter(prefix="/v1", tags=["demos"], responses=ERRORS)
State = Annotated[AppState, Depends(app_state)]
ALLOW_RUNS = "SYLLABUS_ALLOW_DEMO_RUNS"
RUN_TIMEOUT = "SYLLABUS_DEMO_RUN_TIMEOUT"
RUN_TIMEOUT_S = 60.0
"""Seconds a run may take (torch's import alone takes about three); $SYLLABUS_DEMO_RUN_TIMEOUT."""
_one_at_a_time = threading.Lock()


@router.get("/demos")
async def list_demos(state: State) -> list[DemoOut]:
    """Every demo, the concepts it demonstrates, and its record's state per device kind."""
    return [
        DemoOut(
            id=d.id,
            title=d.title,
            concepts=list(d.concepts),
            status=status_out(state, d.id),
        )
        for d in state.demos.values()
    ]


@router.get("/demos/{demo_id}")
async def get_demo(demo_id: str, state: State) -> DemoDetail:
    """One demo: its source, its claims as last verified, and its record per device kind."""
    demo = _demo_or_404(state, demo_id)
    records = {device: read_record(device, demo.id) for device in DEVICES}
    latest = records["cpu"] or next((r for r in records.values() if r), None)
    return DemoDetail(
        id=demo.id,
        title=demo.title,
        concepts=list(demo.concepts),
        status=status_out(state, demo.id),
        source=demo.path.read_text(encoding="utf-8"),
        claims=latest["checks"] if latest else [],
        records={device: record for device, record in records.items() if record},
    )


@router.get(
    "/demos/{demo_id}/source",
    # A bare Response: errors stay documented as JSON, the source alone as text/plain.
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def get_demo_source(demo_id: str, state: State) -> PlainTextResponse:
    """One demo's Python source as plain text, to read in the browser before running it
    (``syllabus demos run <id>``); a plan's demo steps link here."""
    demo = _demo_or_404(state, demo_id)
    return PlainTextResponse(demo.path.read_text(encoding="utf-8"))


@router.post(
    "/demos/{demo_id}/runs",
    responses={
        403: ERRORS[422] | {"description": "Runs are off"},
        409: ERRORS[422] | {"description": "Another run is in progress"},
        504: ERRORS[422] | {"description": "The run took too long and was stopped"},
    },
)
def run_demo(
    demo_id: str,
    state: State,
    device: Annotated[str, Query(pattern="^(auto|cpu|cuda|mps)$")] = "auto",
) -> dict[str, Any]:
    """Run one demo now on this server's hardware and return its record (not saved)."""
    if os.environ.get(ALLOW_RUNS) != "1":
        raise ApiError(
            403,
            "demo-runs-disabled",
            f"demo runs are off on this server; start it with {ALLOW_RUNS}=1 to allow them",
        )
    demo = _demo_or_404(state, demo_id)
    if not _one_at_a_time.acquire(blocking=False):
        raise ApiError(409, "busy", "another demo run is in progress; try again in a minute")
    try:
        command = [sys.executable, "-m", "api.cli", "demos", "run", demo.id]
        command += ["--device", device, "--format", "json"]
        done = _run_in_own_group(command, float(os.environ.get(RUN_TIMEOUT, RUN_TIMEOUT_S)))
    finally:
        _one_at_a_time.release()
    if done.returncode == 2:  # the CLI's own refusal, e.g. no CUDA device here
        raise ApiError(
            422, "invalid-request", done.stderr.strip().removeprefix("error: "), "device"
        )
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        raise ApiError(
            422, "run-failed", f"the demo did not report: {done.stderr[-500:]}"
        ) from None


def _run_in_own_group(command: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in a process group of its own; past ``timeout``, kill the whole group
    (the demo runner and every demo it started) and answer 504."""
    with subprocess.Popen(
        command,
        cwd=DEMOS_DIR.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):  # one that left the group
                process.communicate(timeout=5)
            raise ApiError(
                504, "demo-timeout", f"the run took longer than {timeout:g} s and was stopped"
            ) from None
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def _demo_or_404(state: AppState, demo_id: str) -> DemoSource:
    demos = state.demos
    if demo_id not in demos:
        raise ApiError(
            404,
            "unknown-id",
            f"no demo {shown(demo_id)}",
            "demo_id",
            suggest(demo_id, list(demos)),
            demo_id,
        )
    return demos[demo_id]
