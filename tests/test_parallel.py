import gc
import os
import time
from pathlib import Path

import pytest
import torch

from dl_lab import parallel

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fresh_pool(monkeypatch):
    """Workers import this module by name (tests.test_parallel): the repository root on
    the path they inherit, and a pool started for this test only."""
    parallel.shutdown()
    monkeypatch.syspath_prepend(str(ROOT))
    yield
    parallel.shutdown()


def draw(seed: int, size: int = 4) -> list[float]:
    """A seeded job: its numbers depend on its arguments only."""
    torch.manual_seed(seed)
    return torch.rand(size).tolist()


def fail_on(value: int) -> int:
    if value == 2:
        raise ValueError(f"bad value {value}")
    return value * 10


def threads_and_pid(_: int) -> tuple[int, int]:
    return torch.get_num_threads(), os.getpid()


def test_pool_gives_the_same_results_as_inline_in_job_order():
    jobs = [{"seed": s} for s in range(5)]
    inline = parallel.run_all(draw, jobs, workers=1)
    pooled = parallel.run_all(draw, jobs, workers=2)
    assert pooled == inline
    assert inline[0] != inline[1]


def slow_threads_and_pid(_: int) -> tuple[int, int, str | None]:
    time.sleep(0.5)
    return torch.get_num_threads(), os.getpid(), os.environ.get(parallel.WORKERS_ENV)


def test_this_process_and_one_worker_share_the_jobs_each_with_one_thread(monkeypatch):
    monkeypatch.delenv(parallel.WORKERS_ENV, raising=False)
    torch.set_num_threads(2)
    jobs = [{"_": i} for i in range(16)]  # 8 s of sleep: the worker starts in 2-4 s
    results = parallel.run_all(slow_threads_and_pid, jobs, workers=2)
    pids = {pid for _, pid, _ in results}
    assert os.getpid() in pids and len(pids) == 2  # two processes, not three
    assert {threads for threads, _, _ in results} == {1}
    assert {workers for _, _, workers in results} == {"1"}  # no job starts a pool of its own
    assert torch.get_num_threads() == 2 and parallel.WORKERS_ENV not in os.environ  # restored
    assert gc.get_freeze_count() == 0  # this process's objects are collected again


def test_an_error_in_a_job_reaches_the_caller_and_the_pool_still_works():
    with pytest.raises(ValueError, match="bad value 2"):
        parallel.run_all(fail_on, [{"value": v} for v in range(4)], workers=2)
    assert parallel.run_all(fail_on, [{"value": 1}, {"value": 3}], workers=2) == [10, 30]


def test_run_each_yields_every_index_once():
    seen = sorted(i for i, _ in parallel.run_each(draw, [{"seed": s} for s in range(3)], workers=2))
    assert seen == [0, 1, 2]


@pytest.mark.parametrize("raw", ["0", "two", "-1"])
def test_a_bad_worker_count_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv(parallel.WORKERS_ENV, raw)
    with pytest.raises(ValueError, match=parallel.WORKERS_ENV):
        parallel.available_workers()


def test_worker_count_from_the_environment(monkeypatch):
    monkeypatch.setenv(parallel.WORKERS_ENV, "3")
    assert parallel.available_workers() == 3


def die_on_a_worker(code: int, caller: int) -> None:
    if os.getpid() != caller:  # this process takes jobs too: only a worker dies
        os._exit(code)


def test_a_worker_that_dies_is_named_and_the_pool_restarts():
    jobs = [{"code": 9, "caller": os.getpid()}] * 2
    with pytest.raises(RuntimeError, match="worker process died"):
        parallel.run_all(die_on_a_worker, jobs, workers=2)
    assert parallel.run_all(fail_on, [{"value": 1}, {"value": 3}], workers=2) == [10, 30]


def test_a_failing_job_is_named_on_the_error_inline_and_on_the_pool():
    for workers in (1, 2):
        with pytest.raises(ValueError) as caught:
            parallel.run_all(fail_on, [{"value": v} for v in range(4)], workers=workers)
        assert caught.value.job_index == 2


def read_labels_twice(y: torch.Tensor) -> tuple[bool, bool]:
    """What scikit-learn does with labels: a NumPy view, read, work a while, read again.
    Returns whether the tensor was shared when the job began and whether the view still
    points at the tensor's memory at the end (a move to shared memory frees the old)."""
    shared_at_start = y.is_shared()
    view = y.numpy()
    time.sleep(0.3)  # meanwhile the executor sends the next job, with the same tensor
    return shared_at_start, view.ctypes.data == y.data_ptr()


def test_a_job_here_reads_the_same_tensor_that_is_being_sent_to_a_worker():
    y = torch.arange(200_000) % 10  # one tensor in every job, as a study's data is
    results = parallel.run_all(read_labels_twice, [{"y": y} for _ in range(8)], workers=2)
    assert results == [(True, True)] * 8  # moved once, before any job ran
