"""A load cache compiled from the YAML: a valid graph, pickled, keyed by content.

A cold load parses and validates the YAML; a warm one reads back the graph
that the last cold load of the same bytes produced. The key covers the data
files' bytes, where they live, and the code and library versions that
built the graph, so any edit to either rebuilds it. The cache only ever
holds graphs without errors, and a cache that cannot be read or written is
skipped: it speeds loading up and never changes what is loaded.
"""

import contextlib
import gc
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import networkx
import pydantic
import pydantic_core
import yaml

from graph.knowledge import KnowledgeGraph

KEEP = 8
"""Cached graphs kept per cache directory; older ones are removed."""

_PREFIX = "graph-"


def default_cache_dir() -> Path | None:
    """``$SYLLABUS_CACHE_DIR``, else the user's cache directory; None disables caching.

    Setting ``SYLLABUS_CACHE_DIR`` to an empty string turns the cache off.
    """
    configured = os.environ.get("SYLLABUS_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "syllabus"


def cache_key(content_hash: str, data_dir: Path) -> str:
    """The cache entry for these data bytes, at this place, built by this code."""
    digest = hashlib.sha256()
    digest.update(content_hash.encode())
    digest.update(str(data_dir.resolve()).encode())
    digest.update(_code_fingerprint().encode())
    return digest.hexdigest()[:32]


def _code_fingerprint() -> str:
    """Hash of the graph package's source and the versions it runs on."""
    digest = hashlib.sha256(sys.version.encode())
    # Module attributes, not importlib.metadata: that scans sys.path and costs 0.3 s.
    for module in (pydantic, pydantic_core, networkx, yaml):
        digest.update(f"{module.__name__}={module.__version__}".encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()


def read(cache_dir: Path, key: str) -> KnowledgeGraph | None:
    """The cached graph for ``key``, or None when there is none usable."""
    path = cache_dir / f"{_PREFIX}{key}.pickle"
    try:
        payload = path.read_bytes()
    except OSError:
        return None
    try:
        with paused_gc():
            graph = pickle.loads(payload)
    except Exception:  # a truncated or foreign file: drop it and rebuild
        path.unlink(missing_ok=True)
        return None
    return graph if isinstance(graph, KnowledgeGraph) else None


def write(cache_dir: Path, key: str, graph: KnowledgeGraph) -> bool:
    """Store ``graph`` atomically under ``key``; False when the directory is unusable."""
    tmp: Path | None = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache_dir, prefix=".tmp-", delete=False) as handle:
            tmp = Path(handle.name)
            pickle.dump(graph, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_dir / f"{_PREFIX}{key}.pickle")
    except OSError:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        return False
    with contextlib.suppress(OSError):  # another process may be pruning too
        _prune(cache_dir)
    return True


def _prune(cache_dir: Path) -> None:
    entries = sorted(
        cache_dir.glob(f"{_PREFIX}*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for stale in entries[KEEP:]:
        stale.unlink(missing_ok=True)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects that all live on.

    Building hundreds of thousands of objects triggers collection after
    collection that frees nothing; pausing it is the usual remedy. On the
    way out the survivors are frozen (``gc.freeze``): the graph is read-only
    for the life of the process, so later collections need not scan it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
