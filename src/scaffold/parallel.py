"""Run one function over many items in worker processes, results in completion order.

Rendering is CPU-bound Python (Jinja) plus git subprocesses, so threads would serialise on the
GIL: the cohort commands use processes. Workers turn SIGTERM into ``KeyboardInterrupt`` so that
a render in progress unwinds through its ``finally`` blocks (which remove its staging
directory); on an interrupt the parent terminates the workers the same way and waits for them.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import NoReturn, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _raise_interrupt(signum: int, _frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt(f"signal {signum}")


def _init_worker() -> None:
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def run_parallel(func: Callable[[T], R], items: Sequence[T], jobs: int) -> Iterator[R]:
    """Yield ``func(item)`` for every item, as each finishes, using up to ``jobs`` processes.

    ``func`` must be a module-level function whose arguments and result pickle, and it should
    return failures as values: an exception raised in a worker ends the whole run.
    With ``jobs`` 1 (or a single item) everything runs in this process, in order.
    """
    if jobs <= 1 or len(items) <= 1:
        for item in items:
            yield func(item)
        return
    pool = multiprocessing.get_context().Pool(
        processes=min(jobs, len(items)), initializer=_init_worker
    )
    try:
        yield from pool.imap_unordered(func, items)
    except BaseException:
        pool.terminate()
        pool.join()
        raise
    pool.close()
    pool.join()
