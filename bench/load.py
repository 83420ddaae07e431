"""Load benchmark: cold load + validate against a bare YAML parse, and the cached warm load.

Generates deterministic synthetic graphs (1k, 10k, 100k concepts by default),
then measures, side by side in one run and alternating so that machine noise
hits both sides alike:

- bare parse: ``yaml.load(text, Loader=CSafeLoader)`` of every data file, as is,
  and again with the garbage collector paused as the loader pauses it (so the
  second ratio shows what validation itself costs);
- cold load: ``graph.check`` with no cache (parse, validate, build the DiGraph);
- first load: the same, writing the cache;
- warm load: ``graph.check`` served from the cache, in this process and in a
  fresh interpreter (which adds start-up and imports).

Targets: cold <= 1.3x bare parse; warm load of 100k concepts < 1.5 s.

    .venv/bin/python bench/load.py                 # 1k, 10k, 100k
    .venv/bin/python bench/load.py --sizes 1000    # a quick run
"""

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import yaml

from graph import check
from graph.cache import paused_gc

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover
    sys.exit("PyYAML was built without libyaml; the benchmark compares against the C loader")

LAYER = 100  # concepts per layer; each requires 1-3 concepts of the layer before
CATEGORIES = ["math-foundations", "deep-learning", "architectures-scaling", "llm-systems"]
LEVELS = ["beginner", "intermediate", "advanced"]


def generate(size: int, directory: Path) -> None:
    """A layered DAG of ``size`` concepts, one paper per 20 concepts, and one path.

    Edges only join consecutive layers and every concept but the last layer's
    is required by one in the next, so the graph is free of warnings, as a
    curated graph is; the path studies the last layer, assuming the one before.
    """
    rng = random.Random(size)
    ids = [f"concept-{i:06d}" for i in range(size)]
    layers = [ids[i : i + LAYER] for i in range(0, size, LAYER)]
    requires: dict[str, set[str]] = {cid: set() for cid in ids}
    for below, layer in pairwise(layers):
        for cid in layer:
            requires[cid].update(rng.sample(below, k=min(len(below), rng.randint(1, 3))))
        for needed in below:  # nothing below is a dead end
            if not any(needed in requires[c] for c in layer):
                requires[rng.choice(layer)].add(needed)

    out = ["# yaml-language-server: $schema=schema/concepts.schema.json"]
    for n, cid in enumerate(ids):
        reqs = "".join(f"\n    - {r}" for r in sorted(requires[cid]))
        minutes, notes = rng.randint(5, 60), rng.randint(10, 90)
        out.append(
            f"""
- id: {cid}
  title: Synthetic concept {n}
  summary: >-
    A generated concept whose record is about as long as a real one, with a
    summary of two lines, a resource, a checklist and a demo.
  category: {CATEGORIES[n % len(CATEGORIES)]}
  level: {LEVELS[n % len(LEVELS)]}
  minutes: {minutes}
  requires:{reqs or " []"}
  resources:
    - kind: blog
      title: Notes on concept {n}
      url: https://example.org/notes/{cid}
      length: {{words: {notes * 200}}}
      minutes: {notes}
      free: true
  checklist:
    - Can you explain concept {n} to a colleague in two minutes?
    - Can you work through its central example by hand?
  demo: {cid}"""
        )
    (directory / "concepts.yaml").write_text("\n".join(out) + "\n")

    papers = []
    for n in range(max(1, size // 20)):
        layer = n % max(1, len(layers) - 1) + 1 if len(layers) > 1 else 0
        taught = rng.choice(layers[layer])
        needed = rng.choice(layers[layer - 1]) if layer else None
        year = 2010 + n % 15
        papers.append(
            f"""
- id: paper-{n:06d}
  title: A synthetic paper number {n}
  first_author: Ada Lovelace
  et_al: true
  year: {year}
  arxiv: "{year % 100:02d}{n % 12 + 1:02d}.{n % 10000:0{5 if year >= 2015 else 4}d}"
  venue: NeurIPS {year}
  priority: important
  phase: later
  depth: selective
  advice: Read the method section closely and skim the experiments.
  minutes: {{close: 180, selective: 90, skim: 30}}
  teaches: [{taught}]
  requires: [{needed or ""}]
  questions:
    - Can you say what problem this paper set out to solve?
    - Can you restate its central result in your own words?"""
        )
    (directory / "papers.yaml").write_text("\n".join(papers) + "\n")

    last, before = layers[-1], layers[-2] if len(layers) > 1 else []
    (directory / "paths.yaml").write_text(
        "- id: synthetic-path\n  title: Synthetic path\n  summary: The last layer.\n"
        f"  track: lightweight\n  assumes: [{', '.join(before)}]\n  steps: [{', '.join(last)}]\n"
    )


def bare_parse(directory: Path) -> None:
    for name in ("concepts.yaml", "papers.yaml", "paths.yaml"):
        yaml.load((directory / name).read_text(), Loader=Loader)


def bare_parse_paused_gc(directory: Path) -> None:
    with paused_gc():
        bare_parse(directory)


def cold_load(directory: Path) -> None:
    result = check(directory, cache_dir=None)
    assert result.graph is not None and not result.diagnostics, result.diagnostics[:3]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def fresh_process_warm(directory: Path, cache: Path) -> float:
    """Wall time of a new interpreter that imports the loader and loads from the cache."""
    code = (
        "import sys, time; t = time.perf_counter(); from graph import check; "
        f"r = check({str(directory)!r}, cache_dir=__import__('pathlib').Path({str(cache)!r})); "
        "assert r.from_cache; print(time.perf_counter() - t)"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    return float(out.stdout)


def bench(size: int, repeats: int, workdir: Path) -> dict[str, float]:
    directory = workdir / f"graph-{size}"
    directory.mkdir()
    generate(size, directory)
    megabytes = sum(p.stat().st_size for p in directory.glob("*.yaml")) / 1e6

    bare, bare_gc, cold = [], [], []
    for _ in range(repeats):  # alternate, so drift in machine load hits every side
        bare.append(timed(lambda: bare_parse(directory)))
        bare_gc.append(timed(lambda: bare_parse_paused_gc(directory)))
        cold.append(timed(lambda: cold_load(directory)))

    cache = workdir / f"cache-{size}"
    first = timed(lambda: check(directory, cache_dir=cache))
    warm = []
    for _ in range(3):
        start = time.perf_counter()
        result = check(directory, cache_dir=cache)
        warm.append(time.perf_counter() - start)
        assert result.from_cache
    fresh = min(fresh_process_warm(directory, cache) for _ in range(2))
    return {
        "size": size,
        "mb": megabytes,
        "bare": statistics.median(bare),
        "cold": statistics.median(cold),
        "bare_gc": statistics.median(bare_gc),
        "ratio": statistics.median(c / b for c, b in zip(cold, bare, strict=True)),
        "ratio_gc": statistics.median(c / b for c, b in zip(cold, bare_gc, strict=True)),
        "first": first,
        "warm": statistics.median(warm),
        "fresh": fresh,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=0, help="runs per side (default: by size)")
    args = parser.parse_args()

    header = (
        f"{'concepts':>9} {'YAML MB':>8} {'bare s':>8} {'bare,gc off s':>14} {'cold s':>8} "
        f"{'cold/bare':>10} {'cold/bare,gc off':>17} {'first+cache s':>14} {'warm s':>7} "
        f"{'warm,new proc s':>16}"
    )
    print(header)
    rows = []
    with tempfile.TemporaryDirectory(prefix="syllabus-bench-") as tmp:
        for size in args.sizes:
            repeats = args.repeats or (5 if size <= 10_000 else 2)
            row = bench(size, repeats, Path(tmp))
            rows.append(row)
            print(
                f"{row['size']:>9} {row['mb']:>8.1f} {row['bare']:>8.3f} {row['bare_gc']:>14.3f} "
                f"{row['cold']:>8.3f} {row['ratio']:>9.2f}x {row['ratio_gc']:>16.2f}x "
                f"{row['first']:>14.3f} {row['warm']:>7.3f} {row['fresh']:>16.3f}",
                flush=True,
            )
    print()
    print("cold/bare: median of per-pair ratios (target <= 1.30x)")
    for row in rows:
        verdict = "meets" if max(row["ratio"], row["ratio_gc"]) <= 1.3 else "MISSES"
        print(
            f"  {row['size']:>7} concepts: {row['ratio']:.2f}x against a plain parse, "
            f"{row['ratio_gc']:.2f}x against a parse with gc paused: {verdict} the target"
        )
    largest = max(rows, key=lambda r: r["size"])
    if largest["size"] >= 100_000:
        verdict = "meets" if largest["warm"] < 1.5 else "MISSES"
        print(
            f"warm load of {largest['size']} concepts: {largest['warm']:.3f} s in process, "
            f"{largest['fresh']:.3f} s in a new interpreter (target < 1.5 s): {verdict}"
        )


if __name__ == "__main__":
    main()
