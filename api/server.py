"""How the service runs: uvicorn, N worker processes, read deadlines, a graceful stop.

uvicorn closes a keep-alive connection that sits idle after a response
(``timeout_keep_alive``) but sets no deadline on reading a request: a client that
connects and sends nothing, or half its headers, or half its body, holds the
connection (and, mid-body, a request) open for as long as it likes. ``Deadline``
closes any connection whose request is not fully read within READ_TIMEOUT_S of
its first byte (or of the connection opening). Once a request is read, the
deadline is off: the answer may take as long as it takes.

    serve("127.0.0.1", 8000, workers=2)
"""

import asyncio
import os
import shutil
import tempfile

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.compute import PROCESSES, default_processes
from api.errors import ApiError
from api.exports.formats import json_bytes
from api.metrics import MULTIPROCESS

READ_TIMEOUT_S = 15.0
"""Seconds a client has to send a whole request, headers and body."""
KEEP_ALIVE_S = 5
"""Seconds an idle keep-alive connection stays open after a response (uvicorn's default)."""
GRACEFUL_S = 30
"""Seconds a stopping server waits for requests in progress before it closes them."""
WORKERS = "SYLLABUS_WORKERS"
DATA = "SYLLABUS_DATA"


class Deadline(H11Protocol):
    """uvicorn's h11 protocol with a deadline on reading each request."""

    read_timeout = READ_TIMEOUT_S
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        starting = self.conn.their_state is h11.IDLE
        super().data_received(data)
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY):  # a request is under way
            if starting:
                self._arm()  # its clock starts with its first byte
        else:
            self._disarm()  # read in full (or the connection is over)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is h11.IDLE:
            self._arm()  # the next request's clock, until it starts

    def send_400_response(self, msg: str) -> None:
        """A request h11 cannot parse (a head over 16 KB, say), answered in the API's JSON."""
        body = json_bytes(
            ApiError(
                400,
                "malformed-request",
                "the request is not valid HTTP/1.1, or its head (request line and headers) "
                "is longer than 16 KB",
            ).body()
        )
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        for event in (h11.Response(status_code=400, headers=headers), h11.Data(data=body)):
            self.transport.write(self.conn.send(event))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.read_timeout, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def serve(
    host: str, port: int, workers: int = 1, data: str | None = None, log_level: str = "info"
) -> None:
    """Serve the app with ``workers`` processes; a stop (SIGINT, SIGTERM) lets requests in
    progress finish for up to GRACEFUL_S seconds."""
    if data is not None:
        os.environ[DATA] = data  # each worker loads the graph itself
    os.environ.setdefault(PROCESSES, str(default_processes(workers)))
    scratch = None
    if workers > 1 and not os.environ.get(MULTIPROCESS):
        scratch = tempfile.mkdtemp(prefix="syllabus-metrics-")
        os.environ[MULTIPROCESS] = scratch  # /metrics adds up every worker's counts
    try:
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            http=Deadline,
            timeout_keep_alive=KEEP_ALIVE_S,
            timeout_graceful_shutdown=GRACEFUL_S,
            log_level=log_level,
        )
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
