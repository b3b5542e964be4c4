"""Claims on gradient flow through a deep MLP (1.24, 2.16, 2.24, 3.21), read over the
seeds of the gradient-flow cases (paired by seed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dl_lab.course.rules import combine, holds_on_seeds
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

FLOW = [figure("gradient_flow"), table("gradient_flow"), table("gradient_norms")]


def _flow(c: Context) -> pd.DataFrame:
    return c["gradient_flow"]


def _ratios(c: Context, case: str) -> np.ndarray:
    """The first/last-layer gradient-norm ratio at the first update, one per seed."""
    return values(_flow(c), "first_last_ratio_init", case=case)


def _log_ratio(c: Context, case: str) -> np.ndarray:
    """log10 of ``_ratios``."""
    return np.log10(_ratios(c, case))


def _usable(c: Context, *names: str) -> bool:
    """Every case was run and its ratio is positive and finite on every seed."""
    cases = set(_flow(c)["case"])
    return all(name in cases and ((r := _ratios(c, name)) > 0).all() and np.isfinite(r).all()
               for name in names)  # fmt: skip


def sigmoid_vs_relu(c: Context) -> Row | None:
    sigmoid, relu = c.cases.vanishing_baseline, c.cases.relu
    if not _usable(c, sigmoid, relu):
        return None
    verdict = compare(_log_ratio(c, sigmoid), _log_ratio(c, relu), "a<b",
                        c.tol.gradient_decades, (f"log10 first/last {sigmoid}", relu))  # fmt: skip
    measured = (f"log10 first/last-layer gradient norm at the first update: {sigmoid} "
                f"{ms(_log_ratio(c, sigmoid))}, {relu} {ms(_log_ratio(c, relu))} "
                "(same default init)")  # fmt: skip
    return c.answer("2.16-sigmoid-vs-relu", measured, verdict, FLOW)


def vanishing_bound(c: Context) -> Row | None:
    """0.25 (sigmoid's largest derivative, measured on the activation grid) to the fifth."""
    ranges = c["activation_ranges"].set_index("activation")
    if "sigmoid" not in ranges.index:
        return None
    peak = float(ranges.loc["sigmoid", "max_derivative"])
    expected = c.value("2.16-vanishing")
    verdict = c.printed(peak**5, expected, "max sigmoid derivative ^ 5")  # a fixed grid: no seed
    measured = f"largest sigmoid derivative on the grid {peak:.4f}; {peak:.4f}^5 = {peak**5:.3g}"
    return c.answer(
        "2.16-vanishing",
        measured,
        verdict,
        [table("activation_ranges"), figure("activation_curves")],
    )


def _healthy(case: pd.Series) -> bool:
    return case["verdict_init"] == "healthy" and case["verdict_training"] == "healthy"


def _remedy_cases(
    part: pd.DataFrame, baseline: str, cures: list[str], clipped: list[tuple[str, str]]
) -> dict[str, bool]:
    """One seed: the baseline is not healthy, each cure is, each clip removes non-finite steps."""
    frame = part.set_index("case")
    cases = {f"{baseline} not healthy": not _healthy(frame.loc[baseline])}
    cases |= {f"{name} healthy": _healthy(frame.loc[name]) for name in cures}
    for with_clip, without in clipped:
        bad, good = frame.loc[without, "nonfinite_steps"], frame.loc[with_clip, "nonfinite_steps"]
        cases[f"{with_clip}: no non-finite steps where {without} has some"] = good == 0 and bad > 0
    return cases


def remedies(c: Context) -> Row | None:
    flow, baseline = _flow(c), c.cases.vanishing_baseline
    names = set(flow["case"])
    cures = [name for name in c.cases.remedies if name in names]
    clipped = [(a, b) for a, b in c.cases.clipped.items() if a in names and b in names]
    if baseline not in names or not (cures or clipped):
        return None
    cases: dict[str, list[bool]] = {}
    for _, part in by_seed(flow):
        for case, ok in _remedy_cases(part, baseline, cures, clipped).items():
            cases.setdefault(case, []).append(bool(ok))
    parts = [f"{name}: " + ", ".join(f"{a}/{b}" for a, b in zip(
        flow.loc[flow["case"] == name, "verdict_init"], flow.loc[flow["case"] == name, "verdict_training"],
        strict=True)) + " (init/training by seed)" for name in [baseline, *cures]]  # fmt: skip
    for with_clip, without in clipped:
        parts.append(f"{with_clip}: {ms(values(flow, 'nonfinite_steps', case=with_clip))} "
                     f"non-finite steps vs {ms(values(flow, 'nonfinite_steps', case=without))} "
                     f"for {without}")  # fmt: skip
    depth = c["gradient_norms"]["layer"].max()
    measured = "; ".join(parts) + f" ({depth} layers)"
    return c.answer("2.24-remedies", measured, holds_on_seeds(cases, "remedies healthy"), FLOW)


def _pairs(c: Context) -> list[tuple[str, str]]:
    names = set(_flow(c)["case"])
    return [(res, plain) for res, plain in c.cases.residual_pairs.items()
            if res in names and plain in names]  # fmt: skip


def residual_gradients(c: Context) -> Row | None:
    pairs = [(res, plain) for res, plain in _pairs(c) if _usable(c, res, plain)]
    if not pairs:
        return None
    verdicts = [compare(_log_ratio(c, plain), _log_ratio(c, res), "a<b",
                          c.tol.gradient_decades, (f"log10 first/last {plain}", res))
                for res, plain in pairs]  # fmt: skip
    measured = (
        "; ".join(f"{res} {ms(_log_ratio(c, res))} vs {plain} {ms(_log_ratio(c, plain))}"
                  for res, plain in pairs)
        + " (log10 first/last-layer gradient norm, same depth)"
    )  # fmt: skip
    return c.answer("3.21-gradients", measured, combine(verdicts), FLOW)


def connectivity(c: Context) -> Row | None:
    pairs, flow = _pairs(c), _flow(c)
    if not pairs:
        return None
    acc = {name: values(flow, "val_acc", case=name) for pair in pairs for name in pair}
    verdicts = [compare(acc[plain], acc[res], "a<b", c.tol.accuracy, (f"{plain} val acc", res))
                for res, plain in pairs]  # fmt: skip
    measured = "; ".join(f"{res} val acc {ms(acc[res])} vs {plain} {ms(acc[plain])}"
                         for res, plain in pairs)  # fmt: skip
    measured += " (residual vs plain only; dense connectivity and memory not measured)"
    return c.answer("1.24-connectivity", measured, combine(verdicts), FLOW)


CHECKS = [sigmoid_vs_relu, vanishing_bound, remedies, residual_gradients, connectivity]
