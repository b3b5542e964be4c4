"""Claims on gradient flow through a deep MLP (1.24, 2.16, 2.24, 3.21)."""

from __future__ import annotations

import math

import pandas as pd

from dl_lab.course.rules import combine, direction, holds, within
from dl_lab.findings.diagnostics.context import Context, Row, figure, table

FLOW = [figure("gradient_flow"), table("gradient_flow"), table("gradient_norms")]


def _cases(c: Context) -> pd.DataFrame:
    return c["gradient_flow"].set_index("case")


def _log_ratio(case: pd.Series) -> float:
    """log10 of the first/last-layer gradient-norm ratio at the first update."""
    return math.log10(case["first_last_ratio_init"])


def _usable(frame: pd.DataFrame, *names: str) -> bool:
    return all(
        name in frame.index and 0 < frame.loc[name, "first_last_ratio_init"] < math.inf
        for name in names
    )


def sigmoid_vs_relu(c: Context) -> Row | None:
    frame, sigmoid, relu = _cases(c), c.cases.vanishing_baseline, c.cases.relu
    if not _usable(frame, sigmoid, relu):
        return None
    a, b = frame.loc[sigmoid], frame.loc[relu]
    verdict = direction(_log_ratio(a), _log_ratio(b), "a<b", c.tol.gradient_decades,
                        (f"log10 first/last {sigmoid}", relu))  # fmt: skip
    measured = (f"first/last-layer gradient norm at the first update: {sigmoid} "
                f"{a['first_last_ratio_init']:.3g}, {relu} {b['first_last_ratio_init']:.3g} "
                "(same default init)")  # fmt: skip
    return c.answer("2.16-sigmoid-vs-relu", measured, verdict, FLOW)


def vanishing_bound(c: Context) -> Row | None:
    """0.25 (sigmoid's largest derivative, measured on the activation grid) to the fifth."""
    ranges = c["activation_ranges"].set_index("activation")
    if "sigmoid" not in ranges.index:
        return None
    peak = float(ranges.loc["sigmoid", "max_derivative"])
    expected = c.value("2.16-vanishing")
    verdict = within(
        peak**5, expected, c.tol.printed * expected, "max sigmoid derivative ^ 5", exact=True
    )  # a fixed grid, autograd: no seed
    measured = f"largest sigmoid derivative on the grid {peak:.4f}; {peak:.4f}^5 = {peak**5:.3g}"
    return c.answer(
        "2.16-vanishing",
        measured,
        verdict,
        [table("activation_ranges"), figure("activation_curves")],
    )


def _healthy(case: pd.Series) -> bool:
    return case["verdict_init"] == "healthy" and case["verdict_training"] == "healthy"


def remedies(c: Context) -> Row | None:
    frame, baseline = _cases(c), c.cases.vanishing_baseline
    cures = [name for name in c.cases.remedies if name in frame.index]
    clipped = [(a, b) for a, b in c.cases.clipped.items() if a in frame.index and b in frame.index]
    if baseline not in frame.index or not (cures or clipped):
        return None
    base = frame.loc[baseline]
    cases = [not _healthy(base)] + [_healthy(frame.loc[name]) for name in cures]
    parts = [f"{baseline}: {base['verdict_init']} at init, {base['verdict_training']} in training"]
    parts += [f"{name}: {frame.loc[name, 'verdict_init']} / {frame.loc[name, 'verdict_training']}"
              for name in cures]  # fmt: skip
    for with_clip, without in clipped:
        bad, good = frame.loc[without, "nonfinite_steps"], frame.loc[with_clip, "nonfinite_steps"]
        cases.append(good == 0 and bad > 0)
        parts.append(f"{with_clip}: {good} non-finite steps vs {bad} for {without}")
    depth = c["gradient_norms"]["layer"].max()
    measured = "; ".join(parts) + f" ({depth} layers)"
    return c.answer("2.24-remedies", measured, holds(cases, "remedies healthy"), FLOW)


def _pairs(c: Context) -> list[tuple[str, str]]:
    frame = _cases(c)
    return [(res, plain) for res, plain in c.cases.residual_pairs.items()
            if res in frame.index and plain in frame.index]  # fmt: skip


def residual_gradients(c: Context) -> Row | None:
    frame = _cases(c)
    pairs = [(res, plain) for res, plain in _pairs(c) if _usable(frame, res, plain)]
    if not pairs:
        return None
    verdicts = [direction(_log_ratio(frame.loc[plain]), _log_ratio(frame.loc[res]), "a<b",
                          c.tol.gradient_decades, (f"log10 first/last {plain}", res))
                for res, plain in pairs]  # fmt: skip
    measured = (
        "; ".join(
            f"{res} {frame.loc[res, 'first_last_ratio_init']:.3g} vs {plain} "
            f"{frame.loc[plain, 'first_last_ratio_init']:.3g}"
            for res, plain in pairs
        )
        + " (first/last-layer gradient norm, same depth)"
    )
    return c.answer("3.21-gradients", measured, combine(verdicts), FLOW)


def connectivity(c: Context) -> Row | None:
    frame, pairs = _cases(c), _pairs(c)
    if not pairs:
        return None
    verdicts = [direction(frame.loc[plain, "val_acc"], frame.loc[res, "val_acc"], "a<b",
                          c.tol.accuracy, (f"{plain} val acc", res))
                for res, plain in pairs]  # fmt: skip
    measured = "; ".join(
        f"{res} val acc {frame.loc[res, 'val_acc']:.3f} vs {plain} "
        f"{frame.loc[plain, 'val_acc']:.3f}"
        for res, plain in pairs
    )
    measured += " (residual vs plain only; dense connectivity and memory not measured)"
    return c.answer("1.24-connectivity", measured, combine(verdicts), FLOW)


CHECKS = [sigmoid_vs_relu, vanishing_bound, remedies, residual_gradients, connectivity]
