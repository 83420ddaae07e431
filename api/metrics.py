"""What the service counts, for Prometheus: requests and latency per route, errors,
the diagram cache's hits, and how budgets were fitted (solver time limits among them).

Each app has its own registry, so two apps in one process (tests) never share
counts. With several server workers (``syllabus serve --workers N``) each worker
is its own process: ``serve`` then points prometheus-client's multiprocess mode
at a scratch directory (``PROMETHEUS_MULTIPROC_DIR``) and ``/metrics`` adds up
every worker's counts, whichever worker answers the scrape.

Routes are labelled by their template (``/v1/concepts/{concept_id}``), never by
the path a client sent, so no client can grow the label set.
"""

import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
UNMATCHED = "unmatched"


class Metrics:
    """The app's counters and histograms."""

    def __init__(self) -> None:
        self.shared = bool(os.environ.get(MULTIPROCESS))
        # In multiprocess mode the values live in files, summed at scrape time.
        self.registry = None if self.shared else CollectorRegistry()
        reg = self.registry
        self.requests = Counter(
            "syllabus_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=reg,
        )
        self.latency = Histogram(
            "syllabus_request_seconds",
            "Time to answer a request, by route template",
            ["route", "method"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=reg,
        )
        self.errors = Counter(
            "syllabus_errors",
            "Requests answered with an error, by the error's code",
            ["code"],
            registry=reg,
        )
        self.cache = Counter(
            "syllabus_diagram_cache",
            "Diagram requests served from the cache (hit) or drawn (miss)",
            ["result"],
            registry=reg,
        )
        self.fits = Counter(
            "syllabus_budget_fits",
            "Plans by how their budget was fitted; time-limit counts solver timeouts",
            ["method"],
            registry=reg,
        )

    def fit(self, method: str) -> None:
        self.fits.labels(method).inc()

    def error(self, code: str) -> None:
        self.errors.labels(code).inc()

    def cached(self, hit: bool) -> None:
        self.cache.labels("hit" if hit else "miss").inc()

    def exposition(self) -> tuple[bytes, str]:
        """The text format Prometheus scrapes, and its media type."""
        if self.registry is not None:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Counts every request and times it, labelled by the route that answered it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, counted)
        finally:
            route = scope.get("route")
            label = getattr(route, "path", None) or UNMATCHED
            method = scope["method"]
            self.metrics.requests.labels(label, method, str(status)).inc()
            self.metrics.latency.labels(label, method).observe(time.perf_counter() - started)
