"""Claims on hidden activations (1.14, 2.9, 2.24) and losses (2.5, 2.17)."""

from __future__ import annotations

import numpy as np
import torch

from dl_lab.course.rules import at_least, combine, holds, holds_on_seeds
from dl_lab.diagnostics.losses import huber
from dl_lab.findings.diagnostics.context import (
    Context,
    Row,
    by_seed,
    compare,
    figure,
    ms,
    table,
    values,
)

SATURATING = ("sigmoid", "tanh")
ZERO_CENTRED = {"sigmoid": False, "tanh": True, "relu": False}  # the course's table, corrected
SIGMOID_PEAK, TANH_SLOPE_AT_0 = 0.25, 1.0  # 2.24, corrected: the derivatives' true extremes
WRONG_PREDICTION = 0.1  # 2.17: the course's confidently wrong output for label 1
TRAINING = [figure("activations"), table("activations")]
RANGES = [figure("activation_curves"), table("activation_ranges")]
LOSSES = [figure("losses")]


def saturating(c: Context) -> Row | None:
    """Each of sigmoid and tanh ends below the ReLU family's mean validation accuracy
    (paired by seed: the family's mean on the same seed)."""
    runs = c["activations"]
    names = list(dict.fromkeys(runs["activation"]))
    slow = [name for name in SATURATING if name in names]
    family = [name for name in names if name not in SATURATING]
    if not slow or not family:
        return None
    members = runs[runs["activation"].isin(family)]
    reference = np.array([float(part["final_val_acc"].mean()) for _, part in by_seed(members)])
    verdicts = [compare(values(runs, "final_val_acc", activation=name), reference, "a<b",
                          c.tol.accuracy, (f"{name} val acc", "ReLU family mean"))
                for name in slow]  # fmt: skip
    measured = (", ".join(f"{name} {ms(values(runs, 'final_val_acc', activation=name))}"
                          for name in slow)
                + f" vs the ReLU family ({', '.join(family)}) mean {ms(reference)} "
                "after the same epochs")  # fmt: skip
    return c.answer("1.14-saturating", measured, combine(verdicts), TRAINING)


def sparsity(c: Context) -> Row | None:
    runs = c["activations"]
    ranges = c["activation_ranges"].set_index("activation")
    if not {"relu", "sigmoid"} <= set(runs["activation"]) & set(ranges.index):
        return None
    relu = values(runs, "zero_output_fraction", activation="relu")
    sigmoid = values(runs, "zero_output_fraction", activation="sigmoid")
    grid_min = float(ranges.loc["sigmoid", "min_on_grid"])
    verdict = combine([
        at_least(relu, c.limits.many_zeros, "ReLU hidden outputs that are 0"),
        holds([grid_min > 0], "sigmoid positive on the grid"),  # a fixed grid: exact
        holds_on_seeds({"trained sigmoid MLP has no exact zeros": list(sigmoid == 0)},
                       "sigmoid outputs all positive"),
    ])  # fmt: skip
    measured = (f"hidden outputs exactly 0: relu {ms(relu)}, sigmoid {ms(sigmoid)}; "
                f"sigmoid's smallest output on the grid {grid_min:.3g}")  # fmt: skip
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


EXTREMES = (  # 2.24, corrected: (activation, column of the ranges table, true value, what)
    ("sigmoid", "max_derivative", SIGMOID_PEAK, "largest sigmoid derivative"),
    ("tanh", "derivative_at_0", TANH_SLOPE_AT_0, "tanh derivative at 0"),
)


def derivative_range(c: Context) -> Row | None:
    """Sigmoid's derivative peaks at 1/4, tanh's slope at 0 is 1 (a fixed grid: exact)."""
    ranges = c["activation_ranges"].set_index("activation")
    present = [e for e in EXTREMES if e[0] in ranges.index]
    if not present:
        return None
    measured = {what: float(ranges.loc[name, column]) for name, column, _, what in present}
    verdicts = [c.printed(measured[what], true, what) for _, _, true, what in present]
    text = "; ".join(f"{what} {value:.4f}" for what, value in measured.items())
    return c.answer("2.24-derivative-range", text, combine(verdicts), RANGES)


def _rmse(c: Context, fraction: float, loss: str) -> np.ndarray:
    """Clean-test RMSE of ``loss`` at ``fraction`` outliers, one per seed."""
    return values(c["loss_regression"], "test_rmse", outlier_fraction=fraction, loss=loss)


def _robust(c: Context) -> list[str]:
    losses = c["loss_regression"]["loss"].unique()
    return [name for name in losses if name != "mse"]


def _best_robust(c: Context, fraction: float, robust: list[str]) -> np.ndarray:
    """Per seed: the lowest clean-test RMSE among the robust losses."""
    return np.min([_rmse(c, fraction, name) for name in robust], axis=0)


def outliers(c: Context) -> Row | None:
    robust = _robust(c)
    fractions = sorted(f for f in c["loss_regression"]["outlier_fraction"].unique() if f > 0)
    if not fractions or not robust:
        return None
    verdicts = [compare(_rmse(c, f, name), _rmse(c, f, "mse"), "a<b", c.tol.rmse,
                          (f"{f:.0%} outliers: {name} clean-test RMSE", "mse"))
                for f in fractions for name in robust]  # fmt: skip
    measured = "; ".join(
        f"{f:.0%} outliers: "
        + ", ".join(f"{name} {ms(_rmse(c, f, name))}" for name in ["mse", *robust])
        for f in fractions
    )
    return c.answer("2.5-outliers", "clean-test RMSE, " + measured, combine(verdicts),
                    LOSSES + [table("loss_regression")])  # fmt: skip


def mse_noise(c: Context) -> Row | None:
    """With Gaussian noise only, MSE is no worse than the best robust loss; with the most
    outliers, the best robust loss beats it (paired by seed)."""
    robust = _robust(c)
    fractions = sorted(c["loss_regression"]["outlier_fraction"].unique())
    if 0 not in fractions or len(fractions) < 2 or not robust:
        return None
    worst = fractions[-1]
    clean, dirty = _best_robust(c, 0.0, robust), _best_robust(c, worst, robust)
    mse_clean, mse_dirty = _rmse(c, 0.0, "mse"), _rmse(c, worst, "mse")
    verdict = combine([
        at_least(clean - mse_clean, -c.tol.rmse, "no outliers: best robust RMSE minus MSE's"),
        compare(dirty, mse_dirty, "a<b", c.tol.rmse,
                  (f"{worst:.0%} outliers: best robust RMSE", "mse")),
    ])  # fmt: skip
    measured = (
        f"no outliers: mse {ms(mse_clean)} vs best robust {ms(clean)}; "
        f"{worst:.0%} outliers: mse {ms(mse_dirty)} vs best robust {ms(dirty)}"
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
            c.printed(mse, expected["mse"], "|MSE grad|"),
            c.printed(ce, expected["ce"], "|CE grad|"),
        ]
    )
    measured = f"y_hat {WRONG_PREDICTION:g}, label 1: |dL/dz| MSE {mse:.4g}, cross-entropy {ce:.4g} (autograd)"
    return c.answer("2.17-confident-wrong", measured, verdict,
                    LOSSES + [table("loss_saturation")])  # fmt: skip


def ce_faster(c: Context) -> Row | None:
    """Cross-entropy ends above MSE (paired by seed) and reaches the target first on every
    seed where either reaches it."""
    runs = c["loss_classifier"]
    if not {"cross_entropy", "mse"} <= set(runs["loss"]):
        return None
    acc = {loss: values(runs, "final_val_acc", loss=loss) for loss in ("cross_entropy", "mse")}
    reach = {loss: values(runs, "epochs_to_target", loss=loss) for loss in ("cross_entropy", "mse")}
    verdicts = [compare(acc["mse"], acc["cross_entropy"], "a<b", c.tol.accuracy,
                          ("MSE val acc", "cross-entropy"))]  # fmt: skip
    seen = np.isfinite(reach["cross_entropy"]) | np.isfinite(reach["mse"])
    if seen.any():  # an epoch count only where the target was reached
        ce, mse = reach["cross_entropy"][seen], reach["mse"][seen]
        faster = np.isfinite(ce) & (~np.isfinite(mse) | (ce < mse))
        verdicts.append(holds_on_seeds({"cross-entropy reaches the target first": list(faster)},
                                       "first to the target"))  # fmt: skip
    measured = "; ".join(
        f"{name}: val acc {ms(acc[loss])}, target reached at epoch "
        + ", ".join("never" if not np.isfinite(e) else f"{e:.0f}" for e in reach[loss])
        + " (by seed)"
        for name, loss in (("cross-entropy", "cross_entropy"), ("MSE", "mse"))
    )
    return c.answer("2.17-ce-faster", measured, combine(verdicts),
                    LOSSES + [table("loss_classifier")])  # fmt: skip


CHECKS = [saturating, sparsity, zero_centred, derivative_range, outliers, mse_noise, huber_form,
          mse_gradient, confident_wrong, ce_faster]  # fmt: skip
