"""Which demos exist, what their records are keyed on, and whether those records are fresh.

Reads the demo modules as text (never imports them), so listing demos and
checking records needs no torch. A record's key is the sha256 of every file
that decides its outcome: the demo, each ``demos`` module it imports
(absolute or relative, transitively), and the code that judges it (the
package's ``__init__``, the harness, the runner and this module), plus the
installed torch version. Any change to any of them makes the record stale.
"""

import ast
import hashlib
import importlib.metadata
import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

DEMOS_DIR = Path(__file__).resolve().parent
RECORDS_DIR = DEMOS_DIR / "records"
INFRASTRUCTURE = frozenset({"__init__", "harness", "records", "runner", "mutations"})
JUDGES = ("__init__", "harness", "records", "runner")  # the code that decides pass or fail
DEVICES = ("cpu", "cuda", "mps")


class Freshness(StrEnum):
    FRESH = "fresh"
    STALE = "stale"  # the demo, a module it imports, the judging code or torch changed since
    MISSING = "missing"


@dataclass(frozen=True)
class DemoSource:
    id: str  # the concept id style name: kv-cache for demos/kv_cache.py
    module: str  # demos.kv_cache
    path: Path
    title: str  # the docstring's first line
    concepts: tuple[str, ...]
    sources: tuple[Path, ...]  # the demo and the demos modules it imports, transitively
    swallows: tuple[str, ...] = ()  # where its sources catch every exception: file:line


def module_name(demo_id: str) -> str:
    """demos.kv_cache for kv-cache."""
    return "demos." + demo_id.replace("-", "_")


def discover(directory: Path = DEMOS_DIR) -> dict[str, DemoSource]:
    """Every demo module in ``directory``, by id, in id order.

    A module that does not parse is still listed (its run then fails and says why),
    so one demo's syntax error never hides the others. Each file is parsed and walked
    once, however many demos import it.
    """
    scans: dict[Path, _Scan] = {}

    def scan(path: Path) -> _Scan:
        if path not in scans:
            scans[path] = _scan(path, directory)
        return scans[path]

    demos = {}
    for path in sorted(directory.glob("*.py")):
        if path.stem in INFRASTRUCTURE or path.stem.startswith("_"):
            continue
        demo_id = path.stem.replace("_", "-")
        tree = scan(path).tree
        if tree is None:
            title = f"{demo_id} (does not parse)"
            demos[demo_id] = DemoSource(demo_id, f"demos.{path.stem}", path, title, (), (path,))
            continue
        doc = (ast.get_docstring(tree) or demo_id).strip().splitlines()[0]
        sources = _sources(path, scan)
        demos[demo_id] = DemoSource(
            id=demo_id,
            module=f"demos.{path.stem}",
            path=path,
            title=doc,
            concepts=_concepts(tree),
            sources=sources,
            swallows=tuple(where for p in sources for where in scan(p).swallows),
        )
    return demos


@dataclass(frozen=True)
class _Scan:
    """What one module's syntax tree says: the demos modules it imports, and where it
    catches every exception."""

    tree: ast.Module | None  # None when the file does not parse
    imports: tuple[Path, ...]
    swallows: tuple[str, ...]


BROAD = frozenset({"Exception", "BaseException"})


def _scan(path: Path, directory: Path) -> _Scan:
    """One walk over ``path``'s tree.

    Imports count in every form: ``from demos.x import y``, ``import demos.x``,
    ``from demos import x`` and the relative ``from . import x``, ``from ._training
    import adam``. Catching every exception (bare ``except``, ``except Exception``,
    ``contextlib.suppress(Exception)``) can hide a step that never ran; catching the one
    error a demo expects (``except RuntimeError``) is fine.
    """
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError):
        return _Scan(None, (), ())
    imports: list[Path] = []
    swallows: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        caught: list[ast.expr] = []
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:  # relative to the demos package
                base = "demos" + (f".{node.module}" if node.module else "")
            elif node.level == 0 and node.module:
                base = node.module
            else:
                continue
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ExceptHandler):
            if node.type is None:
                swallows.append(f"{path.name}:{node.lineno}")
                continue
            caught = list(node.type.elts) if isinstance(node.type, ast.Tuple) else [node.type]
        elif isinstance(node, ast.Call) and _last_name(node.func) == "suppress":
            caught = list(node.args)
        if any(_last_name(c) in BROAD for c in caught):
            swallows.append(f"{path.name}:{node.lineno}")
        for name in names:
            parts = name.split(".")
            if parts[0] != "demos" or len(parts) < 2:
                continue
            helper = directory / f"{parts[1]}.py"
            if helper.is_file() and helper not in imports:
                imports.append(helper)
    return _Scan(tree, tuple(imports), tuple(swallows))


def _last_name(expr: ast.expr) -> str:
    """``suppress`` for both ``suppress`` and ``contextlib.suppress``."""
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return expr.id if isinstance(expr, ast.Name) else ""


def _concepts(tree: ast.Module) -> tuple[str, ...]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "CONCEPTS" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            return tuple(value)
    return ()


def _sources(path: Path, scan: Callable[[Path], _Scan]) -> tuple[Path, ...]:
    """The demo and every module of the demos package it imports, transitively."""
    found, stack = [path], [path]
    while stack:
        for helper in scan(stack.pop()).imports:
            if helper not in found:
                found.append(helper)
                stack.append(helper)
    return tuple(sorted(found))


def judges() -> tuple[Path, ...]:
    """The code that decides whether a demo passed: it belongs to every record's key."""
    return tuple(DEMOS_DIR / f"{name}.py" for name in JUDGES)


def torch_version() -> str:
    """The installed torch's version, read without importing torch."""
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def source_hashes(demo: DemoSource) -> dict[str, str]:
    """sha256 of each file the record depends on, keyed by its path relative to the repository."""
    root = DEMOS_DIR.parent
    files = sorted(set(demo.sources) | set(judges()))
    return {
        str(p.relative_to(root) if p.is_relative_to(root) else p): hashlib.sha256(
            p.read_bytes()
        ).hexdigest()
        for p in files
    }


def record_key(demo: DemoSource) -> dict[str, Any]:
    """What a fresh record must match: its files' hashes and the torch version."""
    return {"sources": source_hashes(demo), "torch": torch_version()}


def record_path(device: str, demo_id: str, records: Path | None = None) -> Path:
    """Where a device kind's record of a demo lives (under RECORDS_DIR unless ``records``)."""
    return (records or RECORDS_DIR) / device / f"{demo_id}.json"


def read_record(device: str, demo_id: str, records: Path | None = None) -> dict[str, Any] | None:
    path = record_path(device, demo_id, records)
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def write_record(record: dict[str, Any], records: Path | None = None) -> Path:
    path = record_path(record["device"], record["demo"], records)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def freshness(demo: DemoSource, record: dict[str, Any] | None) -> Freshness:
    if record is None:
        return Freshness.MISSING
    return Freshness.FRESH if record.get("key") == record_key(demo) else Freshness.STALE


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


def status(demo: DemoSource, device: str, records: Path | None = None) -> DemoStatus:
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
