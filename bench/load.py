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

Then a graph brought as JSON (which is flow-style YAML) against the same graph in
block YAML, at 1k and 10k concepts: the generated graph plus an implied edge on
every tenth concept, so that, like a graph converted from public data, it has
warnings and each needs the line of a field. Target: JSON <= 1.5x block YAML.

    .venv/bin/python bench/load.py                 # 1k, 10k, 100k
    .venv/bin/python bench/load.py --sizes 1000 --json-sizes 1000   # a quick run
"""

import argparse
import json
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


DATA_FILES = ("concepts.yaml", "papers.yaml", "paths.yaml")


def bare_parse(directory: Path) -> None:
    for name in DATA_FILES:
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


def with_implied_edges(directory: Path, yaml_dir: Path, json_dir: Path) -> int:
    """The graph in ``directory`` again, every tenth concept also requiring what its first
    prerequisite requires (an implied edge: a warning), written as block YAML into
    ``yaml_dir`` and as indented JSON into ``json_dir``; returns the warnings to expect."""
    data = {n: yaml.load((directory / n).read_text(), Loader=Loader) for n in DATA_FILES}
    requires = {c["id"]: c["requires"] for c in data["concepts.yaml"]}
    implied = 0
    for n, concept in enumerate(data["concepts.yaml"]):
        first = concept["requires"][0] if concept["requires"] else None
        if n % 10 == 0 and first and requires[first]:
            concept["requires"] = [*concept["requires"], requires[first][0]]
            implied += 1
    for out in (yaml_dir, json_dir):
        out.mkdir()
    for name, records in data.items():
        (yaml_dir / name).write_text(yaml.safe_dump(records, sort_keys=False))
        (json_dir / name).write_text(json.dumps(records, indent=2))
    return implied


def json_bench(size: int, repeats: int, workdir: Path) -> dict[str, float]:
    base = workdir / f"json-base-{size}"
    base.mkdir()
    generate(size, base)
    yaml_dir, json_dir = workdir / f"as-yaml-{size}", workdir / f"as-json-{size}"
    implied = with_implied_edges(base, yaml_dir, json_dir)
    times: dict[Path, list[float]] = {yaml_dir: [], json_dir: []}
    for _ in range(repeats):
        for directory, runs in times.items():
            start = time.perf_counter()
            result = check(directory, cache_dir=None)
            runs.append(time.perf_counter() - start)
            assert result.graph is not None and len(result.warnings) >= implied
    pairs = zip(times[json_dir], times[yaml_dir], strict=True)
    return {
        "size": size,
        "warnings": implied,
        "yaml": statistics.median(times[yaml_dir]),
        "json": statistics.median(times[json_dir]),
        "ratio": statistics.median(j / y for j, y in pairs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000, 100_000])
    parser.add_argument("--json-sizes", type=int, nargs="*", default=[1000, 10_000])
    parser.add_argument("--repeats", type=int, default=0, help="runs per side (default: by size)")
    args = parser.parse_args()
    if args.json_sizes:
        compare_json(args.json_sizes, args.repeats)
    if args.sizes:
        compare_parse(args.sizes, args.repeats)


def compare_json(sizes: list[int], repeats: int) -> None:
    print(f"{'concepts':>9} {'warnings':>9} {'block YAML s':>13} {'JSON s':>8} {'JSON/YAML':>10}")
    with tempfile.TemporaryDirectory(prefix="syllabus-bench-") as tmp:
        for size in sizes:
            row = json_bench(size, repeats or (5 if size <= 10_000 else 2), Path(tmp))
            verdict = "meets" if row["ratio"] <= 1.5 else "MISSES"
            print(
                f"{row['size']:>9} {row['warnings']:>9} {row['yaml']:>13.3f} {row['json']:>8.3f} "
                f"{row['ratio']:>9.2f}x  (target <= 1.50x: {verdict})",
                flush=True,
            )
    print()


def compare_parse(sizes: list[int], repeats: int) -> None:
    header = (
        f"{'concepts':>9} {'YAML MB':>8} {'bare s':>8} {'bare,gc off s':>14} {'cold s':>8} "
        f"{'cold/bare':>10} {'cold/bare,gc off':>17} {'first+cache s':>14} {'warm s':>7} "
        f"{'warm,new proc s':>16}"
    )
    print(header)
    rows = []
    with tempfile.TemporaryDirectory(prefix="syllabus-bench-") as tmp:
        for size in sizes:
            row = bench(size, repeats or (5 if size <= 10_000 else 2), Path(tmp))
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
