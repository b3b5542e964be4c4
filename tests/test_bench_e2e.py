"""bench/e2e.py's measurements: the process tree it samples and the memory it sums."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="no /proc")

spec = importlib.util.spec_from_file_location(
    "bench_e2e", Path(__file__).resolve().parents[1] / "bench" / "e2e.py"
)
e2e = importlib.util.module_from_spec(spec)
spec.loader.exec_module(e2e)


def test_the_tree_holds_the_children_of_children_and_their_memory_counts():
    # a child that starts a grandchild holding 64 MiB
    code = (
        "import subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', "
        '\'import time; b = bytearray(64 * 2**20); b[::4096] = b"x" * len(b[::4096]); '
        "time.sleep(30)']); time.sleep(30)"
    )
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 20
        while len(e2e._tree(child.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        tree = e2e._tree(child.pid)
        assert child.pid in tree and len(tree) == 2
        assert os.getpid() not in tree  # the tree starts at its root
        time.sleep(1.0)  # the grandchild touches its 64 MiB
        rss, pss = e2e._memory_mib(tree, "VmRSS"), e2e._memory_mib(tree, "Pss")
        assert rss >= 64 and pss >= 64
        assert pss <= rss  # a shared page counts once in PSS, in each process in RSS
        assert e2e._memory_mib({2**22 + 12345}, "VmRSS") == 0  # a process gone: nothing
    finally:
        for pid in e2e._tree(child.pid) - {child.pid}:
            os.kill(pid, 9)
        child.kill()
        child.wait()


def test_cpu_seconds_count_what_a_process_spent_and_nothing_once_it_is_gone():
    busy = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nt = time.process_time()\nwhile time.process_time() - t < 1.0: pass\ntime.sleep(30)",
        ]
    )
    try:
        deadline = time.monotonic() + 20
        while (e2e._cpu_seconds(busy.pid) or 0) < 1.0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert 1.0 <= e2e._cpu_seconds(busy.pid) < 3.0  # spun 1 s, then sleeps
    finally:
        busy.kill()
        busy.wait()
    assert e2e._cpu_seconds(busy.pid) is None


def test_the_host_speed_probe_times_a_step_and_leaves_torch_threads_as_they_were():
    import torch

    threads = torch.get_num_threads()
    quick = e2e.reference_step_ms(steps=20, repeats=2)
    assert 0.0 < quick < 1000.0
    assert torch.get_num_threads() == threads
    # ten times the steps take longer in all: it times the steps, not a constant
    started = time.perf_counter()
    e2e.reference_step_ms(steps=200, repeats=1)
    assert time.perf_counter() - started > 5 * quick / 1e3
