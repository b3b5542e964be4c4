"""Progress: bars only on a terminal (or when asked), and the one summary line per variant."""

from __future__ import annotations

import logging

from dl_lab import progress


def test_bars_follow_the_setting(monkeypatch):
    monkeypatch.setenv("DL_LAB_PROGRESS", "off")
    assert not progress.interactive()
    monkeypatch.setenv("DL_LAB_PROGRESS", "on")
    assert progress.interactive()
    monkeypatch.setenv("DL_LAB_PROGRESS", "auto")
    assert progress.interactive() is False  # pytest captures stderr: not a terminal
    assert list(progress.bar(range(3), desc="x")) == [0, 1, 2]


def test_the_summary_line(caplog):
    with caplog.at_level(logging.INFO, logger="dl_lab"):
        line = progress.announce("vision", "baseline.lenet5.seed42", "test_acc", 0.98234, 31, 12.34)
    assert line == "vision  baseline.lenet5.seed42  test_acc 0.982 (best epoch 31)  12.3 s"
    assert line in caplog.text
    assert progress.summary_line("rl", "dqn.double.seed1", "mean_return", 480.0) == (
        "rl  dqn.double.seed1  mean_return 480.000"
    )
