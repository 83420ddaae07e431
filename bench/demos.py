"""Demo suite benchmark: every demo on the CPU in one process, as `syllabus demos verify` runs them.

Prints the whole suite's wall time (target < 30 s on the 2-core CPU machine),
how much of it was torch's import, and the slowest five demos.

    .venv/bin/python bench/demos.py
"""

import sys
import time
from pathlib import Path

START = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402  (timed on purpose)

IMPORTED = time.perf_counter()

from demos.records import discover  # noqa: E402
from demos.runner import run_all  # noqa: E402


def main() -> None:
    demos = list(discover().values())
    records = run_all(demos, torch.device("cpu"))
    end = time.perf_counter()
    failed = [r["demo"] for r in records if r["status"] != "passed"]
    print(
        f"{len(records)} demos on the CPU in one process: {end - START:.1f} s wall "
        f"(import torch {IMPORTED - START:.1f} s, demos {sum(r['seconds'] for r in records):.1f} s)"
        f"; target < 30 s; {len(failed)} failed" + (f": {', '.join(failed)}" if failed else "")
    )
    print("slowest five:")
    for r in sorted(records, key=lambda r: -r["seconds"])[:5]:
        print(f"  {r['demo']:32s} {r['seconds']:.2f} s")


if __name__ == "__main__":
    main()
