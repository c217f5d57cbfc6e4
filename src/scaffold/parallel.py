"""Run one function over many items in worker processes, results in completion order.

Rendering is CPU-bound Python (Jinja) plus git subprocesses, so threads would serialise on the
GIL: the cohort commands use processes. Each worker has its own pipe to this process and takes
one item at a time, so no lock or queue is shared between processes and a worker stopped at
any point cannot leave another process waiting on it. (With ``multiprocessing.Pool`` an
interrupted ``cohort new`` hung in CI: ``terminate()`` holds the task queue's lock while it
stops the workers, and a worker whose interrupt was swallowed inside a render went back for
its next task and blocked on that lock for ever.)

On an interrupt (Ctrl-C, SIGTERM, or the caller closing the generator) the workers get SIGTERM,
which they turn into ``KeyboardInterrupt``, so a render in progress unwinds through its
``finally`` blocks (which remove its staging directory). A worker that survives its interrupt
finds its pipe closed and exits; one still alive after ``STOP_GRACE`` seconds is killed, and
callers remove whatever such a worker left half-written.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Generator, Hashable, Iterator, Sequence
from contextlib import closing
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K", bound=Hashable)

STOP_GRACE = 20.0
"""Seconds an interrupted worker gets to clean up before it is killed."""


class WorkerError(RuntimeError):
    """A worker process raised, or died, while handling an item."""


def worker_count(jobs: int | None) -> int:
    """The number of worker processes: ``jobs``, else the number of cores."""
    return jobs or os.cpu_count() or 1


def _raise_interrupt(signum: int, _frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt(f"signal {signum}")


def _worker(func: Callable[[Any], Any], conn: Connection, inherited: list[Connection]) -> None:
    """Handle ``(index, item)`` messages until ``None`` arrives; reply ``(index, ok, value)``.

    ``inherited`` are the parent's ends of this pipe and of earlier workers' pipes, which a
    forked child holds too: closing them here means a worker sees EOF, and exits, as soon as
    the parent closes its end or is gone.
    """
    for other in inherited:
        other.close()
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        while (message := conn.recv()) is not None:
            index, item = message
            try:
                reply = (index, True, func(item))
            except Exception as exc:  # reported to the parent, which raises it
                text = "".join(traceback.format_exception(exc))
                reply = (index, False, f"{exc!r}\n{text}")
            conn.send(reply)
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        # Interrupted, or the parent is gone: the finally blocks have run; exit quietly.
        sys.exit(130)
    finally:
        conn.close()


class _Workers:
    """Started worker processes, each with its own pipe, and the item each one is handling."""

    def __init__(self, func: Callable[[Any], Any], count: int) -> None:
        self.func = func
        self.procs: list[BaseProcess] = []
        self.conns: list[Connection] = []
        self.busy: dict[Connection, int] = {}
        for _ in range(count):
            self.start()

    def start(self) -> Connection:
        """Start one more worker; return this process's end of its pipe."""
        context = multiprocessing.get_context()
        forked = context.get_start_method() == "fork"
        parent_end, child_end = context.Pipe()
        inherited = [*self.conns, parent_end] if forked else []
        proc = context.Process(target=_worker, args=(self.func, child_end, inherited), daemon=True)
        proc.start()
        child_end.close()
        self.procs.append(proc)
        self.conns.append(parent_end)
        return parent_end

    def bury(self, conn: Connection) -> str:
        """Forget the dead worker behind ``conn``; return how it died."""
        position = self.conns.index(conn)
        proc = self.procs.pop(position)
        self.conns.pop(position)
        self.busy.pop(conn, None)
        conn.close()
        proc.join(5)
        code = proc.exitcode
        if code is None:  # its pipe closed but it lives on: it will not be given work again
            proc.kill()
            proc.join()
        proc.close()
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            return f"the worker process was killed by {name}" + (
                " (out of memory?)" if -code == signal.SIGKILL else ""
            )
        return f"the worker process exited with code {code}"

    def give(self, conn: Connection, work: Iterator[tuple[int, Any]]) -> None:
        """Send ``conn``'s worker its next item, or tell it to finish when there is none."""
        task = next(work, None)
        conn.send(task)
        if task is None:
            self.busy.pop(conn, None)
        else:
            self.busy[conn] = task[0]

    def finish(self) -> None:
        """Wait for the workers, which have been told to finish, to exit."""
        for proc in self.procs:
            proc.join()
        self._close()

    def stop(self) -> None:
        """SIGTERM every worker, wait up to ``STOP_GRACE`` seconds, then kill the rest."""
        for proc in self.procs:
            if proc.is_alive():
                proc.terminate()  # SIGTERM, which the worker turns into KeyboardInterrupt
        for conn in self.conns:
            conn.close()  # a worker that swallowed its interrupt sees EOF instead of new work
        deadline = time.monotonic() + STOP_GRACE
        for proc in self.procs:
            proc.join(max(0.0, deadline - time.monotonic()))
        for proc in self.procs:
            if proc.is_alive():
                proc.kill()
                proc.join()
        self._close()

    def _close(self) -> None:
        for conn in self.conns:
            conn.close()
        for proc in self.procs:
            proc.close()


def run_parallel(
    func: Callable[[T], R],
    items: Sequence[T],
    jobs: int,
    *,
    on_lost: Callable[[T, str], R] | None = None,
) -> Generator[R, None, None]:
    """Yield ``func(item)`` for every item, as each finishes, using up to ``jobs`` processes.

    ``func`` must be a module-level function whose arguments and result pickle, and it should
    return failures as values: an exception raised in a worker ends the whole run with a
    ``WorkerError``. A worker that dies (killed by a signal, the OOM killer, ``os._exit``)
    ends the run the same way, unless ``on_lost`` is given: then ``on_lost(item, why)`` is
    yielded for its item, a new worker takes its place and the run goes on. With ``jobs`` 1
    (or a single item) everything runs in this process, in order. Close the generator (or
    let an exception leave the loop) to stop the workers.
    """
    if jobs <= 1 or len(items) <= 1:
        for item in items:
            yield func(item)
        return
    work = iter(enumerate(items))
    workers = _Workers(func, min(jobs, len(items)))
    try:
        for conn in list(workers.conns):
            workers.give(conn, work)
        while workers.busy:
            ready = wait(list(workers.busy))
            for conn in [c for c in workers.busy if c in ready]:
                index = workers.busy[conn]
                try:
                    _index, ok, value = conn.recv()
                except EOFError:
                    why = workers.bury(conn)
                    if on_lost is None:
                        raise WorkerError(
                            f"a worker process exited while handling item {index + 1} ({why})"
                        ) from None
                    workers.give(workers.start(), work)
                    yield on_lost(items[index], why)
                    continue
                if not ok:
                    raise WorkerError(f"item {index + 1} raised {value}")
                workers.give(conn, work)
                yield value
    except BaseException:
        workers.stop()
        raise
    workers.finish()


def collect_parallel(
    func: Callable[[T], R],
    items: Sequence[T],
    jobs: int,
    *,
    into: dict[K, R],
    key: Callable[[R], K],
    on_result: Callable[[R], None] | None = None,
    on_lost: Callable[[T, str], R] | None = None,
) -> dict[K, R]:
    """:func:`run_parallel`, keeping each result in ``into`` under ``key(result)`` as it comes.

    ``on_result`` (a progress bar, say) sees each result once it is kept. When the run stops
    with an exception (an interrupt, a ``WorkerError``), the workers are stopped and ``into``
    still holds every result that came before, for the caller to record.
    """
    with closing(run_parallel(func, items, jobs, on_lost=on_lost)) as done:
        for result in done:
            into[key(result)] = result
            if on_result is not None:
                on_result(result)
    return into
