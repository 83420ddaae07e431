"""Run demos on the hardware at hand and turn what they checked into verification records.

All demos run in one process: importing torch and building the first
optimiser are one-off costs that would otherwise dominate. Each demo gets a
fresh seed, one CPU thread and a timeout; it fails when it raises, runs past
its timeout, checks nothing, has no negative control, or has a check that
does not come out as it should.
"""

import contextlib
import importlib
import platform
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import torch

from demos.harness import Demo
from demos.records import DEMOS_DIR, DemoSource, source_hashes

TIMEOUT_S = 20.0


class DemoTimeout(Exception):
    pass


def pick_device(wanted: str = "auto") -> torch.device:
    """auto: CUDA, else MPS, else the CPU. Asking for a device that is absent is an error."""
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if wanted == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if wanted == "cuda" and not cuda:
        raise ValueError("--device cuda: no CUDA device is available here; use cpu or auto")
    if wanted == "mps" and not mps:
        raise ValueError("--device mps: no MPS device is available here; use cpu or auto")
    if wanted not in ("cpu", "cuda", "mps"):
        raise ValueError(f"--device {wanted}: choose auto, cpu, cuda or mps")
    return torch.device(wanted)


def environment(device: torch.device) -> dict[str, Any]:
    """What the record was measured on."""
    env: dict[str, Any] = {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "device_name": _cpu_name() if device.type == "cpu" else None,
        "threads": torch.get_num_threads(),
        "cuda": None,
        "cudnn": None,
    }
    if device.type == "cuda":
        env["device_name"] = torch.cuda.get_device_name(device)
        env["cuda"] = torch.version.cuda
        env["cudnn"] = torch.backends.cudnn.version()
    elif device.type == "mps":
        env["device_name"] = "Apple MPS"
    return env


def _cpu_name() -> str:
    with contextlib.suppress(OSError):
        for line in open("/proc/cpuinfo", encoding="utf-8"):  # noqa: SIM115
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=DEMOS_DIR,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def prepare(device: torch.device) -> None:
    """Settings that make runs steady and comparable: one CPU thread, no TF32 shortcuts."""
    torch.set_num_threads(1)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt a runaway demo; only the main thread can take the alarm."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise DemoTimeout(f"ran past its {seconds:g} s timeout")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_demo(
    demo: DemoSource, device: torch.device, timeout: float = TIMEOUT_S, commit: str | None = None
) -> dict[str, Any]:
    """Run one demo and return its verification record."""
    harness = Demo(device)
    problems: list[str] = []
    torch.manual_seed(0)
    start = time.perf_counter()
    try:
        with _time_limit(timeout):
            importlib.import_module(demo.module).run(harness)
    except DemoTimeout as exc:
        problems.append(str(exc))
    except Exception as exc:  # a demo's own bug: report it, keep the others running
        where = traceback.extract_tb(exc.__traceback__)[-1]
        problems.append(f"raised {type(exc).__name__}: {exc} (at {where.filename}:{where.lineno})")
    seconds = time.perf_counter() - start
    if seconds > timeout and not problems:
        problems.append(f"ran past its {timeout:g} s timeout ({seconds:.1f} s)")
    checks = harness.checks
    if not problems:
        if not checks:
            problems.append("checks nothing: a demo needs at least one check")
        if not any(c.negative for c in checks):
            problems.append("has no negative control")
        problems += [
            f"{'negative control held' if c.negative else 'check failed'}: {c.claim}"
            for c in checks
            if not c.ok
        ]
    return {
        "demo": demo.id,
        "concepts": list(demo.concepts),
        "title": demo.title,
        "device": device.type,
        "status": "failed" if problems else "passed",
        "problems": problems,
        "checks": [asdict(c) for c in checks],
        "sources": source_hashes(demo),
        "environment": environment(device),
        "seconds": round(seconds, 4),
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": commit,
    }


def run_all(
    demos: list[DemoSource],
    device: torch.device,
    timeout: float = TIMEOUT_S,
    progress: Callable[[DemoSource, dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run ``demos`` one after another in this process."""
    prepare(device)
    commit = _commit()
    records = []
    for demo in demos:
        record = run_demo(demo, device, timeout, commit)
        records.append(record)
        if progress is not None:
            progress(demo, record)
    return records


if __name__ == "__main__":  # pragma: no cover - `syllabus demos` is the interface
    sys.exit("use: syllabus demos list | run ID | verify | status")
