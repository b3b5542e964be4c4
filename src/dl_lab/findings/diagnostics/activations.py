"""Claims on hidden activations (1.14, 2.9, 2.24) and losses (2.5, 2.17)."""

from __future__ import annotations

import math

import pandas as pd
import torch

from dl_lab.course.rules import at_least, combine, direction, holds, within
from dl_lab.diagnostics.losses import huber
from dl_lab.findings.diagnostics.context import Context, Row, figure, table

SATURATING = ("sigmoid", "tanh")
ZERO_CENTRED = {"sigmoid": False, "tanh": True, "relu": False}  # the course's table, corrected
SIGMOID_PEAK, TANH_SLOPE_AT_0 = 0.25, 1.0  # 2.24, corrected: the derivatives' true extremes
WRONG_PREDICTION = 0.1  # 2.17: the course's confidently wrong output for label 1
TRAINING = [figure("activations"), table("activations")]
RANGES = [figure("activation_curves"), table("activation_ranges")]
LOSSES = [figure("losses")]


def saturating(c: Context) -> Row | None:
    """Each of sigmoid and tanh ends below the ReLU family's mean validation accuracy."""
    runs = c["activations"].set_index("activation")
    slow = [name for name in SATURATING if name in runs.index]
    family = runs.drop(index=[n for n in SATURATING if n in runs.index])
    if not slow or family.empty:
        return None
    reference = float(family["final_val_acc"].mean())
    verdicts = [direction(runs.loc[name, "final_val_acc"], reference, "a<b", c.tol.accuracy,
                          (f"{name} val acc", "ReLU family mean"))
                for name in slow]  # fmt: skip
    measured = (", ".join(f"{name} {runs.loc[name, 'final_val_acc']:.3f}" for name in slow)
                + f" vs the ReLU family ({', '.join(family.index)}) mean {reference:.3f} "
                "after the same epochs")  # fmt: skip
    return c.answer("1.14-saturating", measured, combine(verdicts), TRAINING)


def sparsity(c: Context) -> Row | None:
    runs = c["activations"].set_index("activation")
    ranges = c["activation_ranges"].set_index("activation")
    if not {"relu", "sigmoid"} <= set(runs.index) & set(ranges.index):
        return None
    relu, sigmoid = runs.loc["relu", "zero_output_fraction"], runs.loc["sigmoid"]
    positive = ranges.loc["sigmoid", "min_on_grid"] > 0 and sigmoid["zero_output_fraction"] == 0
    verdict = combine([at_least(relu, c.limits.many_zeros, "ReLU hidden outputs that are 0"),
                       holds([positive], "sigmoid outputs all positive")])  # fmt: skip
    measured = (f"hidden outputs exactly 0: relu {relu:.0%}, sigmoid "
                f"{sigmoid['zero_output_fraction']:.0%}; sigmoid's smallest output on the grid "
                f"{ranges.loc['sigmoid', 'min_on_grid']:.3g}")  # fmt: skip
    return c.answer("2.9-sparsity", measured, verdict, TRAINING + RANGES)


def zero_centred(c: Context) -> Row | None:
    ranges = c["activation_ranges"].set_index("activation")
    names = [name for name in ZERO_CENTRED if name in ranges.index]
    if "relu" not in names:
        return None
    cases = [bool(ranges.loc[name, "zero_centred"]) == ZERO_CENTRED[name] for name in names]
    measured = ", ".join(f"{name}: value at 0 {ranges.loc[name, 'value_at_0']:.3g}, minimum "
                         f"{ranges.loc[name, 'min_on_grid']:.3g} -> "
                         f"{'zero-centred' if ranges.loc[name, 'zero_centred'] else 'not zero-centred'}"
                         for name in names)  # fmt: skip
    return c.answer("2.9-zero-centred", measured, holds(cases, "only tanh zero-centred"), RANGES)


def derivative_range(c: Context) -> Row | None:
    ranges = c["activation_ranges"].set_index("activation")
    verdicts, parts = [], []
    if "sigmoid" in ranges.index:
        peak = float(ranges.loc["sigmoid", "max_derivative"])
        verdicts.append(
            within(
                peak,
                SIGMOID_PEAK,
                c.tol.printed * SIGMOID_PEAK,
                "largest sigmoid derivative",
                exact=True,
            )
        )
        parts.append(f"sigmoid's largest derivative {peak:.4f}")
    if "tanh" in ranges.index:
        slope = float(ranges.loc["tanh", "derivative_at_0"])
        verdicts.append(
            within(
                slope,
                TANH_SLOPE_AT_0,
                c.tol.printed * TANH_SLOPE_AT_0,
                "tanh derivative at 0",
                exact=True,
            )
        )
        parts.append(f"tanh's derivative at 0 {slope:.4f}")
    if not verdicts:
        return None
    return c.answer("2.24-derivative-range", "; ".join(parts), combine(verdicts), RANGES)


def _regression(c: Context) -> pd.DataFrame:
    return c["loss_regression"].set_index(["outlier_fraction", "loss"])["test_rmse"]


def _robust(c: Context) -> list[str]:
    losses = c["loss_regression"]["loss"].unique()
    return [name for name in losses if name != "mse"]


def outliers(c: Context) -> Row | None:
    rmse, robust = _regression(c), _robust(c)
    fractions = sorted(f for f in c["loss_regression"]["outlier_fraction"].unique() if f > 0)
    if not fractions or not robust:
        return None
    verdicts = [direction(rmse[(f, name)], rmse[(f, "mse")], "a<b", c.tol.rmse,
                          (f"{f:.0%} outliers: {name} clean-test RMSE", "mse"))
                for f in fractions for name in robust]  # fmt: skip
    measured = "; ".join(
        f"{f:.0%} outliers: "
        + ", ".join(f"{name} {rmse[(f, name)]:.3f}" for name in ["mse", *robust])
        for f in fractions
    )
    return c.answer("2.5-outliers", "clean-test RMSE, " + measured, combine(verdicts),
                    LOSSES + [table("loss_regression")])  # fmt: skip


def mse_noise(c: Context) -> Row | None:
    """With Gaussian noise only, MSE is no worse than the best robust loss; with the most
    outliers, the best robust loss beats it."""
    rmse, robust = _regression(c), _robust(c)
    fractions = sorted(c["loss_regression"]["outlier_fraction"].unique())
    if 0 not in fractions or len(fractions) < 2 or not robust:
        return None
    clean = min(rmse[(0.0, name)] for name in robust)
    worst = fractions[-1]
    dirty = min(rmse[(worst, name)] for name in robust)
    verdict = combine([
        at_least(clean - rmse[(0.0, "mse")], -c.tol.rmse,
                 "no outliers: best robust RMSE minus MSE's"),
        direction(dirty, rmse[(worst, "mse")], "a<b", c.tol.rmse,
                  (f"{worst:.0%} outliers: best robust RMSE", "mse")),
    ])  # fmt: skip
    measured = (
        f"no outliers: mse {rmse[(0.0, 'mse')]:.3f} vs best robust {clean:.3f}; "
        f"{worst:.0%} outliers: mse {rmse[(worst, 'mse')]:.3f} vs best robust {dirty:.3f}"
    )
    return c.answer("2.5-mse-noise", measured, verdict, LOSSES + [table("loss_regression")])


def huber_form(c: Context) -> Row:
    """The Huber loss the regressions use, beyond delta, against delta*(|e| - delta/2); the
    corrected form meets the quadratic part at |e| = delta, the printed one does not."""
    cases, parts = [], []
    for delta in c.cases.huber_deltas:
        errors = torch.tensor([1.5 * delta, 3.0 * delta, -2.0 * delta], dtype=torch.float64)
        corrected = delta * (errors.abs() - 0.5 * delta)
        gap = float((huber(errors, delta) - corrected).abs().max())
        jump_corrected = abs(0.5 * delta**2 - delta * (delta - 0.5 * delta))
        jump_printed = abs(0.5 * delta**2 - (delta - 0.5 * delta**2))
        cases += [gap <= c.tol.exact, jump_corrected <= c.tol.exact]
        parts.append(
            f"delta {delta:g}: |huber - corrected| {gap:.1g}, step at |e| = delta "
            f"{jump_corrected:.1g} (printed form: {jump_printed:.3g})"
        )
    verdict = holds(cases, "Huber = delta*(|e| - delta/2) beyond delta, continuous at delta")
    return c.answer("2.5-huber", "; ".join(parts), verdict, LOSSES)


def mse_gradient(c: Context) -> Row:
    saturation = c["loss_saturation"]
    p, y = saturation["y_hat"], saturation["label"]
    corrected = (p - y) * p * (1 - p)
    gap = float((saturation["mse_grad"] - corrected).abs().max())
    cases = list((saturation["mse_grad"] - corrected).abs() <= c.tol.exact)
    saturated = saturation.loc[p.idxmin()]  # the most confidently wrong output
    measured = (f"autograd dL/dz of the half MSE vs (y_hat - y) y_hat (1 - y_hat): largest gap "
                f"{gap:.1g} over {len(saturation)} outputs; at y_hat {saturated['y_hat']:g}: "
                f"{saturated['mse_grad']:.3g} (CE {saturated['ce_grad']:.3g})")  # fmt: skip
    verdict = holds(cases, "corrected MSE gradient = autograd")
    return c.answer("2.17-mse-gradient", measured, verdict, LOSSES + [table("loss_saturation")])


def confident_wrong(c: Context) -> Row | None:
    saturation = c["loss_saturation"]
    row = saturation[saturation["y_hat"] == WRONG_PREDICTION]
    if row.empty or float(row["label"].iloc[0]) != 1.0:
        return None
    expected = c.value("2.17-confident-wrong")
    mse, ce = abs(float(row["mse_grad"].iloc[0])), abs(float(row["ce_grad"].iloc[0]))
    verdict = combine(
        [
            within(mse, expected["mse"], c.tol.printed * expected["mse"], "|MSE grad|", exact=True),
            within(ce, expected["ce"], c.tol.printed * expected["ce"], "|CE grad|", exact=True),
        ]
    )
    measured = f"y_hat {WRONG_PREDICTION:g}, label 1: |dL/dz| MSE {mse:.4g}, cross-entropy {ce:.4g} (autograd)"
    return c.answer("2.17-confident-wrong", measured, verdict,
                    LOSSES + [table("loss_saturation")])  # fmt: skip


def ce_faster(c: Context) -> Row | None:
    runs = c["loss_classifier"].set_index("loss")
    if not {"cross_entropy", "mse"} <= set(runs.index):
        return None
    ce, mse = runs.loc["cross_entropy"], runs.loc["mse"]
    verdicts = [direction(mse["final_val_acc"], ce["final_val_acc"], "a<b", c.tol.accuracy,
                          ("MSE val acc", "cross-entropy"))]  # fmt: skip
    reached = [math.isfinite(ce["epochs_to_target"]), math.isfinite(mse["epochs_to_target"])]
    if any(reached):  # an epoch count only where the target was reached
        faster = reached[0] and (not reached[1] or ce["epochs_to_target"] < mse["epochs_to_target"])
        verdicts.append(holds([faster], "cross-entropy reaches the target first"))
    measured = "; ".join(
        f"{name}: val acc {r['final_val_acc']:.3f}, "
        + (f"target reached at epoch {r['epochs_to_target']:.0f}"
           if math.isfinite(r["epochs_to_target"]) else "target not reached")
        for name, r in (("cross-entropy", ce), ("MSE", mse)))  # fmt: skip
    return c.answer("2.17-ce-faster", measured, combine(verdicts),
                    LOSSES + [table("loss_classifier")])  # fmt: skip


CHECKS = [saturating, sparsity, zero_centred, derivative_range, outliers, mse_noise, huber_form,
          mse_gradient, confident_wrong, ce_faster]  # fmt: skip
