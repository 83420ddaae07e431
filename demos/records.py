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
    so one demo's syntax error never hides the others.
    """
    demos = {}
    for path in sorted(directory.glob("*.py")):
        if path.stem in INFRASTRUCTURE or path.stem.startswith("_"):
            continue
        demo_id = path.stem.replace("_", "-")
        tree = _parse(path)
        if tree is None:
            title = f"{demo_id} (does not parse)"
            demos[demo_id] = DemoSource(demo_id, f"demos.{path.stem}", path, title, (), (path,))
            continue
        doc = (ast.get_docstring(tree) or demo_id).strip().splitlines()[0]
        demos[demo_id] = DemoSource(
            id=demo_id,
            module=f"demos.{path.stem}",
            path=path,
            title=doc,
            concepts=_concepts(tree),
            sources=(sources := _sources(path, directory)),
            swallows=tuple(w for p in sources for w in swallowed_exceptions(p)),
        )
    return demos


def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError):
        return None


def _concepts(tree: ast.Module) -> tuple[str, ...]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "CONCEPTS" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            return tuple(value)
    return ()


def _sources(path: Path, directory: Path) -> tuple[Path, ...]:
    """The demo and every module of the demos package it imports, transitively.

    Counts ``from demos.x import y``, ``import demos.x``, ``from demos import x``
    and their relative forms (``from . import x``, ``from ._training import adam``).
    """
    found, stack = [path], [path]
    while stack:
        tree = _parse(stack.pop())
        for node in ast.walk(tree) if tree else ():
            names: list[str] = []
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
            for name in names:
                parts = name.split(".")
                if parts[0] != "demos" or len(parts) < 2:
                    continue
                helper = directory / f"{parts[1]}.py"
                if helper.is_file() and helper not in found:
                    found.append(helper)
                    stack.append(helper)
    return tuple(sorted(found))


BROAD = frozenset({"Exception", "BaseException"})


def swallowed_exceptions(path: Path) -> list[str]:
    """Where ``path`` catches every exception (bare ``except``, ``except Exception``,
    ``contextlib.suppress(Exception)``): a demo that swallows an error can hide a step
    that never ran. Catching the one error a demo expects (``except RuntimeError``) is fine.
    """
    tree = _parse(path)
    found: list[str] = []
    for node in ast.walk(tree) if tree else ():
        caught: list[ast.expr] = []
        if isinstance(node, ast.ExceptHandler):
            if node.type is None:
                found.append(f"{path.name}:{node.lineno}")
                continue
            caught = list(node.type.elts) if isinstance(node.type, ast.Tuple) else [node.type]
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith("suppress"):
            caught = list(node.args)
        if any(ast.unparse(c).split(".")[-1] in BROAD for c in caught):
            found.append(f"{path.name}:{node.lineno}")
    return found


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
