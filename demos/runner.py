"""Run demos on the hardware at hand, each in its own process, and judge what they checked.

Why a process per demo: a function call cannot contain everything a demo can
do wrong. ``sys.exit(0)`` or ``os._exit`` would end a shared process with
success; a hung native call cannot be interrupted by a signal handler; a
crash would take every other demo with it. In its own process group, a demo
that runs past its timeout is killed together with anything it started.

On the CPU each demo's process is forked from this one, after torch's import
and the first ``torch.optim`` optimiser (whose construction imports
torch._dynamo, about 1.6 s) are done: those one-off costs are paid once per
run and a demo starts in milliseconds. CUDA cannot be used in a process forked
after CUDA was initialised, so for a GPU the processes come from
multiprocessing's fork server instead, which loads the same warm modules and
never touches the device itself.

A demo passes only when ``run`` returns and every check came out right: at
least three positive claims that can fail, at least one negative control (made by
``Claim.broken``, so it fails the very check its claim passes), no check that
measured NaN or infinity, no check the harness can see cannot fail, no source
that catches every exception.
"""

import contextlib
import ctypes
import importlib.util
import math
import multiprocessing
import os
import platform
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

import torch

from demos.harness import Demo
from demos.records import DEMOS_DIR, DemoSource, record_key

TIMEOUT_S = 20.0
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
MIN_CLAIMS = 3  # positive claims that can fail: one number proves little about a concept
WARM = "demos._warm"  # what a process loads before it forks the demos' processes
Progress = Callable[[DemoSource, dict[str, Any]], None]


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
        "threads": 1,  # prepare() sets it in each demo's process
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


# In the demo's own process.


def _child(conn: Connection, module: str, path: str, device: str) -> None:
    """Run one demo and send back how it ended, its checks and its seconds; then exit."""
    os.setpgid(0, 0)  # its own process group, so a timeout kills whatever it started too
    _die_with_parent()
    target = torch.device(device)
    prepare(target)
    torch.manual_seed(0)
    harness = Demo(target)
    start = time.perf_counter()
    ending = ""
    try:
        spec = importlib.util.spec_from_file_location(module, path)
        assert spec is not None and spec.loader is not None
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[module] = loaded
        spec.loader.exec_module(loaded)
        loaded.run(harness)
    except SystemExit as exc:  # sys.exit is not success: the checks after it never ran
        ending = f"called sys.exit({exc.code!r}) instead of returning its checks"
    except BaseException as exc:  # reported to the parent, never swallowed
        ending = _raised(exc, path)
    seconds = time.perf_counter() - start
    try:
        conn.send((ending, [asdict(c) for c in harness.checks], seconds))
    except Exception as exc:  # an unpicklable check is the demo's fault
        conn.send((f"its checks could not be sent back: {exc}", [], seconds))
    conn.close()
    os._exit(0)  # no atexit handlers, no waiting on threads the demo left behind


def _die_with_parent() -> None:
    """On Linux, ask the kernel to kill this process if the runner dies first (say, killed
    by a timeout of its own caller), so an orphaned demo cannot run on unseen."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the runner died before the request took effect
            os._exit(1)


def _raised(exc: BaseException, path: str) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if f.filename == path] or frames
    where = f" (at {Path(inside[-1].filename).name}:{inside[-1].lineno})" if inside else ""
    return f"raised {type(exc).__name__}: {exc}{where}"


# In the parent.


def _context(device: torch.device) -> Any:
    """Where each demo's process comes from: a fork of this warm process, or a fork server."""
    if device.type == "cpu":
        importlib.import_module(WARM)  # the one-off costs, here, once
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([WARM])
    return context


class _Running:
    """One demo's process, its pipe and its deadline."""

    def __init__(
        self, context: Any, demo: DemoSource, device: torch.device, timeout: float
    ) -> None:
        self.demo, self.timeout = demo, timeout
        self.conn, child_end = context.Pipe(duplex=False)
        args = (child_end, demo.module, str(demo.path), str(device))
        self.process = context.Process(target=_child, args=args, daemon=True)
        self.started = time.perf_counter()
        self.process.start()
        child_end.close()
        self.deadline = self.started + timeout

    def finish(self, timed_out: bool) -> tuple[str, list[dict[str, Any]], float]:
        message = None
        if not timed_out:
            with contextlib.suppress(EOFError, OSError):
                message = self.conn.recv()
        self._kill()
        seconds = time.perf_counter() - self.started
        if timed_out:
            return f"ran past its {self.timeout:g} s timeout and was killed", [], seconds
        if message is None:
            code = self.process.exitcode
            how = f"was killed by {_signal_name(-code)}" if code and code < 0 else f"exited {code}"
            return f"{how} before returning its checks", [], seconds
        return message

    def _kill(self) -> None:
        """End the demo's process group: the demo and anything it left running."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.join(5)
        self.conn.close()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def run_all(
    demos: list[DemoSource],
    device: torch.device,
    timeout: float = TIMEOUT_S,
    progress: Progress | None = None,
    jobs: int = 1,
) -> list[dict[str, Any]]:
    """Run ``demos``, each in its own process, ``jobs`` at a time; their records, in order."""
    context = _context(device)
    commit, env = _commit(), environment(device)
    records: list[dict[str, Any] | None] = [None] * len(demos)
    waiting = list(enumerate(demos))
    running: dict[Connection, tuple[int, _Running]] = {}
    try:
        while waiting or running:
            while waiting and len(running) < max(1, jobs):
                index, demo = waiting.pop(0)
                job = _Running(context, demo, device, timeout)
                running[job.conn] = (index, job)
            now = time.perf_counter()
            soonest = min(job.deadline for _, job in running.values())
            ready = wait(list(running), timeout=max(0.0, soonest - now))
            now = time.perf_counter()
            for conn in list(running):
                index, job = running[conn]
                timed_out = conn not in ready and now >= job.deadline
                if conn in ready or timed_out:
                    del running[conn]
                    ending, checks, seconds = job.finish(timed_out)
                    record = judge(job.demo, device, ending, checks, seconds, commit, env)
                    records[index] = record
                    if progress is not None:
                        progress(job.demo, record)
    finally:  # interrupted (Ctrl-C, an error in a callback): leave no demo running
        for _, job in running.values():
            job.finish(timed_out=True)
    return [r for r in records if r is not None]


def run_demo(demo: DemoSource, device: torch.device, timeout: float = TIMEOUT_S) -> dict[str, Any]:
    """Run one demo in its own process and return its verification record."""
    return run_all([demo], device, timeout)[0]


def judge(
    demo: DemoSource,
    device: torch.device,
    ending: str,
    checks: list[dict[str, Any]],
    seconds: float,
    commit: str | None = None,
    env: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The verification record: what the demo measured and every reason it fails, if any."""
    problems = [f"catches every exception at {where}" for where in demo.swallows]
    if ending:
        problems.append(ending)
    else:
        problems += _problems(checks)
    return {
        "demo": demo.id,
        "concepts": list(demo.concepts),
        "title": demo.title,
        "device": device.type,
        "status": "failed" if problems else "passed",
        "problems": problems,
        "checks": checks,
        "key": record_key(demo),
        "environment": env or environment(device),
        "seconds": round(seconds, 4),
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": commit,
    }


def _problems(checks: list[dict[str, Any]]) -> list[str]:
    claims = [c for c in checks if not c["negative"] and c["holds"] is not None]
    problems = []
    counted = [c for c in claims if not (c["illustration"] or c["cannot_fail"])]
    if len(counted) < MIN_CLAIMS:
        problems.append(
            f"has {len(counted)} positive claims that can fail; a demo needs {MIN_CLAIMS} "
            "(illustrations do not count)"
        )
    if not any(c["negative"] for c in checks):
        problems.append("has no negative control: break a claim with claim.broken(...)")
    positives = {c["claim"]: c for c in claims}
    for c in checks:
        role = "negative control" if c["negative"] else "check"
        if c["negative"]:
            problems += _unpaired(c, positives.get(c["control_of"]))
        measured = c["measured"]
        if isinstance(measured, float) and not math.isfinite(measured):
            problems.append(f"{role} measured {measured}: {c['claim']}")
        elif c["cannot_fail"] and not c["illustration"]:
            problems.append(f"{role} cannot fail ({c['cannot_fail']}): {c['claim']}")
        if not c["ok"]:
            problems.append(
                f"negative control held: {c['claim']}"
                if c["negative"]
                else f"{'illustration' if c['illustration'] else 'check'} failed: {c['claim']}"
            )
    return problems


def _unpaired(control: dict[str, Any], claim: dict[str, Any] | None) -> list[str]:
    """A negative control must break a claim of the demo with the very same test."""
    if claim is None:
        return [f"negative control breaks no claim of this demo: {control['claim']}"]
    if claim["illustration"]:
        return [f"negative control breaks an illustration, not a claim: {control['claim']}"]
    if (claim["kind"], claim["limits"]) != (control["kind"], control["limits"]):
        return [
            f"negative control is not the same check as its claim {claim['claim']!r} "
            f"({control['kind']} {control['threshold']} against {claim['kind']} "
            f"{claim['threshold']}): {control['claim']}"
        ]
    return []


if __name__ == "__main__":  # pragma: no cover - `syllabus demos` is the interface
    sys.exit("use: syllabus demos list | run ID | verify | status | mutate")
