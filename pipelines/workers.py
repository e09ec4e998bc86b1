"""WorkerPool: worker processes fed through pipes that the event loop itself watches.

``concurrent.futures.ProcessPoolExecutor`` moves every job through two threads of the
calling process (one that queues it, one that pickles it into the pipe) and every result
through a third that wakes the event loop; on a 2-core machine whose cores the workers keep
busy, those threads and their hand-offs of the GIL were most of what the crawl's main process
spent on the pool (``make bench``). Here the event loop writes each job into its worker's pipe
and reads the result from another as the pipes become ready: no thread, no GIL hand-off.

- Each worker holds at most ``jobs_per_worker`` jobs (one running, the next already in its
  pipe); the others wait in the pool, in order, and go to the first worker with room.
- A worker that dies (killed, out of memory) fails only the job it was running, with
  ``WorkerDied``; the job queued behind it goes back to the pool, and a new worker takes its
  place. The other workers' jobs go on.
- A job that runs longer than ``timeout`` seconds (a page that sends a library into a
  near-endless loop) has its worker killed, and fails the same way, so one page cannot hold a
  worker for the rest of the crawl.
- Jobs and results are pickled; a job's exception is raised by ``run``, as the worker raised it.

The frames are ``multiprocessing.connection.Connection``'s (a 4-byte big-endian length, or -1
and an 8-byte length), so a worker reads and writes them with ``recv_bytes``/``send_bytes``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import pickle
import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

logger = logging.getLogger(__name__)

# Linux lets a pipe hold 1 MB instead of 64 KB: a whole page goes in with one write.
_F_SETPIPE_SZ = 1031
PIPE_BYTES = 1 << 20


class WorkerDied(Exception):
    """The worker process running this job died (killed, out of memory) before it answered."""


def _serve(jobs: Connection, results: Connection, initializer: Callable[[], None] | None) -> None:
    """A worker's life: run the jobs of its pipe, one at a time, until the pipe is closed."""
    if initializer is not None:
        initializer()
    while True:
        try:
            message = jobs.recv_bytes()
        except EOFError:
            return
        function, args = pickle.loads(message)
        try:
            reply = (True, function(*args))
        except BaseException as error:  # sent back, raised by run() in the crawl
            reply = (False, error)
        try:
            data = pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # an answer that does not pickle is a failed job, not a dead worker
            data = pickle.dumps((False, RuntimeError(f"the worker's answer could not be sent: {error!r}")))
        results.send_bytes(data)


def _frame(payload: bytes) -> bytes:
    if len(payload) > 0x7FFFFFFF:
        return struct.pack("!iQ", -1, len(payload)) + payload
    return struct.pack("!i", len(payload)) + payload


def _grow_pipe(fd: int) -> None:
    try:
        import fcntl

        fcntl.fcntl(fd, _F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, OSError):  # not Linux, or over the system's limit: 64 KB pipes work too
        pass


@dataclass(eq=False)
class _Worker:
    process: Any
    jobs: Connection  # the write end of its job pipe
    results: Connection  # the read end of its result pipe
    held: deque[tuple[bytes, asyncio.Future[Any]]] = field(default_factory=deque)  # in the order sent
    running_since: float = 0.0  # when the first held job became the one it runs
    killed_because: str | None = None
    killed_job: asyncio.Future[Any] | None = None  # the job it was running when it was killed
    outgoing: bytearray = field(default_factory=bytearray)  # frames the pipe has no room for yet
    incoming: bytearray = field(default_factory=bytearray)
    writing: bool = False
    gone: bool = False


class WorkerPool:
    """``workers`` processes (``multiprocessing`` context ``context``) running the jobs of
    ``run``; start with ``await start()``, end with ``await close()``, on one event loop."""

    def __init__(
        self,
        workers: int,
        context: multiprocessing.context.BaseContext,
        initializer: Callable[[], None] | None = None,
        jobs_per_worker: int = 2,
        timeout: float = 0.0,
    ):
        self.size = workers
        self.timeout = timeout  # seconds a job may run; 0: no limit
        self.context = context
        self.initializer = initializer
        self.jobs_per_worker = jobs_per_worker
        self.workers: list[_Worker] = []
        self.waiting: deque[tuple[bytes, asyncio.Future[Any]]] = deque()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.closed = False
        self.replacements = 0
        self._watch: asyncio.TimerHandle | None = None
        # Set when the first process has started: the fork server (if the context has one) is
        # up, its preloaded modules imported, and forks from it are quick.
        self.first_started = asyncio.Event()

    # --- life ---

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        # Starting a process waits on the fork server (which imports the extraction code the
        # first time): from a thread, so the event loop goes on meanwhile.
        async def spawn() -> _Worker:
            worker = await asyncio.to_thread(self._spawn)
            self.first_started.set()
            return worker

        started = await asyncio.gather(*(spawn() for _ in range(self.size)))
        for worker in started:
            self._attach(worker)
        if self.timeout > 0:
            self._watch = self.loop.call_later(min(self.timeout, 1.0), self._stop_overdue)

    def _stop_overdue(self) -> None:
        """Kill the workers whose running job is over the timeout (their sentinels do the rest)."""
        assert self.loop is not None
        now = self.loop.time()
        for worker in self.workers:
            if worker.held and worker.killed_because is None and now - worker.running_since > self.timeout:
                worker.killed_because = f"took longer than {self.timeout:g} s"
                worker.killed_job = worker.held[0][1]
                worker.process.kill()
        if not self.closed:
            self._watch = self.loop.call_later(min(self.timeout, 1.0), self._stop_overdue)

    def _spawn(self) -> _Worker:
        job_reader, job_writer = self.context.Pipe(duplex=False)
        result_reader, result_writer = self.context.Pipe(duplex=False)
        process = self.context.Process(
            target=_serve, args=(job_reader, result_writer, self.initializer), daemon=True, name="wirecrawl-worker"
        )
        process.start()
        # The worker has its own copies now; without ours, its death closes the result pipe.
        job_reader.close()
        result_writer.close()
        _grow_pipe(job_writer.fileno())
        os.set_blocking(job_writer.fileno(), False)
        os.set_blocking(result_reader.fileno(), False)
        return _Worker(process=process, jobs=job_writer, results=result_reader)

    def _attach(self, worker: _Worker) -> None:
        assert self.loop is not None
        if self.closed:
            self._discard(worker)
            return
        self.workers.append(worker)
        self.loop.add_reader(worker.results.fileno(), self._read, worker)
        self.loop.add_reader(worker.process.sentinel, self._died, worker)
        self._dispatch()

    async def close(self) -> None:
        """Cancel the jobs not answered yet, close each worker's job pipe (the worker then
        returns), and join the workers."""
        self.closed = True
        if self._watch is not None:
            self._watch.cancel()
        while self.waiting:
            _, future = self.waiting.popleft()
            if not future.done():
                future.cancel()
        workers, self.workers = self.workers, []
        for worker in workers:
            self._detach(worker)
            for _, future in worker.held:
                if not future.done():
                    future.cancel()
            worker.jobs.close()  # the worker reads the end of its pipe and returns
        # Joining takes tens of milliseconds: from a thread, not the event loop's.
        await asyncio.to_thread(self._join, workers)

    @staticmethod
    def _join(workers: list[_Worker]) -> None:
        for worker in workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.results.close()
            worker.process.close()

    def _detach(self, worker: _Worker) -> None:
        if worker.gone:
            return
        worker.gone = True
        assert self.loop is not None
        self.loop.remove_reader(worker.results.fileno())
        self.loop.remove_reader(worker.process.sentinel)
        if worker.writing:
            self.loop.remove_writer(worker.jobs.fileno())
            worker.writing = False

    def _discard(self, worker: _Worker) -> None:
        worker.jobs.close()
        worker.process.join(timeout=5)
        worker.results.close()

    # --- jobs ---

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` in a worker process; raises what it raised, or ``WorkerDied``."""
        if self.closed or self.loop is None:
            raise RuntimeError("WorkerPool.run() before start() or after close()")
        future: asyncio.Future[Any] = self.loop.create_future()
        self.waiting.append((_frame(pickle.dumps((function, args), pickle.HIGHEST_PROTOCOL)), future))
        del function, args  # the job is in its frame: a 10 MB page is not kept twice while it waits
        self._dispatch()
        return await future

    def _dispatch(self) -> None:
        while self.waiting:
            room = [worker for worker in self.workers if len(worker.held) < self.jobs_per_worker]
            if not room:
                return
            worker = min(room, key=lambda candidate: len(candidate.held))
            frame, future = self.waiting.popleft()
            if future.done():  # cancelled while it waited
                continue
            if not worker.held:
                worker.running_since = self.loop.time()  # type: ignore[union-attr]
            worker.held.append((frame, future))
            worker.outgoing += frame
            self._write(worker)

    def _write(self, worker: _Worker) -> None:
        assert self.loop is not None
        while worker.outgoing:
            try:
                written = os.write(worker.jobs.fileno(), worker.outgoing)
            except BlockingIOError:
                break
            except (BrokenPipeError, OSError):  # the worker is gone; its sentinel will say so
                worker.outgoing.clear()
                break
            del worker.outgoing[:written]
        wants_writer = bool(worker.outgoing)
        if wants_writer and not worker.writing:
            self.loop.add_writer(worker.jobs.fileno(), self._write, worker)
        elif not wants_writer and worker.writing:
            self.loop.remove_writer(worker.jobs.fileno())
        worker.writing = wants_writer

    def _read(self, worker: _Worker) -> bool:
        """Take what the result pipe holds and settle the jobs it answers; False if it held nothing."""
        try:
            data = os.read(worker.results.fileno(), PIPE_BYTES)
        except BlockingIOError:
            return False
        except OSError:
            data = b""
        if not data:  # the worker closed its end: it is dying; its sentinel says when it is gone
            self.loop.remove_reader(worker.results.fileno())  # type: ignore[union-attr]
            return False
        worker.incoming += data
        while len(worker.incoming) >= 4:
            (size,) = struct.unpack_from("!i", worker.incoming)
            start = 4
            if size == -1:
                if len(worker.incoming) < 12:
                    return True
                (size,) = struct.unpack_from("!Q", worker.incoming, 4)
                start = 12
            if len(worker.incoming) < start + size:
                return True
            ok, value = pickle.loads(bytes(worker.incoming[start : start + size]))
            del worker.incoming[: start + size]
            _, future = worker.held.popleft()
            worker.running_since = self.loop.time()  # type: ignore[union-attr]
            if not future.done():
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
        self._dispatch()
        return True

    def _died(self, worker: _Worker) -> None:
        """A worker process ended while the pool was open: fail its job, start another."""
        with contextlib.suppress(ValueError):
            self.workers.remove(worker)  # first: no job may be sent to it while its answers are read
        while self._read(worker):  # the answers it sent before it died still count
            pass
        self._detach(worker)
        code = worker.process.exitcode
        reason = f"job {worker.killed_because}; its worker process was stopped" if worker.killed_because else (
            f"worker process died (exit code {code})"
        )
        logger.warning("Extraction worker %s: %s", worker.process.pid, reason)
        # The job it was running fails (unless it was killed for a job that has answered since);
        # the jobs queued behind it never started, and go back to the front of the line.
        if worker.held and (worker.killed_job is None or worker.held[0][1] is worker.killed_job):
            _, running = worker.held.popleft()
            if not running.done():
                running.set_exception(WorkerDied(reason))
        self.waiting.extendleft(reversed(worker.held))
        worker.held.clear()
        worker.jobs.close()
        worker.results.close()
        worker.process.join(timeout=1)
        with contextlib.suppress(ValueError):  # still being reaped: left to the garbage collector
            worker.process.close()
        if not self.closed:
            self._dispatch()  # the requeued jobs, to the workers that are left
            self.replacements += 1
            replacement = asyncio.ensure_future(asyncio.to_thread(self._spawn))
            replacement.add_done_callback(self._replaced)

    def _replaced(self, spawned: asyncio.Future[_Worker]) -> None:
        if spawned.cancelled():
            return
        if spawned.exception() is not None:
            logger.error("Could not start a new extraction worker: %s", spawned.exception())
            return
        self._attach(spawned.result())
