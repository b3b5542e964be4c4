"""Each verdict rule on inputs on both sides of its threshold."""

from __future__ import annotations

import pytest

from dl_lab.course.rules import (
    INCONCLUSIVE,
    NOT_REPRODUCED,
    PARTLY,
    REPRODUCED,
    Verdict,
    at_least,
    combine,
    describe,
    direction,
    holds,
    holds_on_seeds,
    mean_std,
    still_improving,
    unsettled,
    within,
)


def test_within_an_exact_value_flips_at_the_tolerance():
    assert within(0.685, 0.6857, 0.001, exact=True).verdict == REPRODUCED
    assert within(0.683, 0.6857, 0.001, exact=True).verdict == NOT_REPRODUCED
    assert "vs the course's 0.6857 +- 0.001" in within(0.683, 0.6857, 0.001, exact=True).reason


def test_one_seed_of_a_random_measurement_never_decides():
    for verdict in (
        within(0.98, 0.98, 0.01),  # however close
        within(0.50, 0.98, 0.01),  # however far
        direction(0.90, 0.99, "a<b"),
        direction([0.90, 0.91], 0.99, "a<b"),
        at_least(500, 475),
    ):
        assert verdict.verdict == INCONCLUSIVE and "one seed" in verdict.reason


def test_still_improving_and_unsettled():
    assert still_improving([0.90, 0.95, 0.97])  # best at the last epoch
    assert not still_improving([0.90, 0.97, 0.96])
    assert still_improving([1.0, 0.8, 0.7], mode="min")
    assert not still_improving([0.9])  # one epoch: nothing to tell
    assert unsettled("still improving at epoch 6").verdict == INCONCLUSIVE


def test_within_over_seeds_reads_the_interval():
    tight = [0.980, 0.981, 0.982, 0.981, 0.980]
    assert within(tight, 0.98, 0.01).verdict == REPRODUCED
    assert within(tight, 0.95, 0.01).verdict == NOT_REPRODUCED
    wide = [0.90, 0.99, 0.95, 0.97, 0.92]  # mean 0.946, interval about [0.90, 0.99]
    assert within(wide, 0.96, 0.01).verdict == INCONCLUSIVE


def test_direction_paired_over_seeds():
    base = [0.90, 0.91, 0.92, 0.90, 0.91]
    better = [b + 0.03 for b in base]
    assert direction(base, better, "a<b", names=("none", "dropout")).verdict == REPRODUCED
    assert direction(better, base, "a<b").verdict == NOT_REPRODUCED  # the other way
    assert direction(base, better, "a<b", tolerance=0.05).verdict == NOT_REPRODUCED  # too small
    assert direction(better, base, "a>b").verdict == REPRODUCED
    noisy = [b + d for b, d in zip(base, [0.04, -0.03, 0.05, -0.02, 0.01], strict=True)]
    assert direction(base, noisy, "a<b").verdict == INCONCLUSIVE


def test_direction_exact_values_and_unpaired():
    assert direction(1.0, 2.0, "a<b", exact=True).verdict == REPRODUCED
    assert direction(2.0, 1.0, "a<b", exact=True).verdict == NOT_REPRODUCED
    assert direction(1.0, 1.0, "a<b", exact=True).verdict == NOT_REPRODUCED  # no effect
    assert direction([1.0, 1.1], [2.0, 2.1, 2.2], "a<b").verdict == REPRODUCED  # unpaired
    with pytest.raises(ValueError, match="expect"):
        direction(1.0, 2.0, "a<<b")


def test_at_least_flips_at_the_threshold():
    assert at_least([490, 495, 500], 475).verdict == REPRODUCED  # interval [483, 507]
    assert at_least([400, 410, 420], 475).verdict == NOT_REPRODUCED
    assert at_least([300, 500, 480], 475).verdict == INCONCLUSIVE


def test_holds_counts_cases():
    assert holds([True, True], "truth table").verdict == REPRODUCED
    assert holds([True, False], "truth table").verdict == PARTLY
    assert holds([False, False], "truth table").verdict == NOT_REPRODUCED


def test_holds_on_seeds_decides_only_where_the_seeds_agree():
    every = {"narrow underfits": [True, True, True], "wide overfits": [True, True, True]}
    assert holds_on_seeds(every, "widths").verdict == REPRODUCED
    assert "2 of 2 cases hold on every seed (3 seeds)" in holds_on_seeds(every, "widths").reason
    none = {"narrow underfits": [False, False, False], "wide overfits": [False] * 3}
    assert holds_on_seeds(none, "widths").verdict == NOT_REPRODUCED
    one_fails = {**every, "wide overfits": [False, False, False]}
    assert holds_on_seeds(one_fails, "widths").verdict == PARTLY
    disagree = {**every, "wide overfits": [True, False, True]}
    verdict = holds_on_seeds(disagree, "widths")
    assert verdict.verdict == INCONCLUSIVE and "wide overfits (2 of 3)" in verdict.reason
    both = {**one_fails, "moderate best": [True, False, False]}
    assert holds_on_seeds(both, "widths").verdict == PARTLY  # a case fails on every seed


def test_holds_on_one_seed_decides_nothing():
    for passed in ([True], [False]):
        verdict = holds_on_seeds({"case": passed}, "fit label")
        assert verdict.verdict == INCONCLUSIVE and "one seed" in verdict.reason
    with pytest.raises(ValueError, match="no cases"):
        holds_on_seeds({}, "fit label")
    with pytest.raises(ValueError, match="without seeds"):
        holds_on_seeds({"case": []}, "fit label")


def test_mean_std():
    assert mean_std(0.98123) == "0.981"
    assert mean_std([0.98, 0.99, 0.97]) == "0.98 +- 0.01 (3 seeds)"
    assert mean_std([0.98, 0.99, 0.97], count=False) == "0.98 +- 0.01"


def test_combine():
    yes, no, maybe = (Verdict(v, v) for v in (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE))
    assert combine([yes, yes]).verdict == REPRODUCED
    assert combine([no, no]).verdict == NOT_REPRODUCED
    assert combine([yes, maybe]).verdict == INCONCLUSIVE
    assert combine([yes, no]).verdict == PARTLY
    assert combine([no, maybe]).verdict == PARTLY


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="finite"):
        within(float("nan"), 1.0, 0.1)
    with pytest.raises(ValueError, match="tolerance"):
        within(1.0, 1.0, -0.1)
    with pytest.raises(ValueError, match="unknown verdict"):
        Verdict("agrees", "typed in")


def test_describe_shows_the_spread():
    assert describe(0.98123) == "0.981"
    assert describe([0.98, 0.99, 0.97]).endswith("over 3 seeds")


def test_still_improving_over_a_window_asks_for_a_real_gain():
    annealed = [0.90, 0.96, 0.970, 0.972, 0.973, 0.974, 0.975, 0.976]  # best last, by a hair
    assert still_improving(annealed)  # the last-epoch rule calls it improving
    assert not still_improving(annealed, window=0.25, margin=0.005)  # +0.002 in the last 2
    rising = [0.50, 0.60, 0.70, 0.75, 0.80, 0.84, 0.88, 0.91]
    assert still_improving(rising, window=0.25, margin=0.005)  # +0.07 in the last 2 epochs
    assert still_improving([2.0, 1.0, 0.8, 0.5], mode="min", window=0.25, margin=0.1)
    assert not still_improving([2.0, 0.5, 0.49, 0.495], mode="min", window=0.25, margin=0.1)
    with pytest.raises(ValueError, match="window"):
        still_improving(rising, window=1.5)
