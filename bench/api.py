"""API benchmark: a real server (``syllabus serve``), measured three ways in one run.

1. /healthz and POST /v1/plans side by side at the same concurrency over keep-alive
   connections, in alternating rounds so that machine noise hits both alike: req/s,
   p50 and p99 of each, and the ratio plans/health (target >= 0.5, plan p99 < 100 ms).
2. /healthz p99 on one connection while the ten slowest plans found among hard
   requests run without pause, over its idle p99 (target <= 2): does slow work block
   everyone?
3. Plan throughput with ``--workers 2`` against ``--workers 1``.

    .venv/bin/python bench/api.py
    .venv/bin/python bench/api.py --seconds 3 --connections 32
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLAN = {"goals": ["gpt"], "known": ["linear-algebra"], "budget_minutes": 360}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raw_request(method: str, path: str, port: int, body: dict | None = None) -> bytes:
    """One HTTP/1.1 request, keep-alive, as bytes."""
    payload = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
    return (head + "\r\n").encode() + payload


async def load(port: int, request: bytes, connections: int, seconds: float) -> list[float]:
    """Latencies of the requests ``connections`` keep-alive connections complete in ``seconds``.

    A bare asyncio client: an HTTP library's own overhead would load the same two
    cores the server runs on, and measure the client instead of the server.
    """
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop:
                start = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(head.decode(errors="replace"))
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - start)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return latencies


def serialisation() -> tuple[float, float]:
    """Median ms to plan, and to turn the plan into JSON bytes, outside the server."""
    import orjson

    from api.plan_output import plan_data
    from graph import load_graph
    from planner.plan import make_plan
    from planner.request import PlanRequest

    graph = load_graph(ROOT)
    request = PlanRequest(**PLAN)
    plans, dumps = [], []
    for _ in range(200):
        start = time.perf_counter()
        plan = make_plan(graph, request)
        middle = time.perf_counter()
        orjson.dumps(plan_data(plan))  # what the server sends
        plans.append(middle - start)
        dumps.append(time.perf_counter() - middle)
    return statistics.median(plans) * 1000, statistics.median(dumps) * 1000


def slowest_plans(count: int, tries: int, seed: int = 1) -> list[tuple[float, dict]]:
    """The ``count`` slowest of ``tries`` hard requests (50 goals, a budget that cuts deep,
    either track, any depth), timed in this process: (seconds, body), slowest first."""
    import random

    from graph import load_graph
    from planner.plan import make_plan
    from planner.request import PlanRequest

    graph = load_graph(ROOT)
    ids = sorted(graph.concepts) + sorted(graph.papers)
    rng = random.Random(seed)
    timed = []
    for _ in range(tries):
        goals = rng.sample(ids, 50)
        depth = rng.choice(["overview", "study", "deep"])
        full = make_plan(graph, PlanRequest(goals=goals, track="paper", depth=depth))
        budget = max(60, int(full.minutes * rng.uniform(0.15, 0.85)))
        body = {"goals": goals, "track": "paper", "depth": depth, "budget_minutes": budget}
        start = time.perf_counter()
        make_plan(graph, PlanRequest(**body))
        timed.append((time.perf_counter() - start, body))
    return sorted(timed, key=lambda t: -t[0])[:count]


class Server:
    """``syllabus serve`` with ``workers`` processes on a free port, quiet."""

    def __init__(self, workers: int) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "api.cli", "serve", "--port", str(self.port)),
                *("--workers", str(workers), "--log-level", "warning"),
            ],
            cwd=ROOT,
        )
        for _ in range(600):
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        time.sleep(1.0)  # every worker up, not just the first to answer

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)] * 1000


def line(name: str, latencies: list[float], seconds: float, connections: int) -> str:
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2] * 1000
    return (
        f"{name:28s} {len(latencies) / seconds:8.0f} req/s  p50 {p50:6.1f} ms  "
        f"p99 {p99(latencies):6.1f} ms  ({connections} connections)"
    )


def hammer(port: int, requests: list[bytes], seconds: float) -> None:
    """Post each of ``requests`` over and over on its own connection for ``seconds``.

    At a low CPU priority: it stands in for clients on other machines, and on a
    two-core box it would otherwise take the CPU from the server it loads."""
    os.nice(10)

    async def one(request: bytes) -> None:
        stop = time.perf_counter() + seconds
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
        finally:
            writer.close()

    async def every() -> None:
        await asyncio.gather(*(one(r) for r in requests))

    asyncio.run(every())


def health_under(port: int, slow: list[bytes], seconds: float) -> list[float]:
    """/healthz latencies (one connection) while another process posts each of ``slow``
    over and over: the probe's own client is never busy reading a slow answer."""
    import multiprocessing

    load_process = multiprocessing.get_context("spawn").Process(
        target=hammer, args=(port, slow, seconds + 1.0)
    )
    load_process.start()
    time.sleep(1.0)  # the slow plans are running
    latencies = asyncio.run(load(port, raw_request("GET", "/healthz", port), 1, seconds))
    load_process.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per round and endpoint")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--tries", type=int, default=60, help="requests to find slow plans in")
    args = parser.parse_args()
    seconds = args.seconds * args.rounds

    # 1. Throughput: /healthz and a typical plan side by side, one server process.
    with Server(workers=1) as server:
        port = server.port
        health_request = raw_request("GET", "/healthz", port)
        plan_request = raw_request("POST", "/v1/plans", port, PLAN)
        health: list[float] = []
        plans: list[float] = []
        for _ in range(args.rounds):
            health += asyncio.run(load(port, health_request, args.connections, args.seconds))
            plans += asyncio.run(load(port, plan_request, args.connections, args.seconds))

        # 2. /healthz alone, then while the ten slowest plans found run without pause.
        slow = slowest_plans(10, args.tries)
        idle = asyncio.run(load(port, health_request, 1, args.seconds))
        slow_requests = [raw_request("POST", "/v1/plans", port, body) for _, body in slow]
        loaded = health_under(port, slow_requests, args.seconds)
    print(line("GET /healthz", health, seconds, args.connections))
    print(line("POST /v1/plans", plans, seconds, args.connections))
    ratio = len(plans) / len(health)
    print(f"plans/health throughput ratio {ratio:.2f}; targets: ratio >= 0.5, plan p99 < 100 ms")
    print(
        f"the 10 slowest of {args.tries} hard plans take {slow[-1][0] * 1000:.0f}-"
        f"{slow[0][0] * 1000:.0f} ms each in-process"
    )
    print(line("GET /healthz, idle", idle, args.seconds, 1))
    print(line("GET /healthz, slow plans", loaded, args.seconds, 1))
    print(f"/healthz p99 under slow plans / idle {p99(loaded) / p99(idle):.2f}; target <= 2")

    # 3. Plan throughput with two server processes against one.
    rates = {}
    for workers in (1, 2):
        with Server(workers=workers) as server:
            request = raw_request("POST", "/v1/plans", server.port, PLAN)
            done = []
            for _ in range(args.rounds):
                done += asyncio.run(load(server.port, request, args.connections, args.seconds))
            rates[workers] = len(done) / seconds
            print(line(f"POST /v1/plans, {workers} worker(s)", done, seconds, args.connections))
    print(f"plan throughput, 2 workers / 1: {rates[2] / rates[1]:.2f}")
    plan_ms, dump_ms = serialisation()
    print(f"one plan outside the server: planning {plan_ms:.2f} ms, to JSON {dump_ms:.2f} ms")


if __name__ == "__main__":
    main()
