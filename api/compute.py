"""CPU work off the event loop: plans, exports and diagram views run in worker processes.

A plan over fifty goals takes up to half a second of CPU. Run in an ``async``
handler it stalls every other request; run in a thread it still holds the GIL
against the event loop. So the service sends each plan, export and diagram view
to a worker process that holds the graph, and the event loop only moves bytes:
``/healthz`` answers while slow plans run (``bench/api.py`` measures it).

Each worker is a process with a pipe. The event loop writes a job to an idle
worker's pipe and waits for the pipe to become readable (``add_reader``): no
thread sits between them. This is hand-written rather than a
``ProcessPoolExecutor`` because of what that costs the event loop: its queues and
manager thread took 0.52 ms of the server's CPU per job, nearly as much as planning
GPT itself (0.64 ms); the pipe takes 0.10 ms (0.18 ms with a plan request to pickle;
measured over 500 jobs each way). It also lets a job that runs past
``JOB_TIMEOUT_S`` be stopped: its worker is killed and replaced.

Workers start from multiprocessing's fork server, not a fork of the server itself
(a fork of a process with threads can inherit a lock some other thread held),
run at a lower CPU priority than the event loop, and get the app's state once.
``processes=0`` runs the same jobs in the event loop's thread pool instead, for
tests and one-off tools where starting processes costs more than it saves.

    compute = Compute(state, processes=2)
    answer = await compute.run(plan_answer, request, PlanFormat.ICS, base_url)
"""

import asyncio
import contextlib
import multiprocessing
import os
import pickle
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.concurrency import run_in_threadpool

from api.errors import ApiError

if TYPE_CHECKING:
    from api.state import AppState

PROCESSES = "SYLLABUS_PROCESSES"
JOB_TIMEOUT_S = 10.0
"""The longest one job may run; every request we know of takes well under a second."""
WORKER_NICENESS = 10
"""How much lower a worker's CPU priority is than the event loop's: under load the loop
still gets the CPU at once when a request arrives."""
Result = TypeVar("Result")


def default_processes(workers: int = 1) -> int:
    """$SYLLABUS_PROCESSES, else the CPUs left once each server process has one for its
    event loop, shared among the server processes (at least 1 each).

    A core kept for the loop is what keeps it answering: on two cores, /healthz p99 while
    ten slow plans ran was 1.0-1.1 ms with one worker process against 3.5-4.7 ms with two
    (``bench/api.py``), at the price of those plans queueing for one core.
    """
    configured = os.environ.get(PROCESSES)
    if configured is not None:
        return max(0, int(configured))
    workers = max(1, workers)
    return max(1, ((os.cpu_count() or 1) - workers) // workers)


class _Worker:
    """One worker process, the server's end of its pipe, and the answer it owes."""

    def __init__(self, context: Any, state: "AppState") -> None:
        self.conn, child = multiprocessing.Pipe()
        self.process: BaseProcess = context.Process(
            target=_serve, args=(child, state), daemon=True, name="syllabus-worker"
        )
        self.process.start()
        child.close()
        self.answer: asyncio.Future[bytes] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.attach(asyncio.get_running_loop())

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Watch the pipe from ``loop`` (a server has one loop; a test client may make a
        loop per request). Watched for as long as the worker lives: registering per job
        cost three syscalls."""
        if loop is self.loop:
            return
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.conn.fileno())
        self.loop = loop
        loop.add_reader(self.conn.fileno(), self._readable)

    def _readable(self) -> None:
        answer, self.answer = self.answer, None
        try:
            data = self.conn.recv_bytes()
        except (EOFError, OSError) as error:  # the worker died
            assert self.loop is not None
            self.loop.remove_reader(self.conn.fileno())
            if answer is not None and not answer.done():
                answer.set_exception(error)
            return
        if answer is not None and not answer.done():
            answer.set_result(data)

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            if self.loop is not None and not self.loop.is_closed():
                self.loop.remove_reader(self.conn.fileno())
        with contextlib.suppress(OSError):
            self.conn.close()
        self.process.kill()
        self.process.join(timeout=5)


class _Idle:
    """The idle workers, and the requests waiting for one, first come first served.

    Not an ``asyncio.Queue``, which belongs to the first loop that uses it: a test client
    may run each request in a loop of its own.
    """

    def __init__(self) -> None:
        self.workers: deque[_Worker] = deque()
        self.waiters: deque[asyncio.Future[_Worker]] = deque()

    async def get(self) -> _Worker:
        if self.workers:
            return self.workers.popleft()
        waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # handed a worker, then cancelled
                self.put(waiter.result())
            raise

    def put(self, worker: _Worker) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self.workers.append(worker)


class Compute:
    """Runs ``job(state, *args)`` in a worker process (or a thread) and awaits its answer."""

    def __init__(
        self, state: "AppState", processes: int, job_timeout: float = JOB_TIMEOUT_S
    ) -> None:
        self.state = state
        self.processes = processes
        self.job_timeout = job_timeout
        self._idle: _Idle | None = None
        self._workers: set[_Worker] = set()

    def start(self) -> None:
        """Start the workers (once, in the event loop that will use them)."""
        if self.processes == 0 or self._idle is not None:
            return
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["api.compute", "api.jobs"])
        self._context = context
        self._idle = _Idle()
        for _ in range(self.processes):
            self._add_worker()

    def _add_worker(self) -> None:
        assert self._idle is not None
        worker = _Worker(self._context, self.state)
        self._workers.add(worker)
        self._idle.put(worker)

    async def run(self, job: Callable[..., Result], *args: Any) -> Result:
        """``job(state, *args)``, off the event loop; its exceptions are raised here."""
        if self.processes == 0:
            return await run_in_threadpool(job, self.state, *args)
        if self._idle is None:
            self.start()
        assert self._idle is not None
        worker = await self._idle.get()
        loop = asyncio.get_running_loop()
        worker.attach(loop)
        worker.answer = answer = loop.create_future()
        deadline = loop.call_later(self.job_timeout, answer.cancel)
        healthy = False
        try:
            worker.conn.send_bytes(pickle.dumps((job, args), pickle.HIGHEST_PROTOCOL))
            try:
                raw = await answer
            except asyncio.CancelledError:
                if deadline.cancelled() or loop.time() < deadline.when():
                    raise  # the request itself was cancelled (its client went away)
                raise ApiError(
                    422,
                    "too-large",
                    f"the request took more than {self.job_timeout:g} s to answer and was "
                    "stopped; ask for less (fewer goals, a smaller diagram)",
                ) from None
            ok, value = pickle.loads(raw)
            healthy = True
        finally:
            deadline.cancel()
            if healthy:
                self._idle.put(worker)
            else:  # timed out, died, or the request was cancelled mid-job: replace it
                self._workers.discard(worker)
                worker.stop()
                self._add_worker()
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Stop every worker."""
        for worker in self._workers:
            worker.stop()
        self._workers.clear()
        self._idle = None


def _serve(conn: Connection, state: "AppState") -> None:
    """A worker's life: answer jobs from ``conn`` until the server closes it."""
    os.nice(WORKER_NICENESS)
    while True:
        try:
            job, args = pickle.loads(conn.recv_bytes())
        except EOFError:
            return
        try:
            reply: tuple[bool, object] = (True, job(state, *args))
        except Exception as error:  # sent back to be raised (or rendered) by the server
            reply = (False, error)
        try:
            data = pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # an answer that cannot travel is the server's fault
            data = pickle.dumps((False, RuntimeError(f"unpicklable answer: {error!r}")))
        conn.send_bytes(data)
