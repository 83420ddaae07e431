"""API benchmark: a real uvicorn server, loaded with /healthz and POST /v1/plans side by side.

Both endpoints are driven at the same concurrency over keep-alive connections,
in alternating rounds so that machine noise hits both alike. Prints req/s, p50
and p99 of each, and the ratio plans/health. Targets: ratio >= 0.5 and plan
p99 < 100 ms at 32 connections. Also times a plan's serialisation on its own.

    .venv/bin/python bench/api.py
    .venv/bin/python bench/api.py --seconds 3 --connections 32
"""

import argparse
import asyncio
import json
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per round and endpoint")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.app:create_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        health_request = raw_request("GET", "/healthz", port)
        plan_request = raw_request("POST", "/v1/plans", port, PLAN)
        health: list[float] = []
        plans: list[float] = []
        for _ in range(args.rounds):
            health += asyncio.run(load(port, health_request, args.connections, args.seconds))
            plans += asyncio.run(load(port, plan_request, args.connections, args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=10)

    seconds = args.seconds * args.rounds
    rows = [("GET /healthz", health), ("POST /v1/plans", plans)]
    for name, latencies in rows:
        ordered = sorted(latencies)
        p50 = ordered[len(ordered) // 2] * 1000
        p99 = ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)] * 1000
        print(
            f"{name:16s} {len(latencies) / seconds:8.0f} req/s  p50 {p50:6.1f} ms  "
            f"p99 {p99:6.1f} ms  ({args.connections} connections)"
        )
    ratio = len(plans) / len(health)
    print(f"plans/health throughput ratio {ratio:.2f}; targets: ratio >= 0.5, plan p99 < 100 ms")
    plan_ms, dump_ms = serialisation()
    print(f"one plan outside the server: planning {plan_ms:.2f} ms, to JSON {dump_ms:.2f} ms")


if __name__ == "__main__":
    main()
