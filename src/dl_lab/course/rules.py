"""The rules that turn measurements into a verdict on a course claim (DESIGN §9).

Each rule compares what was measured with what the course claims, within a tolerance
from parameters, and returns a ``Verdict``: one of ``reproduced``, ``not_reproduced``,
``partly``, ``inconclusive``, with the reason in words and numbers. With several seeds a
rule reasons about the 95% t-interval of the mean, not the mean alone:

* the interval lies inside the claim's band: ``reproduced``;
* it lies outside: ``not_reproduced``;
* it straddles the band's edge: ``inconclusive`` (the spread is too wide to tell).

A single measurement of something random (one seed of a trained network) has no interval:
a rule given one then says ``inconclusive`` (the spread is unknown), unless the caller
states the number is ``exact`` (a deterministic computation: a worked example, a count, a
fixed-seed arithmetic check). A comparison of networks still improving at their last epoch
is not settled either: ``unsettled(reason)`` says so, and ``still_improving`` tells when.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from dl_lab.evaluation.stats import mean_interval

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not_reproduced"
PARTLY = "partly"
INCONCLUSIVE = "inconclusive"
VERDICTS = (REPRODUCED, NOT_REPRODUCED, PARTLY, INCONCLUSIVE)

Measured = float | Sequence[float]


@dataclass(frozen=True)
class Verdict:
    """A verdict and why: the reason names the numbers that decided it."""

    verdict: str
    reason: str

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict!r}; allowed: {', '.join(VERDICTS)}")


def _values(measured: Measured) -> np.ndarray:
    values = np.atleast_1d(np.asarray(measured, dtype=float))
    if values.size == 0 or not np.isfinite(values).all():
        raise ValueError(f"a rule needs finite measurements, got {list(values)}")
    return values


def describe(measured: Measured, digits: int = 3) -> str:
    """``0.981`` or ``0.981 [0.975, 0.987] over 5 seeds``: a value with its spread."""
    values = _values(measured)
    mean = float(values.mean())
    if len(values) == 1:
        return f"{mean:.{digits}g}"
    low, high = mean_interval(values)
    return f"{mean:.{digits}g} [{low:.{digits}g}, {high:.{digits}g}] over {len(values)} seeds"


def mean_std(measured: Measured, digits: int = 3, count: bool = True) -> str:
    """``0.981`` or ``0.981 +- 0.004 (5 seeds)``: the mean and the sample standard deviation
    (``count=False``: without the number of seeds)."""
    values = _values(measured)
    mean = float(values.mean())
    if len(values) == 1:
        return f"{mean:.{digits}g}"
    text = f"{mean:.{digits}g} +- {float(values.std(ddof=1)):.2g}"
    return f"{text} ({len(values)} seeds)" if count else text


def _single(values: np.ndarray, exact: bool) -> bool:
    """A lone random measurement: one value, and the caller did not say it is exact."""
    return len(values) == 1 and not exact


ONE_SEED = "one measurement (one seed): its spread is unknown, so it cannot decide"


def unsettled(reason: str) -> Verdict:
    """An ``inconclusive`` verdict for evidence too weak to decide, with the reason."""
    return Verdict(INCONCLUSIVE, reason)


def still_improving(
    values: Sequence[float],
    mode: Literal["max", "min"] = "max",
    window: float | None = None,
    margin: float = 0.0,
) -> bool:
    """Whether a per-epoch score (val accuracy: ``max``; a loss: ``min``) was still improving
    when training stopped.

    Without ``window``: the score was at its best in the last epoch. With ``window`` (a
    fraction of the epochs, e.g. 0.25): the best of the last ``window`` of the epochs beat
    the best before them by more than ``margin``. The second suits schedules that anneal
    the learning rate to zero (one-cycle, cosine), whose last epoch is nearly always the
    best by a hair although the network has long reached its plateau.
    """
    series = _values(values)
    if len(series) < 2:
        return False
    if window is None:
        best = series.argmax() if mode == "max" else series.argmin()
        return int(best) == len(series) - 1
    if not 0 < window < 1:
        raise ValueError(f"window must be a fraction of the epochs in (0, 1), got {window}")
    tail = max(1, int(round(window * len(series))))
    before, last = series[:-tail], series[-tail:]
    if len(before) == 0:
        return True
    gain = last.max() - before.max() if mode == "max" else before.min() - last.min()
    return bool(gain > margin)


def _band(low: float, high: float, band_low: float, band_high: float) -> str:
    """Where the interval [low, high] lies against the band: inside, outside or across."""
    if band_low <= low and high <= band_high:
        return "inside"
    if high < band_low or low > band_high:
        return "outside"
    return "across"


def within(
    measured: Measured, expected: float, tolerance: float, what: str = "value", exact: bool = False
) -> Verdict:
    """The course's number ``expected`` is reproduced when the measurement lies within
    ``expected +- tolerance`` (with seeds: the whole 95% interval of the mean does)."""
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    values = _values(measured)
    low, high = mean_interval(values)
    where = _band(low, high, expected - tolerance, expected + tolerance)
    text = f"{what} {describe(values)} vs the course's {expected:g} +- {tolerance:g}"
    if _single(values, exact):
        return unsettled(f"{text}: {ONE_SEED}")
    if where == "inside":
        return Verdict(REPRODUCED, f"{text}: within")
    if where == "outside":
        return Verdict(NOT_REPRODUCED, f"{text}: outside")
    return Verdict(INCONCLUSIVE, f"{text}: the interval straddles the band's edge")


def direction(
    a: Measured,
    b: Measured,
    expect: Literal["a<b", "a>b"],
    tolerance: float = 0.0,
    names: tuple[str, str] = ("a", "b"),
    exact: bool = False,
) -> Verdict:
    """The course expects ``a < b`` (or ``a > b``) by more than ``tolerance``.

    With seeds the rule reads the interval of the margin (``b - a`` for ``a<b``), paired
    by seed when both have the same length: entirely beyond the tolerance: reproduced;
    entirely at or below it (no effect, or the other way): not reproduced; across:
    inconclusive.
    """
    if expect not in ("a<b", "a>b"):
        raise ValueError(f"expect must be 'a<b' or 'a>b', got {expect!r}")
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    va, vb = _values(a), _values(b)
    sign = 1.0 if expect == "a<b" else -1.0
    if len(va) == len(vb):
        low, high = mean_interval(sign * (vb - va))
    else:  # unpaired: the margin between the two intervals, at its widest
        a_low, a_high = mean_interval(va)
        b_low, b_high = mean_interval(vb)
        if sign > 0:
            low, high = b_low - a_high, b_high - a_low
        else:
            low, high = a_low - b_high, a_high - b_low
    first, second = names
    relation = "<" if sign > 0 else ">"
    text = (
        f"{first} {describe(va)} vs {second} {describe(vb)}; expected {first} {relation} "
        f"{second} by more than {tolerance:g} (margin interval [{low:.3g}, {high:.3g}])"
    )
    if _single(va, exact) or _single(vb, exact):
        return unsettled(f"{text}: {ONE_SEED}")
    if low > tolerance:
        return Verdict(REPRODUCED, f"{text}: it is")
    if high <= tolerance:
        return Verdict(NOT_REPRODUCED, f"{text}: it is not")
    return Verdict(INCONCLUSIVE, f"{text}: the interval straddles the margin")


def at_least(
    measured: Measured, threshold: float, what: str = "value", exact: bool = False
) -> Verdict:
    """The course claims the measurement reaches ``threshold`` (with seeds: the interval)."""
    values = _values(measured)
    low, high = mean_interval(values)
    text = f"{what} {describe(values)} vs the threshold {threshold:g}"
    if _single(values, exact):
        return unsettled(f"{text}: {ONE_SEED}")
    if low >= threshold:
        return Verdict(REPRODUCED, f"{text}: reached")
    if high < threshold:
        return Verdict(NOT_REPRODUCED, f"{text}: not reached")
    return Verdict(INCONCLUSIVE, f"{text}: the interval straddles the threshold")


def holds(passed: Sequence[bool], what: str) -> Verdict:
    """A claim checked case by case (a truth table, a worked example): all, some or none hold."""
    checks = [bool(p) for p in passed]
    if not checks:
        raise ValueError(f"{what}: no cases to check")
    count = sum(checks)
    text = f"{what}: {count} of {len(checks)} cases hold"
    if count == len(checks):
        return Verdict(REPRODUCED, text)
    return Verdict(PARTLY if count else NOT_REPRODUCED, text)


def holds_on_seeds(cases: Mapping[str, Sequence[bool]], what: str) -> Verdict:
    """A claim checked case by case on each seed of a random experiment (a trained network's
    fit label, a sweep's best rate): each case holds on every seed, on none, or on some.

    Every case on every seed: reproduced. Some cases on every seed, the others on none:
    partly (no case holds on any seed: not reproduced). A case that holds on some seeds but
    not on others is not settled by the seeds: inconclusive, unless another case fails on
    every seed (then partly). A single seed decides nothing (``ONE_SEED``).
    """
    if not cases:
        raise ValueError(f"{what}: no cases to check")
    outcomes = {name: [bool(p) for p in passed] for name, passed in cases.items()}
    counts = {len(passed) for passed in outcomes.values()}
    if 0 in counts:
        raise ValueError(f"{what}: a case without seeds ({', '.join(outcomes)})")
    seeds = max(counts)
    held = [name for name, passed in outcomes.items() if all(passed)]
    failed = [name for name, passed in outcomes.items() if not any(passed)]
    split = [name for name in outcomes if name not in held and name not in failed]
    text = f"{what}: {len(held)} of {len(outcomes)} cases hold on every seed ({seeds} seeds)"
    if failed:
        text += f"; on none: {', '.join(failed)}"
    if split:
        text += "; on some: " + ", ".join(
            f"{name} ({sum(outcomes[name])} of {len(outcomes[name])})" for name in split
        )
    if seeds == 1:
        return unsettled(f"{text}: {ONE_SEED}")
    if not failed and not split:
        return Verdict(REPRODUCED, text)
    if not held and not split:
        return Verdict(NOT_REPRODUCED, text)
    if not failed:
        return Verdict(INCONCLUSIVE, f"{text}: the seeds disagree")
    return Verdict(PARTLY, text)


def combine(verdicts: Sequence[Verdict]) -> Verdict:
    """One verdict for a claim checked several ways.

    All reproduced: reproduced. All not reproduced: not reproduced. Reproduced and
    inconclusive parts only: inconclusive. Any other mix: partly.
    """
    if not verdicts:
        raise ValueError("combine needs at least one verdict")
    kinds = {v.verdict for v in verdicts}
    reason = "; ".join(v.reason for v in verdicts)
    if kinds == {REPRODUCED}:
        return Verdict(REPRODUCED, reason)
    if kinds == {NOT_REPRODUCED}:
        return Verdict(NOT_REPRODUCED, reason)
    if kinds <= {INCONCLUSIVE, REPRODUCED}:
        return Verdict(INCONCLUSIVE, reason)
    return Verdict(PARTLY, reason)
