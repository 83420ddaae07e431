"""Helpers shared by the tests: small YAML records, the real loader, one diagnostic, a real
uvicorn server on a free port."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from graph import LoadResult, check

REPO = Path(__file__).resolve().parent.parent


def concept_yaml(cid: str, requires: list[str] = (), **fields: object) -> str:
    """A valid concept record as YAML text; ``fields`` add or replace lines."""
    lines = {
        "id": cid,
        "title": cid.replace("-", " ").title(),
        "summary": f"What {cid} is about.",
        "category": "math-foundations",
        "level": "beginner",
        "minutes": 10,
    }
    if fields.get("kind") != "practice":
        lines["demo"] = cid  # every concept that is not a practice has a demo
    lines.update(fields)
    text = f"- id: {lines.pop('id')}\n" + "".join(f"  {k}: {v}\n" for k, v in lines.items())
    if requires:
        text += "  requires:\n" + "".join(f"    - {r}\n" for r in requires)
    return text


def paper_yaml(pid: str, **fields: object) -> str:
    lines = {
        "id": pid,
        "title": f"Paper {pid}",
        "first_author": "Ada Lovelace",
        "year": 2017,
        "arxiv": '"1706.03762"',
        "venue": "NeurIPS 2017",
        "priority": "essential",
        "phase": "core-architecture",
        "depth": "close",
        "advice": "Read section 3.",
        "minutes": "{close: 180, selective: 90, skim: 30}",
    }
    lines.update(fields)
    return f"- id: {lines.pop('id')}\n" + "".join(f"  {k}: {v}\n" for k, v in lines.items())


def run_check(directory: Path) -> LoadResult:
    """The real loader, uncached."""
    return check(directory, cache_dir=None)


def only(result: LoadResult, code: str):
    """The single diagnostic with ``code``; fails the test if there is not exactly one."""
    found = [d for d in result.diagnostics if d.code == code]
    assert len(found) == 1, [d.render() for d in result.diagnostics]
    return found[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """``syllabus serve ARGS`` in a subprocess on a free 127.0.0.1 port; yields its base URL."""
    with serving(*args, env=env) as (url, _):
        yield url


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """``syllabus serve ARGS`` on a free 127.0.0.1 port; yields its base URL and its pid."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port), *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(process.stderr.read().decode()) from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=40)


CHROMIUM = os.environ.get("SYLLABUS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
"""Debian's Chromium, which Playwright drives (its own browser download fails here)."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Chromium is missing: `make test` installs it"
)


@contextmanager
def chromium() -> Iterator:
    """A headless Chromium through Playwright, closed afterwards."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
