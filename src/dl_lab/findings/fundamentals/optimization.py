"""Learning-rate regimes on (w - 3)^2 (2.8) and the optimizer races (2.18).

Both experiments are deterministic (a fixed start, a fixed surface, full gradients, no
seed), so every rule here is told its number is ``exact``: one run decides.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from dl_lab.course.questions import Course
from dl_lab.course.rules import combine, direction, holds, within
from dl_lab.findings.fundamentals.answers import Answer, Tables, at, number, plot, table
from dl_lab.findings.fundamentals.config import FindingsParams

LEARNING_RATES = (table("learning_rates"), plot("learning_rates"))
MOMENTUM = (table("momentum"), plot("momentum"))
# momentum in PyTorch's form v = mu v + g, Nesterov, and the course's EMA form
MOMENTUM_KINDS = ("momentum", "nesterov", "momentum_ema")


def optimization_answers(
    tables: Tables, params: FindingsParams, course: Course
) -> list[Answer | None]:
    """GD's regimes per learning rate, and momentum against plain GD."""
    rates = tables.learning_rates
    return [
        _minimum(rates, params.minimum_w, course),
        _small_slow(rates, params.round_off),
        _eta_one(tables, params.round_off, course),
        _threshold(rates, params.round_off, course),
        _momentum_faster(tables.momentum, params.steps_margin, params.reversals_margin),
        _momentum_conventions(tables.momentum, params.steps_margin),
    ]


def _minimum(rates: pd.DataFrame, tolerance: float, course: Course) -> Answer | None:
    """2.8: the runs that converge end at w = 3."""
    done = rates[rates["regime"].isin(["converges", "one_step"])]
    if done.empty:
        return None
    minimum = float(course.claim("2.8-minimum").value)
    checks = [
        within(float(r.final_w), minimum, tolerance, what=f"final w at eta={r.lr:g}", exact=True)
        for r in done.itertuples()
    ]
    text = "; ".join(
        f"eta={r.lr:g}: w = {r.final_w:.6g} after {int(r.steps_run)} steps"
        for r in done.itertuples()
    )
    return Answer("2.8-minimum", text, combine(checks), LEARNING_RATES)


def _small_slow(rates: pd.DataFrame, margin: float) -> Answer | None:
    """2.8: after the run, eta=0.001 is still far from the minimum and eta=0.1 is not."""
    slow, fast = at(rates, "lr", 0.001), at(rates, "lr", 0.1)
    if slow.empty or fast.empty:
        return None
    slow, fast = slow.iloc[0], fast.iloc[0]
    verdict = direction(
        float(fast["final_loss"]),
        float(slow["final_loss"]),
        "a<b",
        margin,
        names=("loss left at eta=0.1", "at eta=0.001"),
        exact=True,
    )
    text = "; ".join(
        f"eta={r['lr']:g}: loss {number(r['final_loss'])} after {int(r['steps_run'])} steps "
        f"(|w - 3| x{r['measured_factor']:.3g} a step)"
        for r in (slow, fast)
    )
    return Answer("2.8-small-slow", text, verdict, LEARNING_RATES)


def _eta_one(tables: Tables, round_off: float, course: Course) -> Answer | None:
    """2.8 (corrected): eta=1 keeps |w - 3| and the loss 9 forever; it does not diverge."""
    row = at(tables.learning_rates, "lr", 1.0)
    if row.empty:
        return None
    row = row.iloc[0]
    steps = at(tables.gd_quadratic_steps, "lr", 1.0).sort_values("step")
    path = [float(steps["w"].iloc[0]), *steps["w_new"].astype(float)]
    verdict = combine(
        [
            within(
                float(row["final_loss"]),
                float(course.claim("2.8-eta-1").value),
                round_off,
                what="loss after the run",
                exact=True,
            ),
            within(
                abs(float(row["measured_factor"])),
                1.0,
                round_off,
                what="|w - 3| ratio per step",
                exact=True,
            ),
        ]
    )
    text = (
        f"eta=1: w {' -> '.join(f'{w:g}' for w in path)} ...; loss {number(row['final_loss'])} "
        f"after {int(row['steps_run'])} steps (regime: {row['regime']})"
    )
    return Answer("2.8-eta-1", text, verdict, (*LEARNING_RATES, table("gd_quadratic_steps")))


def _expected_regime(lr: float, threshold: float) -> str:
    """The corrected summary: one step at threshold/2, converging below the threshold
    (overshooting above threshold/2), oscillating at it, diverging beyond it."""
    if math.isclose(lr, threshold / 2):
        return "one step"
    if math.isclose(lr, threshold):
        return "oscillates"
    if lr > threshold:
        return "diverges"
    return "converges, overshooting" if lr > threshold / 2 else "converges"


def _measured_regime(factor: float, overshoots: bool, round_off: float) -> str:
    """The regime read off the measured contraction |w_{t+1} - 3| / |w_t - 3|."""
    size = abs(factor)
    if size <= round_off:
        return "one step"
    if abs(size - 1) <= round_off:
        return "oscillates"
    if size > 1:
        return "diverges"
    return "converges, overshooting" if overshoots else "converges"


def _threshold(rates: pd.DataFrame, round_off: float, course: Course) -> Answer:
    """2.8 (corrected): the regime of every swept learning rate, as the corrected summary says."""
    threshold = float(course.claim("2.8-threshold").value)
    seen = [
        (
            float(r.lr),
            _measured_regime(float(r.measured_factor), bool(r.overshoots), round_off),
            _expected_regime(float(r.lr), threshold),
        )
        for r in rates.itertuples()
    ]
    verdict = holds([got == want for _, got, want in seen], "learning rates in the expected regime")
    text = "; ".join(f"eta={lr:g}: {got}" for lr, got, _ in seen)
    return Answer("2.8-threshold", text, verdict, LEARNING_RATES)


def _steps(row: pd.Series) -> tuple[float, bool]:
    """Steps to tolerance, or the step budget when the run never got there (censored)."""
    reached = not (pd.isna(row["steps_to_tol"]) or bool(row["diverged"]))
    return (float(row["steps_to_tol"]) if reached else float(row["max_steps"])), not reached


def _label(row: pd.Series) -> str:
    mu = "" if pd.isna(row["momentum"]) else f", mu={row['momentum']:g}"
    return f"{row['surface']} {row['optimizer']} (lr={row['lr']:g}{mu})"


def _shown(steps: float, censored: bool) -> str:
    return f">{steps:g}" if censored else f"{steps:g}"


def _raced(
    races: pd.DataFrame, reference: str, rivals: Sequence[str], *, same_momentum: bool = False
) -> Iterator[tuple[pd.Series, pd.Series, tuple[float, bool], tuple[float, bool]]]:
    """Each rival run against the ``reference`` run on its surface at its learning rate (and
    momentum), with both ``_steps``; a pair where neither reached the tolerance is left out."""
    for _, ref in races[races["optimizer"] == reference].iterrows():
        same = (races["surface"] == ref["surface"]) & np.isclose(races["lr"], ref["lr"])
        if same_momentum:
            same &= np.isclose(races["momentum"].fillna(-1.0), ref["momentum"])
        for _, run in races[same & races["optimizer"].isin(rivals)].iterrows():
            steps_run, steps_ref = _steps(run), _steps(ref)
            if not (steps_run[1] and steps_ref[1]):  # neither reached it: no comparison
                yield run, ref, steps_run, steps_ref


def _momentum_faster(
    races: pd.DataFrame, steps_margin: float, reversals_margin: float
) -> Answer | None:
    """2.18: momentum vs plain GD at the same learning rate: steps to tolerance, zig-zags."""
    checks, parts = [], []
    for run, gd, (s_run, c_run), (s_gd, c_gd) in _raced(races, "gd", MOMENTUM_KINDS):
        name = _label(run)
        checks.append(
            direction(s_run, s_gd, "a<b", steps_margin, names=(f"{name} steps", "gd's"), exact=True)
        )
        checks.append(
            direction(
                run["direction_reversals"],
                gd["direction_reversals"],
                "a<b",
                reversals_margin,
                names=(f"{name} reversals", "gd's"),
                exact=True,
            )
        )
        parts.append(
            f"{name}: {_shown(s_run, c_run)} vs gd {_shown(s_gd, c_gd)} steps, "
            f"{run['direction_reversals']} vs {gd['direction_reversals']} direction reversals"
        )
    if not checks:
        return None
    return Answer("2.18-faster", "; ".join(parts), combine(checks), MOMENTUM)


def _momentum_conventions(races: pd.DataFrame, margin: float) -> Answer | None:
    """2.18 (corrected): PyTorch's v = mu v + g takes 1/(1 - mu) larger steps than the EMA form."""
    checks, parts = [], []
    pairs = _raced(races, "momentum_ema", ("momentum",), same_momentum=True)
    for run, _, (s_run, c_run), (s_ema, c_ema) in pairs:
        checks.append(
            direction(
                s_run,
                s_ema,
                "a<b",
                margin,
                names=("v = mu v + g steps", "EMA form's"),
                exact=True,
            )
        )
        parts.append(
            f"{_label(run)}: v = mu v + g {_shown(s_run, c_run)} steps vs "
            f"EMA v = mu v + (1 - mu) g {_shown(s_ema, c_ema)}"
        )
    if not checks:
        return None
    return Answer("2.18-equations", "; ".join(parts), combine(checks), MOMENTUM)
