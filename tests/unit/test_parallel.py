"""scaffold.parallel: results, errors and interrupts with real worker processes."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from scaffold.parallel import WorkerError, run_parallel


def _square(n: int) -> tuple[int, int]:
    return n, n * n


def _fail_on_three(n: int) -> int:
    if n == 3:
        raise ValueError("three is not allowed")
    return n


def _die_on_two(n: int) -> int:
    if n == 2:
        os._exit(9)
    return n


def _slow_with_cleanup(job: tuple[Path, int]) -> int:
    """Item 0 returns at once; the others sleep and mark their ``finally`` as run."""
    marker_dir, n = job
    if n == 0:
        return n
    try:
        (marker_dir / f"started-{n}").touch()  # inside the try: an interrupt after it is cleaned up
        time.sleep(60)
    finally:
        (marker_dir / f"cleaned-{n}").touch()
    return n


def _swallow_interrupt(n: int) -> int:
    """Item 0 returns at once; the others sleep and ignore the first interrupt, as a library
    that catches ``BaseException`` would."""
    if n == 0:
        return n
    try:
        time.sleep(60)
    except KeyboardInterrupt:
        time.sleep(0.5)
    return n


def test_every_item_is_yielded_once_from_several_processes() -> None:
    results = list(run_parallel(_square, list(range(20)), jobs=3))

    assert sorted(results) == [(n, n * n) for n in range(20)]
    assert multiprocessing.active_children() == []


def test_jobs_one_runs_in_order_in_this_process() -> None:
    assert list(run_parallel(_square, [3, 1, 2], jobs=1)) == [(3, 9), (1, 1), (2, 4)]


def test_an_exception_in_a_worker_ends_the_run_with_its_traceback() -> None:
    with pytest.raises(WorkerError, match=r"item 4 raised ValueError\('three is not allowed'\)"):
        list(run_parallel(_fail_on_three, list(range(8)), jobs=2))
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_is_reported_not_waited_for() -> None:
    with pytest.raises(WorkerError, match="exited while handling item 3"):
        list(run_parallel(_die_on_two, list(range(6)), jobs=2))
    assert multiprocessing.active_children() == []


def test_closing_the_run_interrupts_workers_and_their_finally_blocks_run(tmp_path: Path) -> None:
    jobs = [(tmp_path, n) for n in range(3)]
    results = run_parallel(_slow_with_cleanup, jobs, jobs=3)

    assert next(results) == 0
    deadline = time.monotonic() + 30
    while len(list(tmp_path.glob("started-*"))) < 2:
        assert time.monotonic() < deadline, "the slow items never started"
        time.sleep(0.01)
    started = time.monotonic()
    results.close()

    assert time.monotonic() - started < 10  # stopped, not waited out (each sleeps 60 s)
    assert sorted(p.name for p in tmp_path.glob("cleaned-*")) == ["cleaned-1", "cleaned-2"]
    assert multiprocessing.active_children() == []


def test_a_worker_that_swallows_its_interrupt_still_stops_without_waiting_the_grace() -> None:
    results = run_parallel(_swallow_interrupt, [0, 1, 2, 3], jobs=2)

    assert next(results) == 0
    time.sleep(0.5)  # the other worker is asleep in item 1; the first one takes item 2
    started = time.monotonic()
    results.close()

    assert time.monotonic() - started < 10  # the pipe closed under it: it did not wait 20 s
    assert multiprocessing.active_children() == []


def _lost(n: int, why: str) -> tuple[int, str]:
    return (n, why)


def _killed_on_two(n: int) -> tuple[int, str]:
    if n == 2:
        os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would
    return (n, "ok")


def test_a_dead_worker_fails_its_item_only_when_asked_to() -> None:
    results = dict(run_parallel(_killed_on_two, list(range(6)), jobs=2, on_lost=_lost))

    assert sorted(results) == list(range(6))
    assert "killed by SIGKILL" in results[2]
    assert all(results[n] == "ok" for n in (0, 1, 3, 4, 5))
    assert multiprocessing.active_children() == []
