"""Demo suite benchmark: every demo on the CPU, one process each, as `demos verify` runs them.

Prints, measured in this one run:
- the one-off costs a process pays before any demo: torch's import and the first
  torch.optim optimiser (its construction imports torch._dynamo), paid once, before forking;
- the whole suite's wall time with one job (target < 30 s on the 2-core CPU machine), its
  ratio to the target, and how much of it the per-demo processes add over the demos' own time;
- the same suite with one job per core, and every declared mutant (as `make test` runs them);
- the slowest five demos.

    .venv/bin/python bench/demos.py
"""

import os
import sys
import time
from pathlib import Path

START = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402  (timed on purpose)

IMPORTED = time.perf_counter()

from demos import _warm  # noqa: E402, F401  (builds the first optimiser: timed on purpose)

WARMED = time.perf_counter()

from demos.mutations import Verdict, mutate_all  # noqa: E402
from demos.records import discover  # noqa: E402
from demos.runner import run_all  # noqa: E402

TARGET_S = 30.0


def main() -> None:
    demos = list(discover().values())
    cpu = torch.device("cpu")
    jobs = os.cpu_count() or 1

    start = time.perf_counter()
    records = run_all(demos, cpu, jobs=1)
    serial = time.perf_counter() - start
    inside = sum(r["seconds"] for r in records)
    failed = [r["demo"] for r in records if r["status"] != "passed"]
    one_off = WARMED - START
    print(
        f"one-off, once per run: import torch {IMPORTED - START:.2f} s, "
        f"first torch.optim optimiser {WARMED - IMPORTED:.2f} s"
    )
    print(
        f"{len(records)} demos, one process each, 1 job: {serial + one_off:.1f} s wall with the "
        f"one-off costs = {(serial + one_off) / TARGET_S:.2f} of the {TARGET_S:g} s target; "
        f"demos {inside:.1f} s inside their processes, processes add {serial - inside:.1f} s"
        f"; {len(failed)} failed" + (f": {', '.join(failed)}" if failed else "")
    )

    start = time.perf_counter()
    run_all(demos, cpu, jobs=jobs)
    print(f"the same with {jobs} jobs: {time.perf_counter() - start:.1f} s")

    start = time.perf_counter()
    outcomes = mutate_all(demos, jobs=jobs)
    caught = sum(o.verdict is Verdict.CAUGHT for o in outcomes)
    print(
        f"{len(outcomes)} mutants, {jobs} jobs: {time.perf_counter() - start:.1f} s, "
        f"{caught} caught"
    )

    print("slowest five demos:")
    for r in sorted(records, key=lambda r: -r["seconds"])[:5]:
        print(f"  {r['demo']:32s} {r['seconds']:.2f} s")


if __name__ == "__main__":
    main()
