"""Which demos exist, what their sources hash to, and whether their records are fresh.

Reads the demo modules as text (never imports them), so listing demos and
checking records needs no torch. A record is fresh while the sha256 of its
demo's source, and of every ``demos`` module the demo imports, still matches.
"""

import ast
import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

DEMOS_DIR = Path(__file__).resolve().parent
RECORDS_DIR = DEMOS_DIR / "records"
INFRASTRUCTURE = frozenset({"__init__", "harness", "records", "runner"})
DEVICES = ("cpu", "cuda", "mps")


class Freshness(StrEnum):
    FRESH = "fresh"
    STALE = "stale"  # the demo or a helper it imports changed since the record was made
    MISSING = "missing"


@dataclass(frozen=True)
class DemoSource:
    id: str  # the concept id style name: kv-cache for demos/kv_cache.py
    module: str  # demos.kv_cache
    path: Path
    title: str  # the docstring's first line
    concepts: tuple[str, ...]
    sources: tuple[Path, ...]  # the demo and the demos modules it imports, transitively


def module_name(demo_id: str) -> str:
    """demos.kv_cache for kv-cache."""
    return "demos." + demo_id.replace("-", "_")


def discover(directory: Path = DEMOS_DIR) -> dict[str, DemoSource]:
    """Every demo module in ``directory``, by id, in id order."""
    demos = {}
    for path in sorted(directory.glob("*.py")):
        if path.stem in INFRASTRUCTURE or path.stem.startswith("_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        demo_id = path.stem.replace("_", "-")
        doc = (ast.get_docstring(tree) or demo_id).strip().splitlines()[0]
        demos[demo_id] = DemoSource(
            id=demo_id,
            module=f"demos.{path.stem}",
            path=path,
            title=doc,
            concepts=_concepts(tree),
            sources=_sources(path, directory),
        )
    return demos


def _concepts(tree: ast.Module) -> tuple[str, ...]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "CONCEPTS" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            return tuple(value)
    return ()


def _sources(path: Path, directory: Path) -> tuple[Path, ...]:
    """The demo and every module of the demos package it imports, transitively."""
    found, stack = [path], [path]
    while stack:
        tree = ast.parse(stack.pop().read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] != "demos" or len(parts) != 2:
                    continue
                helper = directory / f"{parts[1]}.py"
                if helper.is_file() and helper not in found:
                    found.append(helper)
                    stack.append(helper)
    return tuple(sorted(found))


def source_hashes(demo: DemoSource) -> dict[str, str]:
    """sha256 of each source file, keyed by its path relative to the repository."""
    root = DEMOS_DIR.parent
    return {
        str(p.relative_to(root) if p.is_relative_to(root) else p): hashlib.sha256(
            p.read_bytes()
        ).hexdigest()
        for p in demo.sources
    }


def record_path(device: str, demo_id: str, records: Path = RECORDS_DIR) -> Path:
    return records / device / f"{demo_id}.json"


def read_record(device: str, demo_id: str, records: Path = RECORDS_DIR) -> dict[str, Any] | None:
    path = record_path(device, demo_id, records)
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def write_record(record: dict[str, Any], records: Path = RECORDS_DIR) -> Path:
    path = record_path(record["device"], record["demo"], records)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def freshness(demo: DemoSource, record: dict[str, Any] | None) -> Freshness:
    if record is None:
        return Freshness.MISSING
    return Freshness.FRESH if record.get("sources") == source_hashes(demo) else Freshness.STALE


@dataclass(frozen=True)
class DemoStatus:
    """One demo on one device kind: is its record fresh, and did it pass?"""

    demo: str
    device: str
    freshness: Freshness
    passed: bool | None  # None without a record
    date: str | None
    claims_passed: int
    claims: int


def status(demo: DemoSource, device: str, records: Path = RECORDS_DIR) -> DemoStatus:
    record = read_record(device, demo.id, records)
    checks = record.get("checks", []) if record else []
    return DemoStatus(
        demo=demo.id,
        device=device,
        freshness=freshness(demo, record),
        passed=None if record is None else record.get("status") == "passed",
        date=record.get("date") if record else None,
        claims_passed=sum(bool(c.get("ok")) for c in checks),
        claims=len(checks),
    )
