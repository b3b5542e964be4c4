"""Independent jobs on every core: one pool of worker processes shared by the whole run.

A Kedro ``SequentialRunner`` runs one node at a time, and the networks of this project are
too small to keep two cores busy with torch's intra-op threads. A node that has several
independent jobs (the seeds of a variant, the variants of a study) hands them to
``run_each``, which runs them on this process and a pool of spawned worker processes, one
torch thread each, and yields each result as it finishes, so the caller can track it while
the others train.

The rules that keep this safe:

- A job is a module-level function and picklable arguments; it returns a picklable result
  and touches no MLflow run (the caller logs, in the main process: one writer per database).
  It leaves its arguments as it found them: a job that runs here shares them with the
  caller and with the jobs after it.
- A job seeds itself from its arguments, so its result does not depend on which worker ran
  it or on what ran before: ``workers=1`` (run inline, in this process) gives the same
  numbers as any pool.
- A stop (``Terminated``, Ctrl+C) in the main process cancels the queued jobs and ends the
  workers; an error in a job reaches the caller with the job's traceback.

``DL_LAB_WORKERS`` (default: the cores this process may use) is how many processes run
jobs: this one and ``DL_LAB_WORKERS - 1`` pool workers (1: no pool). The pool is started
once, on first use, and shut down when the process exits.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import gc
import logging
import multiprocessing
import os
import queue
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
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
        # What is left is the worker's for good (modules, caches): later passes skip it. A
        # full pass over a worker's ~600k objects (torch, Lightning, MLflow imported) took
        # ~0.23 s, after every job; now it visits only what the last job left.
        gc.freeze()


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

    ``workers`` processes run the jobs (default: ``available_workers()``), and this process
    is one of them, as rank 0 is in Lightning's DDP: ``workers - 1`` pool workers take jobs
    in order, and this process takes the next one whenever it has no finished job to hand
    back. So a 2-core machine trains on two processes, not three (one process's imports,
    ~1 GB, fewer), and no job waits in a pickle queue for a worker while this process idles.
    A job here runs as on a worker (one torch thread, no progress bars, no pool of its own).

    With one worker (or one job) the jobs run here, in order. If the caller stops early (an
    error, a stop signal) the jobs not started are dropped and the running ones ended. The
    error that stops it says which jobs it concerns: ``job_index`` (the job that raised
    it), else ``jobs_running`` (the jobs running when it arrived).
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
    yield from _SharedWork(func, jobs, pool_slots=size - 1).results()


class _SharedWork:
    """One ``run_each`` on the pool and here: a queue of job indices that the pool's
    workers and this process both take from, the next in order each time.

    A pool worker gets its next job the moment it finishes one (the executor's callback,
    on its manager thread, submits it), so at most ``pool_slots`` jobs are ever with the
    pool; the executor's own queue would hand a worker a second job in advance, which this
    process could then no longer take at the end of a study.
    """

    def __init__(self, func: Callable[..., Any], jobs: Sequence[dict[str, Any]], pool_slots: int):
        self.func, self.jobs = func, jobs
        _share_tensors(jobs)  # before any job runs here (see _share_tensors)
        self.pool = _shared_pool(max(pool_slots, _pool_size))
        self.todo = deque(range(len(jobs)))
        self.lock = threading.Lock()
        self.finished: queue.SimpleQueue[Future] = queue.SimpleQueue()
        self.index: dict[Future, int] = {}
        self.stopping = False
        self.here: int | None = None  # the job this process is running
        for _ in range(pool_slots):
            self._feed()

    def _next(self) -> int | None:
        with self.lock:
            return None if self.stopping or not self.todo else self.todo.popleft()

    def _feed(self, done: Future | None = None) -> None:
        """Hand the pool its next job (after ``done``, which goes to the finished queue)."""
        if done is not None:
            self.finished.put(done)
        index = self._next()
        if index is None:
            return
        try:
            future = self.pool.submit(_in_worker, self.func, self.jobs[index])
        except RuntimeError:  # the pool is broken or shut down: the error reaches the caller
            with self.lock:
                self.todo.appendleft(index)
            return
        with self.lock:
            self.index[future] = index
        future.add_done_callback(self._feed)

    def _take_finished(self, block: bool) -> Future | None:
        try:
            # a short timeout, so that a stop signal is handled while waiting
            return self.finished.get(timeout=0.2) if block else self.finished.get_nowait()
        except queue.Empty:
            return None

    def results(self) -> Iterator[tuple[int, Any]]:
        remaining = len(self.jobs)
        completed = False
        # While the jobs run, the collection after each job here looks only at what was
        # made since (this process holds ~600k objects: a full pass is ~0.23 s a job).
        gc.freeze()
        try:
            while remaining:
                future = self._take_finished(block=False)
                if future is None:
                    index = self._next()
                    if index is not None:
                        result = self._run_here(index)
                        remaining -= 1
                        yield index, result
                        continue
                    while future is None:
                        future = self._take_finished(block=True)
                remaining -= 1
                yield self._outcome(future)
            completed = True
        except BaseException as err:  # a stop signal or another job's error, while waiting
            if not hasattr(err, "job_index"):
                with self.lock:
                    running = [i for f, i in self.index.items() if f.running()]
                if self.here is not None:
                    running.append(self.here)
                err.jobs_running = sorted(running)  # type: ignore[attr-defined]
            raise
        finally:
            gc.unfreeze()  # back to the oldest generation: collected as before
            with self.lock:
                self.stopping = True
                self.todo.clear()
                futures = list(self.index)
            if not completed and any(not future.done() for future in futures):
                shutdown(kill=True)

    def _run_here(self, index: int) -> Any:
        self.here = index
        try:
            with _as_on_a_worker():
                return _in_worker(self.func, self.jobs[index])
        except BaseException as err:
            err.job_index = index  # type: ignore[attr-defined]
            raise
        finally:
            self.here = None

    def _outcome(self, future: Future) -> tuple[int, Any]:
        with self.lock:
            index = self.index[future]
        try:
            return index, future.result()
        except BrokenProcessPool as err:
            shutdown(kill=True)  # a worker died (killed, out of memory): start anew
            died = RuntimeError(
                f"a worker process died while running job {index} of "
                f"{self.func.__qualname__}; the pool is restarted on next use"
            )
            died.job_index = index  # type: ignore[attr-defined]
            raise died from err
        except BaseException as err:
            err.job_index = index  # type: ignore[attr-defined]
            raise


def _share_tensors(jobs: Sequence[dict[str, Any]]) -> None:
    """Move every CPU tensor in ``jobs`` into shared memory now, in this thread.

    Sending a tensor to a worker moves its storage into shared memory (torch's reducer for
    multiprocessing), and the executor pickles on a thread of its own. Done there, while a
    job runs here on the same tensor, the move frees the memory under that job's NumPy
    views: scikit-learn then found labels in ``y`` that were not in ``y`` a line before.
    Moved up front, later sends change nothing. Only the object graph is walked (pickle's
    traversal, output discarded): tensors and arrays are not serialized.
    """
    import pickle
    from multiprocessing.reduction import ForkingPickler  # what the executor pickles with

    import numpy as np
    import torch

    class _Walk(ForkingPickler):
        def persistent_id(self, obj: Any) -> int | None:
            if isinstance(obj, torch.Tensor):
                if obj.device.type == "cpu" and not obj.is_shared():
                    obj.share_memory_()
                return id(obj)
            return id(obj) if isinstance(obj, np.ndarray) else None

    class _Discard:
        def write(self, data: bytes) -> int:
            return len(data)

    walker = _Walk(_Discard(), pickle.HIGHEST_PROTOCOL)
    for job in jobs:
        walker.dump(job)
        walker.clear_memo()


@contextmanager
def _as_on_a_worker() -> Iterator[None]:
    """Run a job here as a pool worker runs it (``_start_worker``): one torch thread, no
    progress bars, no pool of its own; this process's settings come back afterwards."""
    saved = {name: os.environ.get(name) for name in ("DL_LAB_PROGRESS", WORKERS_ENV)}
    os.environ["DL_LAB_PROGRESS"] = "0"
    os.environ[WORKERS_ENV] = "1"
    try:
        with torch_threads(1):
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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
