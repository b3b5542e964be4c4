"""Independent jobs on every core: one pool of worker processes shared by the whole run.

A Kedro ``SequentialRunner`` runs one node at a time, and the networks of this project are
too small to keep two cores busy with torch's intra-op threads. A node that has several
independent jobs (the seeds of a variant, the variants of a study) hands them to
``run_each``, which runs them on a pool of spawned worker processes, one torch thread each,
and yields each result as it finishes, so the caller can track it while the others train.

The rules that keep this safe:

- A job is a module-level function and picklable arguments; it returns a picklable result
  and touches no MLflow run (the caller logs, in the main process: one writer per database).
- A job seeds itself from its arguments, so its result does not depend on which worker ran
  it or on what ran before: ``workers=1`` (run inline, in this process) gives the same
  numbers as any pool.
- A stop (``Terminated``, Ctrl+C) in the main process cancels the queued jobs and ends the
  workers; an error in a job reaches the caller with the job's traceback.

The pool's size is ``DL_LAB_WORKERS`` when set (1: no pool), else the number of cores this
process may use. It is started once, on first use, and shut down when the process exits.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import gc
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits

T = TypeVar("T")
logger = logging.getLogger(__name__)

WORKERS_ENV = "DL_LAB_WORKERS"

_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def available_workers() -> int:
    """How many worker processes jobs may use: ``DL_LAB_WORKERS``, else the usable cores."""
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if raw:
        try:
            count = int(raw)
        except ValueError:
            raise ValueError(
                f"{WORKERS_ENV}={raw!r} is not a whole number; allowed: 1 (no worker "
                "processes) or more"
            ) from None
        if count < 1:
            raise ValueError(f"{WORKERS_ENV}={count} must be at least 1 (1: no worker processes)")
        return count
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


# A spawned worker does not read conf/logging.yml: keep the libraries' info chatter (one
# "`Trainer.fit` stopped" line per fit) down to warnings there too, as the main process does.
_QUIET_LOGGERS = ("lightning", "lightning.pytorch", "lightning.fabric", "mlflow")


def _start_worker() -> None:
    """Each worker: one torch thread, no progress bars, Ctrl+C left to the main process,
    the libraries' loggers at the level conf/logging.yml gives them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    os.environ["DL_LAB_PROGRESS"] = "0"
    os.environ[WORKERS_ENV] = "1"  # a job never starts a pool of its own
    import torch

    torch.set_num_threads(1)


@contextmanager
def torch_threads(count: int | None) -> Iterator[None]:
    """Run with ``count`` torch CPU threads (None: leave torch's setting), then restore it."""
    import torch

    previous = torch.get_num_threads()
    if count is not None:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextmanager
def limited_threads(threads: int | None) -> Iterator[None]:
    """Run the block with ``threads`` torch intra-op and BLAS/OpenMP threads, then restore.

    The diagnostics models are tiny: on a shared 2-core machine the thread pools'
    hand-off cost can exceed the work itself (measured here under load: a 28x28 conv
    took 16 ms with two torch threads and 0.009 ms with one; a scikit-learn logistic
    regression 12 s vs 1 s). ``None`` leaves every setting alone.
    """
    if threads is None:
        yield
        return
    if threads < 1:
        raise ValueError(f"threads must be >= 1 or None, got {threads}")
    with torch_threads(threads), threadpool_limits(limits=threads):
        yield


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, looked up once (``find_library`` runs ``ldconfig``); None
    on other C libraries."""
    libc = ctypes.util.find_library("c")
    return getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None


def release_memory(*, collect: bool = True) -> None:
    """Hand the heap a finished job left behind back to the system (glibc keeps freed
    blocks: without this a worker grew ~15 MB a fit, 1.0 to 1.45 GB over a study).
    ``collect``: first free what only reference cycles hold (a full ``gc`` pass)."""
    if collect:
        gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _in_worker(func: Callable[..., Any], job: dict[str, Any]) -> Any:
    """``func(**job)`` on a worker, then the memory it freed returned to the system."""
    try:
        return func(**job)
    finally:
        release_memory()


def _shared_pool(size: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    if _pool is None or _pool_size != size:
        shutdown()
        context = multiprocessing.get_context("spawn")  # fork is unsafe with torch's threads
        _pool = ProcessPoolExecutor(size, mp_context=context, initializer=_start_worker)
        _pool_size = size
        logger.debug("started %d worker processes", size)
    return _pool


def shutdown(*, kill: bool = False) -> None:
    """End the pool (started again on next use); ``kill``: stop jobs that are running."""
    global _pool, _pool_size
    pool, _pool, _pool_size = _pool, None, 0
    if pool is None:
        return
    if kill:
        # ProcessPoolExecutor has no public way to stop a running job before Python 3.14.
        for process in list(getattr(pool, "_processes", {}).values()):
            if process.is_alive():
                process.terminate()
    pool.shutdown(wait=not kill, cancel_futures=True)


atexit.register(shutdown)  # idle workers exit (a job still running was ended by run_each)


def run_each(
    func: Callable[..., Any], jobs: Sequence[dict[str, Any]], *, workers: int | None = None
) -> Iterator[tuple[int, Any]]:
    """``(index, func(**jobs[index]))`` for every job, each as soon as it is done.

    With one worker (or one job) the jobs run here, in order. Otherwise they run on the
    shared pool; if the caller stops early (an error, a stop signal) the jobs still queued
    are cancelled and the running ones ended. The error that stops it says which jobs it
    concerns: ``job_index`` (the job that raised it), else ``jobs_running`` (the jobs
    running when it arrived).
    """
    size = min(workers or available_workers(), len(jobs))
    if size <= 1:
        for index, job in enumerate(jobs):
            try:
                result = func(**job)
            except BaseException as err:
                err.job_index = index  # type: ignore[attr-defined]
                raise
            yield index, result
        return
    pool = _shared_pool(max(size, _pool_size))
    futures: dict[Future, int] = {
        pool.submit(_in_worker, func, job): i for i, job in enumerate(jobs)
    }
    finished = False
    try:
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=futures.__getitem__):  # ties in job order
                try:
                    result = future.result()
                except BrokenProcessPool as err:
                    shutdown(kill=True)  # a worker died (killed, out of memory): start anew
                    died = RuntimeError(
                        f"a worker process died while running job {futures[future]} of "
                        f"{func.__qualname__}; the pool is restarted on next use"
                    )
                    died.job_index = futures[future]  # type: ignore[attr-defined]
                    raise died from err
                except BaseException as err:
                    err.job_index = futures[future]  # type: ignore[attr-defined]
                    raise
                yield futures[future], result
        finished = True
    except BaseException as err:  # a stop signal or another job's error, while waiting
        if not hasattr(err, "job_index"):
            running = [index for future, index in futures.items() if future.running()]
            err.jobs_running = running  # type: ignore[attr-defined]
        raise
    finally:
        if not finished:
            for future in futures:
                future.cancel()
            if any(future.running() for future in futures):
                shutdown(kill=True)


def run_all(
    func: Callable[..., Any], jobs: Sequence[dict[str, Any]], *, workers: int | None = None
) -> list[Any]:
    """``[func(**job) for job in jobs]``, on the shared pool; results in job order."""
    results: list[Any] = [None] * len(jobs)
    for index, result in run_each(func, jobs, workers=workers):
        results[index] = result
    return results


def _one_thread(point: Callable[..., T], args: dict[str, Any]) -> T:
    with limited_threads(1):
        return point(**args)


def run_points(point: Callable[..., T], jobs: Sequence[dict[str, Any]]) -> list[T]:
    """``[point(**job) for job in jobs]`` on the pool, results in job order, each job with
    one torch and one BLAS thread wherever it runs, so that ``DL_LAB_WORKERS=1`` (inline)
    gives the same numbers as the pool."""
    return run_calls([(point, job) for job in jobs])


def run_calls(calls: Sequence[tuple[Callable[..., Any], dict[str, Any]]]) -> list[Any]:
    """``[point(**args) for point, args in calls]`` (jobs of several kinds), as ``run_points``."""
    return run_all(_one_thread, [{"point": p, "args": args} for p, args in calls])
